//! The bipartite user–item graph of the **train** split, in CSR form.
//!
//! Two adjacency arrays: user → items (each user's train items in time
//! order, oldest first, as the split keeps them) and item → users. Validation
//! and test interactions are never part of the graph.

use crate::data::Split;

/// Bipartite CSR graph built from train interactions only.
#[derive(Clone, Debug)]
pub struct Graph {
    num_users: usize,
    num_items: usize,
    /// `user_offsets[u]..user_offsets[u + 1]` indexes `user_items`.
    user_offsets: Vec<usize>,
    /// Items of each user, in time order.
    user_items: Vec<u32>,
    /// `item_offsets[i]..item_offsets[i + 1]` indexes `item_users`.
    item_offsets: Vec<usize>,
    /// Users of each item, ascending.
    item_users: Vec<u32>,
    /// For each entry of `user_items` (an interaction), its user.
    edge_user: Vec<u32>,
    /// Items each user disliked (site visitors' dislikes; none for the
    /// dataset's users): `disliked[u]`, empty past the end. Not edges: the
    /// sampler uses them as negatives of the user's likes.
    disliked: Vec<Vec<u32>>,
}

impl Graph {
    /// Build from per-user train item lists (dense item indices `< num_items`).
    ///
    /// # Panics
    /// If an item index is out of range.
    pub fn from_train(train: &[Vec<u32>], num_items: usize) -> Self {
        let num_users = train.len();
        let mut user_offsets = Vec::with_capacity(num_users + 1);
        user_offsets.push(0);
        let mut user_items = Vec::with_capacity(train.iter().map(Vec::len).sum());
        let mut edge_user = Vec::with_capacity(user_items.capacity());
        let mut degree = vec![0usize; num_items];
        for (u, items) in train.iter().enumerate() {
            for &i in items {
                assert!(
                    (i as usize) < num_items,
                    "item index {i} out of range ({num_items} items)"
                );
                degree[i as usize] += 1;
                user_items.push(i);
                edge_user.push(u as u32);
            }
            user_offsets.push(user_items.len());
        }
        let mut item_offsets = Vec::with_capacity(num_items + 1);
        item_offsets.push(0);
        for d in &degree {
            item_offsets.push(item_offsets.last().unwrap() + d);
        }
        let mut fill = item_offsets[..num_items].to_vec();
        let mut item_users = vec![0u32; user_items.len()];
        for (u, items) in train.iter().enumerate() {
            for &i in items {
                item_users[fill[i as usize]] = u as u32;
                fill[i as usize] += 1;
            }
        }
        Graph {
            num_users,
            num_items,
            user_offsets,
            user_items,
            item_offsets,
            item_users,
            edge_user,
            disliked: Vec::new(),
        }
    }

    /// Build from the train part of a split (with its users' dislikes).
    pub fn from_split(split: &Split) -> Self {
        let mut g = Self::from_train(&split.train, split.num_items());
        g.disliked = split.disliked.clone();
        g
    }

    /// The items `user` disliked (empty for most users).
    pub fn disliked_of(&self, user: u32) -> &[u32] {
        self.disliked.get(user as usize).map_or(&[], Vec::as_slice)
    }

    pub fn num_users(&self) -> usize {
        self.num_users
    }
    pub fn num_items(&self) -> usize {
        self.num_items
    }
    /// Number of train interactions (edges).
    pub fn num_interactions(&self) -> usize {
        self.user_items.len()
    }
    /// A user's train items, oldest first.
    pub fn items_of(&self, user: u32) -> &[u32] {
        let u = user as usize;
        &self.user_items[self.user_offsets[u]..self.user_offsets[u + 1]]
    }
    /// An item's train users, ascending.
    pub fn users_of(&self, item: u32) -> &[u32] {
        let i = item as usize;
        &self.item_users[self.item_offsets[i]..self.item_offsets[i + 1]]
    }
    pub fn item_degree(&self, item: u32) -> usize {
        self.users_of(item).len()
    }
    /// Interaction `e` (`0..num_interactions()`) as (user, position in the
    /// user's timeline, item).
    pub fn interaction(&self, e: usize) -> (u32, usize, u32) {
        let u = self.edge_user[e];
        (u, e - self.user_offsets[u as usize], self.user_items[e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_both_directions() {
        let g = Graph::from_train(&[vec![2, 0], vec![], vec![0, 1, 2]], 4);
        assert_eq!(
            (g.num_users(), g.num_items(), g.num_interactions()),
            (3, 4, 5)
        );
        assert_eq!(g.items_of(0), &[2, 0]);
        assert_eq!(g.items_of(1), &[] as &[u32]);
        assert_eq!(g.users_of(0), &[0, 2]);
        assert_eq!(g.users_of(2), &[0, 2]);
        assert_eq!(g.users_of(3), &[] as &[u32]);
        assert_eq!(g.interaction(3), (2, 1, 1));
    }
}
