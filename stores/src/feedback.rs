//! Feedback store: what visitors of the site marked (like, dislike, skip).
//!
//! A visitor is a random UUID the UI keeps in local storage: it is the
//! visitor's only key, so it is treated as a secret ([`Visitor`] never
//! prints itself, no store lists visitors to a request, errors never name
//! one). Each visitor has at most one signal per movie: marking a movie
//! again **replaces** the earlier signal (the newest wins), so a visitor's
//! list is their current opinion of each movie, newest first.
//!
//! | store | where | writes |
//! |---|---|---|
//! | [`crate::sql::open_feedback`] | the `feedback` table of SQLite / MySQL (migration `0004_feedback`) | each signal at once, in its own transaction |
//! | [`ObjectFeedback`] | batched append-only objects in an [`ObjectStore`] (self-contained Lambda mode: no database) | buffered, one object per shard per flush |
//!
//! The SQL stores are opened by serving next to its read-only metadata
//! handle; they only ever `SELECT`, `INSERT` and `DELETE` rows of
//! `feedback` (a replaced signal is deleted and inserted again, no
//! `UPDATE`), so the serving credential needs exactly those privileges on
//! that one table.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use reelgraph_core::error::{Error, Result};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::MovieId;

/// A visitor's id: a UUID (`8-4-4-4-12` hexadecimal digits), kept in lower
/// case. Its `Debug` form hides the value: it is the visitor's only key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Visitor(String);

impl Visitor {
    /// The UUID, lower case (to bind as a parameter; never to log).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shard of the object store this visitor's signals go to: one hex
    /// digit of a hash (FNV-1a) of the id, so `list` reads 1/16 of the
    /// objects.
    fn shard(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.0.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{:x}", h % SHARDS)
    }
}

impl std::fmt::Debug for Visitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Visitor(…)")
    }
}

impl FromStr for Visitor {
    type Err = String;

    /// A UUID in its canonical text form (either case); the message never
    /// repeats the value.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let ok = s.len() == 36
            && s.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if ok {
            Ok(Visitor(s.to_ascii_lowercase()))
        } else {
            Err("must be a UUID (8-4-4-4-12 hexadecimal digits)".into())
        }
    }
}

/// What a visitor said about a movie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    Like,
    Dislike,
    Skip,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Like, Signal::Dislike, Signal::Skip];

    /// `like`, `dislike`, `skip`: the API's and the databases' spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Like => "like",
            Signal::Dislike => "dislike",
            Signal::Skip => "skip",
        }
    }
}

impl FromStr for Signal {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Signal::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("must be \"like\", \"dislike\" or \"skip\", got {s:?}"))
    }
}

/// One recorded signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub visitor: Visitor,
    pub movie: MovieId,
    pub signal: Signal,
    /// When it was marked: milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
}

/// The current time in milliseconds since the Unix epoch, strictly
/// increasing within the process (two marks of one request burst never
/// share a time, so "newest first" is an order, not a tie).
pub fn now_ms() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let wall = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = wall.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(p) => prev = p,
        }
    }
}

/// `at_ms` as RFC 3339 UTC with milliseconds (`2026-12-04T22:15:00.123Z`).
pub fn rfc3339_ms(at_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Where visitors' signals are kept.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Record `signal` for `movie` at `at_ms`, replacing the visitor's
    /// earlier signal for the same movie.
    async fn record(
        &self,
        visitor: &Visitor,
        movie: MovieId,
        signal: Signal,
        at_ms: i64,
    ) -> Result<()>;
    /// The visitor's signals, newest first (one per movie).
    async fn list(&self, visitor: &Visitor) -> Result<Vec<Mark>>;
    /// Forget every signal of the visitor.
    async fn forget(&self, visitor: &Visitor) -> Result<()>;
    /// Every visitor's signals, by visitor then oldest first (for training;
    /// never for a request).
    async fn all(&self) -> Result<Vec<Mark>>;
    /// Write whatever is buffered (the object store; a no-op for SQL).
    /// Called on shutdown.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }
    /// The kind of store, for logs and metrics (`sqlite`, `mysql`, `objects`).
    fn kind(&self) -> &'static str;
}

// ---------------------------------------------------------------------------
// The object store.

/// Number of shards (key prefixes `0/` … `f/`) of [`ObjectFeedback`].
const SHARDS: u64 = 16;

