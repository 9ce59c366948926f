//! Visitors' feedback as training data (`reelgraph train --feedback URL`,
//! and the trainer job, which passes its own store).
//!
//! The site keeps what visitors mark (like, dislike, skip; one signal per
//! visitor and movie, the newest) in the metadata database or, for
//! self-contained functions, as objects under a prefix
//! ([`reelgraph_stores::feedback`]). [`read`] takes every signal from
//! either and drops the visitor ids: a [`Feedback`] is one anonymous list of
//! marks per visitor, in time order. [`add_to_split`] then adds it to the
//! base dataset's split:
//!
//! - each visitor with at least one like becomes a **user of the train
//!   split only** (no validation or test item), their likes being
//!   interactions in the order they were made, so the graph, the random
//!   walks and every baseline learn from them, while the evaluation runs on
//!   exactly the base dataset's users as before;
//! - **dislikes are never interactions**; they are negatives: for a pair of
//!   a visitor's likes the sampler takes one of that visitor's dislikes as
//!   the negative half of the time ([`crate::sampler::DISLIKE_NEGATIVES`]),
//!   so the model learns that those movies sit further from what the visitor
//!   liked than a random one;
//! - skips ("seen, no opinion") are counted and otherwise unused.
//!
//! Signals naming a movie that is not in the catalogue are counted and
//! skipped. The order of visitors is fixed (by their first mark, then their
//! marks), so the same signals give the same training.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context as _;
use reelgraph_core::object;
use reelgraph_core::settings::{DbSpec, ModelsSpec};
use reelgraph_core::types::MovieId;
use reelgraph_stores::feedback::{FeedbackStore, FlushPolicy, Mark, ObjectFeedback, Signal};
use reelgraph_stores::sql;
use serde::{Deserialize, Serialize};

use crate::data::Split;

/// Every visitor's marks, anonymous: `visitors[v]` in time order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub visitors: Vec<Vec<FeedbackMark>>,
}

/// One mark of a visitor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackMark {
    pub movie: MovieId,
    pub signal: Signal,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// What the training used of the feedback (in the report).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackUsed {
    /// Visitors with any signal.
    pub visitors: usize,
    /// Visitors added as users (those with at least one like of a known movie).
    pub visitors_used: usize,
    /// Signals read.
    pub signals: usize,
    /// Likes added as train interactions.
    pub likes: usize,
    /// Dislikes used as negatives.
    pub dislikes: usize,
    /// Skips (unused).
    pub skips: usize,
    /// Signals naming a movie the catalogue does not hold (skipped).
    pub unknown_movies: usize,
}

impl std::fmt::Display for FeedbackUsed {
    /// The summary the log and `report.md` give.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "feedback: {} visitors ({} added as train-only users), {} signals: {} likes as \
             interactions, {} dislikes as negatives, {} skips unused, {} naming movies not in \
             the catalogue",
            self.visitors,
            self.visitors_used,
            self.signals,
            self.likes,
            self.dislikes,
            self.skips,
            self.unknown_movies
        )
    }
}

