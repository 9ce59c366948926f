//! The per-user time split.
//!
//! Per user, interactions are ordered by timestamp with ties kept in file
//! order (a stable sort): the last is **test**, the second-to-last
//! **validation**, the rest **train**. Users with fewer than 3 interactions
//! keep all of them in train.
//!
//! Users and items are given dense indices here: items in catalogue order
//! (every catalogue movie, with or without interactions, so rankings are over
//! the full catalogue), users in ascending raw id.

use std::collections::HashMap;

use reelgraph_core::types::MovieId;

use super::{Dataset, UserId};

/// A dense-indexed split. `u32` fields are dense indices.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Dense item index → movie id (catalogue order).
    pub item_ids: Vec<MovieId>,
    /// Dense user index → raw user id (ascending).
    pub user_ids: Vec<UserId>,
    /// Per user (dense index), train items in time order (oldest first).
    pub train: Vec<Vec<u32>>,
    /// Per user, train timestamps aligned with `train`.
    pub train_times: Vec<Vec<i64>>,
    /// Per user, the validation item (None for users with < 3 interactions).
    pub val: Vec<Option<u32>>,
    /// Per user, the test item.
    pub test: Vec<Option<u32>>,
    /// Per user, items they disliked: only site visitors added by
    /// [`crate::feedback::add_to_split`] have any; empty past the end.
    pub disliked: Vec<Vec<u32>>,
}

impl Split {
    pub fn num_users(&self) -> usize {
        self.user_ids.len()
    }
    pub fn num_items(&self) -> usize {
        self.item_ids.len()
    }
    pub fn train_len(&self) -> usize {
        self.train.iter().map(Vec::len).sum()
    }
    pub fn val_len(&self) -> usize {
        self.val.iter().flatten().count()
    }
    pub fn test_len(&self) -> usize {
        self.test.iter().flatten().count()
    }
    /// Train interaction count per dense item (popularity).
    pub fn item_train_counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.num_items()];
        for items in &self.train {
            for &i in items {
                counts[i as usize] += 1;
            }
        }
        counts
    }
    /// Dense index of a movie id.
    pub fn item_index(&self) -> HashMap<MovieId, u32> {
        self.item_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect()
    }
}

/// Split a dataset. Interactions whose item is not in the catalogue are an
/// error naming the item (the parsers add catalogue rows for such items in
/// formats without a catalogue).
pub fn split(ds: &Dataset) -> anyhow::Result<Split> {
    let item_ids: Vec<MovieId> = ds.movies.iter().map(|m| m.id).collect();
    let item_index: HashMap<MovieId, u32> = item_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    let mut user_ids: Vec<UserId> = ds.interactions.iter().map(|x| x.user).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let user_index: HashMap<UserId, usize> =
        user_ids.iter().enumerate().map(|(i, &u)| (u, i)).collect();

    // Per user: (timestamp, item) in file order, then a stable sort by time.
    let mut per_user: Vec<Vec<(i64, u32)>> = vec![Vec::new(); user_ids.len()];
    for x in &ds.interactions {
        let item = *item_index.get(&x.item).ok_or_else(|| {
            anyhow::anyhow!(
                "interaction of user {} names movie {} which is not in the catalogue",
                x.user,
                x.item
            )
        })?;
        per_user[user_index[&x.user]].push((x.timestamp, item));
    }
    let mut s = Split {
        item_ids,
        user_ids,
        ..Split::default()
    };
    for mut events in per_user {
        events.sort_by_key(|&(t, _)| t); // stable: ties keep file order
        let (val, test) = if events.len() >= 3 {
            let test = events.pop().map(|e| e.1);
            let val = events.pop().map(|e| e.1);
            (val, test)
        } else {
            (None, None)
        };
        s.train_times.push(events.iter().map(|e| e.0).collect());
        s.train.push(events.into_iter().map(|e| e.1).collect());
        s.val.push(val);
        s.test.push(test);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Format, Interaction};
    use reelgraph_core::types::Movie;

    fn ds(rows: &[(u32, u32, i64)]) -> Dataset {
        let mut movies: Vec<Movie> = (1..=5)
            .map(|id| Movie {
                id,
                ..Movie::default()
            })
            .collect();
        movies.sort_by_key(|m| m.id);
        Dataset {
            name: "t".into(),
            format: Format::Generic,
            movies,
            interactions: rows
                .iter()
                .map(|&(user, item, timestamp)| Interaction {
                    user,
                    item,
                    rating: 1.0,
                    timestamp,
                })
                .collect(),
            users_in_file: None,
            fingerprint: String::new(),
        }
    }

    #[test]
    fn last_is_test_second_last_is_val_ties_in_file_order() {
        // user 7: times 5,1,5,3 -> order (1:i2),(3:i4),(5:i1),(5:i3) with the tie in file order
        let s = split(&ds(&[
            (7, 1, 5),
            (7, 2, 1),
            (7, 3, 5),
            (7, 4, 3),
            (9, 5, 1),
            (9, 1, 2),
        ]))
        .unwrap();
        assert_eq!(s.user_ids, vec![7, 9]);
        assert_eq!(s.train[0], vec![1, 3]); // dense indices of items 2 and 4
        assert_eq!(s.val[0], Some(0)); // item 1
        assert_eq!(s.test[0], Some(2)); // item 3
        // user 9 has 2 interactions: all train
        assert_eq!(s.train[1], vec![4, 0]);
        assert_eq!((s.val[1], s.test[1]), (None, None));
        assert_eq!((s.train_len(), s.val_len(), s.test_len()), (4, 1, 1));
    }

    #[test]
    fn unknown_item_is_an_error() {
        assert!(
            split(&ds(&[(1, 42, 0)]))
                .unwrap_err()
                .to_string()
                .contains("42")
        );
    }
}