/// When [`ObjectFeedback`] writes its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Write once this many signals (and tombstones) are buffered.
    pub max_signals: usize,
    /// Write once the oldest buffered one is this old (checked on every
    /// call and by a background task).
    pub max_age: Duration,
    /// Refuse new signals (the store is down) once this many are buffered.
    pub max_buffered: usize,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy {
            max_signals: 100,
            max_age: Duration::from_secs(30),
            max_buffered: 10_000,
        }
    }
}

/// One line of a feedback object: a signal, or a tombstone (`forget`:
/// every earlier signal of the visitor is forgotten).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    visitor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    movie: Option<MovieId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signal: Option<Signal>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    forget: bool,
    /// Milliseconds since the Unix epoch.
    at: i64,
}

/// Signals kept as batched, append-only JSON-lines objects in an
/// [`ObjectStore`] (self-contained Lambda mode, where there is no
/// database).
///
/// Signals are buffered in memory and written when [`FlushPolicy`] says
/// (so many signals, or the oldest this old) and on [`FeedbackStore::flush`]
/// (shutdown): never one `PUT` per request. A flush writes one object per
/// shard it holds signals of, at `{shard}/{time}-{instance}-{seq}.jsonl`;
/// the shard is a hash of the visitor, so [`FeedbackStore::list`] reads one
/// prefix (a sixteenth of the objects) plus this instance's buffer.
/// [`FeedbackStore::forget`] drops the visitor's buffered signals and
/// appends a tombstone that hides every signal of the visitor made before
/// it. Objects are never rewritten or deleted.
///
/// Another instance (Lambda container) sees a signal once it is flushed.
pub struct ObjectFeedback {
    objects: Arc<dyn ObjectStore>,
    policy: FlushPolicy,
    /// Random, so two instances never write the same key.
    instance: String,
    seq: AtomicU64,
    buffer: Mutex<Buffer>,
    /// One flush at a time (their objects are then in `seq` order).
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Buffer {
    lines: Vec<(Visitor, Line)>,
    /// When the oldest line was buffered.
    since: Option<Instant>,
}

impl ObjectFeedback {
    /// A store over `objects` (a directory or `s3://bucket/prefix` of its
    /// own). Inside a tokio runtime, a background task also flushes a
    /// buffer older than `policy.max_age`.
    pub fn new(objects: Arc<dyn ObjectStore>, policy: FlushPolicy) -> Arc<Self> {
        let instance = format!("{:08x}", rand::random::<u32>());
        let store = Arc::new(ObjectFeedback {
            objects,
            policy,
            instance,
            seq: AtomicU64::new(0),
            buffer: Mutex::new(Buffer::default()),
            flushing: tokio::sync::Mutex::new(()),
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            let weak: Weak<ObjectFeedback> = Arc::downgrade(&store);
            let tick = (policy.max_age / 2).max(Duration::from_millis(50));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(tick).await;
                    let Some(store) = weak.upgrade() else { break };
                    if store.due()
                        && let Err(e) = store.flush_now().await
                    {
                        tracing::warn!("feedback flush failed (kept buffered): {e}");
                    }
                }
            });
        }
        store
    }

    /// Where the objects are, for messages.
    pub fn describe(&self) -> String {
        self.objects.describe()
    }

    /// Lines buffered and not yet written.
    pub fn buffered(&self) -> usize {
        self.buffer.lock().expect("lock poisoned").lines.len()
    }

    fn due(&self) -> bool {
        let b = self.buffer.lock().expect("lock poisoned");
        b.lines.len() >= self.policy.max_signals
            || b.since.is_some_and(|t| t.elapsed() >= self.policy.max_age)
    }

    /// Buffer a line; flush when due. A failed flush keeps the lines
    /// buffered (retried later) unless the buffer is full.
    async fn push(&self, visitor: &Visitor, line: Line) -> Result<()> {
        {
            let mut b = self.buffer.lock().expect("lock poisoned");
            if b.lines.len() >= self.policy.max_buffered {
                return Err(Error::Unavailable(format!(
                    "feedback objects in {}: {} signals are waiting to be written",
                    self.objects.describe(),
                    b.lines.len()
                )));
            }
            if line.forget {
                b.lines.retain(|(v, _)| v != visitor);
            }
            b.lines.push((visitor.clone(), line));
            b.since.get_or_insert_with(Instant::now);
        }
        if self.due()
            && let Err(e) = self.flush_now().await
        {
            tracing::warn!("feedback flush failed (kept buffered): {e}");
        }
        Ok(())
    }

    /// Write the buffer: one object per shard.
    async fn flush_now(&self) -> Result<()> {
        let _one = self.flushing.lock().await;
        let lines = {
            let mut b = self.buffer.lock().expect("lock poisoned");
            b.since = None;
            std::mem::take(&mut b.lines)
        };
        if lines.is_empty() {
            return Ok(());
        }
        let mut shards: HashMap<String, Vec<&(Visitor, Line)>> = HashMap::new();
        for entry in &lines {
            shards.entry(entry.0.shard()).or_default().push(entry);
        }
        let mut failed: Option<Error> = None;
        let mut unwritten: Vec<(Visitor, Line)> = Vec::new();
        let mut shard_names: Vec<&String> = shards.keys().collect();
        shard_names.sort();
        for shard in shard_names {
            let entries = &shards[shard];
            let mut body = Vec::new();
            for (_, line) in entries {
                serde_json::to_writer(&mut body, line).expect("a line serialises");
                body.push(b'\n');
            }
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            let key = format!("{shard}/{:013}-{}-{seq:06}.jsonl", now_ms(), self.instance);
            if let Err(e) = self.objects.put(&key, Bytes::from(body)).await {
                unwritten.extend(entries.iter().map(|e| (*e).clone()));
                failed = Some(e);
            }
        }
        if let Some(e) = failed {
            let mut b = self.buffer.lock().expect("lock poisoned");
            unwritten.append(&mut b.lines);
            b.lines = unwritten;
            b.since.get_or_insert_with(Instant::now);
            return Err(e);
        }
        Ok(())
    }

    /// Every line of the objects under `prefix`, in key order (the order
    /// they were written in, within one instance).
    async fn read(&self, prefix: &str) -> Result<Vec<Line>> {
        let keys: Vec<String> = self
            .objects
            .list(prefix)
            .await?
            .into_iter()
            .filter(|k| k.ends_with(".jsonl"))
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, key) in keys.iter().enumerate() {
            let objects = self.objects.clone();
            let key = key.clone();
            tasks.spawn(async move { (i, objects.get(&key).await) });
        }
        let mut bodies: Vec<Option<Bytes>> = vec![None; keys.len()];
        while let Some(joined) = tasks.join_next().await {
            let (i, body) = joined.map_err(|e| Error::Unavailable(format!("read task: {e}")))?;
            bodies[i] = Some(body?);
        }
        let mut out = Vec::new();
        for (key, body) in keys.iter().zip(bodies) {
            let body = body.unwrap_or_default();
            for (n, text) in body.split(|b| *b == b'\n').enumerate() {
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let line: Line = serde_json::from_slice(text).map_err(|e| {
                    Error::Corrupt(format!("feedback object {key} line {}: {e}", n + 1))
                })?;
                out.push(line);
            }
        }
        Ok(out)
    }

    /// Buffered lines (of `visitor`, or all).
    fn buffered_lines(&self, visitor: Option<&Visitor>) -> Vec<Line> {
        let b = self.buffer.lock().expect("lock poisoned");
        b.lines
            .iter()
            .filter(|(v, _)| visitor.is_none_or(|w| v == w))
            .map(|(_, l)| l.clone())
            .collect()
    }
}