impl Feedback {
    /// Group the stores' marks by visitor, dropping the visitor ids.
    pub fn from_marks(marks: Vec<Mark>) -> Feedback {
        let mut by: BTreeMap<String, Vec<FeedbackMark>> = BTreeMap::new();
        for m in marks {
            by.entry(m.visitor.as_str().to_string())
                .or_default()
                .push(FeedbackMark {
                    movie: m.movie,
                    signal: m.signal,
                    at_ms: m.at_ms,
                });
        }
        let mut visitors: Vec<Vec<FeedbackMark>> = by
            .into_values()
            .map(|mut v| {
                v.sort_by_key(|m| (m.at_ms, m.movie));
                v
            })
            .collect();
        // An order that does not depend on the (secret) ids.
        visitors.sort_by(|a, b| {
            let key = |v: &Vec<FeedbackMark>| {
                v.iter()
                    .map(|m| (m.at_ms, m.movie, m.signal as u8))
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b))
        });
        Feedback { visitors }
    }

    /// Number of signals.
    pub fn signals(&self) -> usize {
        self.visitors.iter().map(Vec::len).sum()
    }

    /// Read a snapshot written by [`Feedback::write_file`].
    pub fn read_file(path: &Path) -> anyhow::Result<Feedback> {
        let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&raw)
            .with_context(|| format!("{}: not a feedback snapshot", path.display()))
    }

    /// Write a snapshot (atomically: a temporary file renamed).
    pub fn write_file(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(self)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// Whether `source` names a database (else an object-store prefix).
fn is_database(source: &str) -> bool {
    let s = source.trim();
    s.starts_with("sqlite:") || s.starts_with("mysql://") || s.starts_with("mariadb://")
}

/// Every signal of a feedback store: a metadata database URL
/// (`sqlite://FILE`, `mysql://…`; its `feedback` table) or the prefix the
/// self-contained functions write to (a directory or `s3://bucket/prefix`).
/// An empty prefix is no feedback; a database without the table is an error.
pub async fn read(source: &str) -> anyhow::Result<Feedback> {
    let store: std::sync::Arc<dyn FeedbackStore> = if is_database(source) {
        let db: DbSpec = source
            .parse()
            .map_err(|e| anyhow::anyhow!("--feedback: {e}"))?;
        sql::open_feedback(&db)
            .await
            .with_context(|| format!("--feedback {}", db.redacted()))?
    } else {
        let spec: ModelsSpec = source
            .parse()
            .map_err(|e| anyhow::anyhow!("--feedback: {e}"))?;
        let objects = object::open_spec(&spec)
            .await
            .with_context(|| format!("--feedback {spec}"))?;
        ObjectFeedback::new(objects, FlushPolicy::default())
    };
    read_store(store.as_ref()).await
}

/// Every signal of an open feedback store.
pub async fn read_store(store: &dyn FeedbackStore) -> anyhow::Result<Feedback> {
    let marks = store
        .all()
        .await
        .with_context(|| format!("reading the feedback of {}", store.kind()))?;
    Ok(Feedback::from_marks(marks))
}

/// Add the visitors to `split` as train-only users (see the module docs).
pub fn add_to_split(split: &mut Split, fb: &Feedback) -> FeedbackUsed {
    let index: HashMap<MovieId, u32> = split.item_index();
    let mut used = FeedbackUsed {
        visitors: fb.visitors.len(),
        signals: fb.signals(),
        ..FeedbackUsed::default()
    };
    let mut next_id = split.user_ids.iter().max().map_or(1, |&u| u + 1);
    // Dislikes of the base users: none (kept aligned with the users).
    split.disliked.resize(split.num_users(), Vec::new());
    for marks in &fb.visitors {
        let (mut likes, mut times, mut dislikes) = (Vec::new(), Vec::new(), Vec::new());
        for m in marks {
            let Some(&item) = index.get(&m.movie) else {
                used.unknown_movies += 1;
                continue;
            };
            match m.signal {
                Signal::Like => {
                    likes.push(item);
                    times.push(m.at_ms.div_euclid(1000));
                }
                Signal::Dislike => dislikes.push(item),
                Signal::Skip => used.skips += 1,
            }
        }
        if likes.is_empty() {
            continue;
        }
        used.visitors_used += 1;
        used.likes += likes.len();
        used.dislikes += dislikes.len();
        split.user_ids.push(next_id);
        next_id += 1;
        split.train.push(likes);
        split.train_times.push(times);
        split.val.push(None);
        split.test.push(None);
        split.disliked.push(dislikes);
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;
    use reelgraph_stores::feedback::Visitor;

    fn mark(visitor: &str, movie: MovieId, signal: Signal, at_ms: i64) -> Mark {
        Mark {
            visitor: visitor.parse::<Visitor>().unwrap(),
            movie,
            signal,
            at_ms,
        }
    }

    const A: &str = "00000000-0000-4000-8000-00000000000a";
    const B: &str = "00000000-0000-4000-8000-00000000000b";
    const C: &str = "00000000-0000-4000-8000-00000000000c";

    #[test]
    fn visitors_become_train_only_users_and_dislikes_negatives() {
        // 4 movies (ids 10, 20, 30, 40), 2 base users with ids 3 and 7
        let mut split = Split {
            item_ids: vec![10, 20, 30, 40],
            user_ids: vec![3, 7],
            train: vec![vec![0, 1], vec![1, 2]],
            train_times: vec![vec![1, 2], vec![1, 2]],
            val: vec![Some(2), None],
            test: vec![Some(3), None],
            disliked: vec![],
        };
        let fb = Feedback::from_marks(vec![
            // B first by time: likes 30 then 10 (in time order, not input order),
            // dislikes 20, skips 40, and names a movie the catalogue lacks
            mark(B, 10, Signal::Like, 5_000),
            mark(B, 30, Signal::Like, 1_500),
            mark(B, 20, Signal::Dislike, 2_000),
            mark(B, 40, Signal::Skip, 2_500),
            mark(B, 99, Signal::Like, 3_000),
            // A: only a dislike and a skip: no user
            mark(A, 10, Signal::Dislike, 4_000),
            mark(A, 20, Signal::Skip, 4_100),
            // C: one like
            mark(C, 40, Signal::Like, 9_999),
        ]);
        assert_eq!(fb.visitors.len(), 3);
        assert_eq!(
            fb.visitors[0][0].at_ms, 1_500,
            "B's first mark is the earliest"
        );
        let used = add_to_split(&mut split, &fb);
        assert_eq!(
            used,
            FeedbackUsed {
                visitors: 3,
                visitors_used: 2,
                signals: 8,
                likes: 3,
                dislikes: 1,
                skips: 2,
                unknown_movies: 1,
            }
        );
        assert_eq!(split.user_ids, vec![3, 7, 8, 9]);
        assert_eq!(
            split.train,
            vec![vec![0, 1], vec![1, 2], vec![2, 0], vec![3]]
        );
        assert_eq!(split.train_times[2..], [vec![1, 5], vec![9]]);
        assert_eq!(split.val, vec![Some(2), None, None, None]);
        assert_eq!(split.test, vec![Some(3), None, None, None]);
        assert_eq!(split.disliked, vec![vec![], vec![], vec![1], vec![]]);
        // the evaluation sees the base users only
        assert_eq!((split.val_len(), split.test_len()), (1, 1));
    }

    #[test]
    fn the_order_of_visitors_does_not_depend_on_their_ids() {
        let a = Feedback::from_marks(vec![
            mark(A, 10, Signal::Like, 2),
            mark(B, 20, Signal::Like, 1),
        ]);
        let b = Feedback::from_marks(vec![
            mark(B, 10, Signal::Like, 2),
            mark(A, 20, Signal::Like, 1),
        ]);
        assert_eq!(a, b);
        assert_eq!(a.visitors[0][0].movie, 20);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feedback.json");
        a.write_file(&p).unwrap();
        assert_eq!(Feedback::read_file(&p).unwrap(), a);
        assert!(
            !std::fs::read_to_string(&p).unwrap().contains("0000-4000"),
            "no visitor id in the snapshot"
        );
    }
}