/// The visitors' current signals from lines in the order they were made:
/// a tombstone hides the visitor's earlier signals; a later signal for a
/// movie replaces the earlier one. By visitor, oldest first.
fn fold(lines: Vec<Line>) -> Vec<Mark> {
    let mut by_visitor: HashMap<String, Vec<Line>> = HashMap::new();
    for l in lines {
        by_visitor.entry(l.visitor.clone()).or_default().push(l);
    }
    let mut out = Vec::new();
    let mut visitors: Vec<String> = by_visitor.keys().cloned().collect();
    visitors.sort();
    for v in visitors {
        let Ok(visitor) = v.parse::<Visitor>() else {
            continue;
        };
        let mut lines = by_visitor.remove(&v).unwrap_or_default();
        // Stable: lines of one time keep the order they were read in.
        lines.sort_by_key(|l| l.at);
        let forgotten = lines.iter().filter(|l| l.forget).map(|l| l.at).max();
        let mut current: HashMap<MovieId, (Signal, i64)> = HashMap::new();
        for l in lines {
            if l.forget || forgotten.is_some_and(|t| l.at <= t) {
                continue;
            }
            if let (Some(movie), Some(signal)) = (l.movie, l.signal) {
                current.insert(movie, (signal, l.at));
            }
        }
        let mut marks: Vec<Mark> = current
            .into_iter()
            .map(|(movie, (signal, at_ms))| Mark {
                visitor: visitor.clone(),
                movie,
                signal,
                at_ms,
            })
            .collect();
        marks.sort_by_key(|m| (m.at_ms, m.movie));
        out.extend(marks);
    }
    out
}

#[async_trait]
impl FeedbackStore for ObjectFeedback {
    async fn record(
        &self,
        visitor: &Visitor,
        movie: MovieId,
        signal: Signal,
        at_ms: i64,
    ) -> Result<()> {
        let line = Line {
            visitor: visitor.as_str().to_string(),
            movie: Some(movie),
            signal: Some(signal),
            forget: false,
            at: at_ms,
        };
        self.push(visitor, line).await
    }

    async fn list(&self, visitor: &Visitor) -> Result<Vec<Mark>> {
        let mut lines: Vec<Line> = self
            .read(&format!("{}/", visitor.shard()))
            .await?
            .into_iter()
            .filter(|l| l.visitor == visitor.as_str())
            .collect();
        lines.extend(self.buffered_lines(Some(visitor)));
        let mut marks = fold(lines);
        marks.reverse();
        Ok(marks)
    }

    async fn forget(&self, visitor: &Visitor) -> Result<()> {
        let line = Line {
            visitor: visitor.as_str().to_string(),
            movie: None,
            signal: None,
            forget: true,
            at: now_ms(),
        };
        self.push(visitor, line).await
    }

    async fn all(&self) -> Result<Vec<Mark>> {
        let mut lines = self.read("").await?;
        lines.extend(self.buffered_lines(None));
        Ok(fold(lines))
    }

    async fn flush(&self) -> Result<()> {
        self.flush_now().await
    }

    fn kind(&self) -> &'static str {
        "objects"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_uuids_and_never_print() {
        let v: Visitor = "0F8FAD5B-D9CB-469F-A165-70867728950E".parse().unwrap();
        assert_eq!(v.as_str(), "0f8fad5b-d9cb-469f-a165-70867728950e");
        assert_eq!(format!("{v:?}"), "Visitor(…)");
        for bad in [
            "",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "0f8fad5b-d9cb-469f-a165-70867728950e0",
            "0f8fad5bd9cb-469f-a165-70867728950e0",
            "0f8fad5b-d9cb-469f-a165-70867728950g",
            "0f8fad5b_d9cb_469f_a165_70867728950e",
        ] {
            let e = bad.parse::<Visitor>().unwrap_err();
            assert!(bad.is_empty() || !e.contains(bad), "{e}");
        }
        let shards: std::collections::HashSet<String> = (0..200u32)
            .map(|i| {
                format!("00000000-0000-4000-8000-{i:012x}")
                    .parse::<Visitor>()
                    .unwrap()
                    .shard()
            })
            .collect();
        assert_eq!(shards.len(), SHARDS as usize);
    }

    #[test]
    fn signals_and_times() {
        assert_eq!("dislike".parse::<Signal>(), Ok(Signal::Dislike));
        assert!("Like".parse::<Signal>().unwrap_err().contains("\"Like\""));
        let a = now_ms();
        let b = now_ms();
        assert!(b > a);
        assert_eq!(rfc3339_ms(1_764_886_500_123), "2025-12-04T22:15:00.123Z");
    }

    #[test]
    fn fold_replaces_and_honours_tombstones() {
        let v = "00000000-0000-4000-8000-000000000001";
        let l = |movie: Option<u32>, signal: Option<Signal>, forget: bool, at: i64| Line {
            visitor: v.into(),
            movie,
            signal,
            forget,
            at,
        };
        let marks = fold(vec![
            l(Some(1), Some(Signal::Like), false, 10),
            l(Some(2), Some(Signal::Like), false, 11),
            l(None, None, true, 12),
            l(Some(3), Some(Signal::Skip), false, 13),
            l(Some(3), Some(Signal::Dislike), false, 14),
            l(Some(4), Some(Signal::Like), false, 15),
        ]);
        let got: Vec<(u32, Signal, i64)> =
            marks.iter().map(|m| (m.movie, m.signal, m.at_ms)).collect();
        assert_eq!(got, vec![(3, Signal::Dislike, 14), (4, Signal::Like, 15)]);
    }
}
