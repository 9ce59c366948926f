//! The movie catalogue of the active version, held in memory by the API.
//!
//! Read once from the metadata store when the API state is built, so that no
//! request pays a database round trip for titles, genres or posters.

use std::collections::HashMap;

use reelgraph_core::text::fold;
use reelgraph_core::types::{Movie, MovieId};
use reelgraph_stores::metadata::ModelVersionRow;

/// Movies by id, by popularity and by folded title, plus the genre list.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    movies: Vec<Movie>,
    index: HashMap<MovieId, usize>,
    /// Indexes into `movies`, most popular first (ties: smaller id first).
    by_popularity: Vec<usize>,
    /// Folded `display_title` and `title` of each movie (see [`fold`]).
    folded: Vec<(String, String)>,
    genres: Vec<String>,
    /// The active model version as the metadata store records it.
    pub model: Option<ModelVersionRow>,
}

impl Catalog {
    pub fn new(mut movies: Vec<Movie>, model: Option<ModelVersionRow>) -> Self {
        movies.sort_by_key(|m| m.id);
        movies.dedup_by_key(|m| m.id);
        let index = movies.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        let mut by_popularity: Vec<usize> = (0..movies.len()).collect();
        by_popularity.sort_by(|&a, &b| {
            movies[b]
                .popularity
                .cmp(&movies[a].popularity)
                .then(movies[a].id.cmp(&movies[b].id))
        });
        let folded = movies
            .iter()
            .map(|m| (fold(&m.display_title), fold(&m.title)))
            .collect();
        let mut genres: Vec<String> = movies.iter().flat_map(|m| m.genres.clone()).collect();
        genres.sort();
        genres.dedup();
        Catalog {
            movies,
            index,
            by_popularity,
            folded,
            genres,
            model,
        }
    }

    pub fn len(&self) -> usize {
        self.movies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    pub fn get(&self, id: MovieId) -> Option<&Movie> {
        self.index.get(&id).map(|&i| &self.movies[i])
    }

    /// Every movie, ordered by id.
    pub fn movies(&self) -> &[Movie] {
        &self.movies
    }

    /// Movies, most popular first.
    pub fn by_popularity(&self) -> impl Iterator<Item = &Movie> {
        self.by_popularity.iter().map(|&i| &self.movies[i])
    }

    /// Sorted distinct genres.
    pub fn genres(&self) -> &[String] {
        &self.genres
    }

    /// The genre as the catalogue spells it, matched case-insensitively.
    pub fn genre(&self, name: &str) -> Option<&str> {
        self.genres
            .iter()
            .find(|g| g.eq_ignore_ascii_case(name.trim()))
            .map(String::as_str)
    }

    /// Ids of `ids` that are not in the catalogue (sorted, de-duplicated).
    pub fn unknown(&self, ids: &[MovieId]) -> Vec<MovieId> {
        let mut out: Vec<MovieId> = ids
            .iter()
            .copied()
            .filter(|id| !self.index.contains_key(id))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Title search, case and accent insensitive: movies whose title starts
    /// with `q` first, then those containing it (each group by popularity).
    pub fn search(&self, q: &str, limit: usize) -> Vec<&Movie> {
        let q = fold(q);
        let q = q.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let mut prefix = Vec::new();
        let mut infix = Vec::new();
        for &i in &self.by_popularity {
            let (d, t) = &self.folded[i];
            if d.starts_with(q) || t.starts_with(q) {
                prefix.push(&self.movies[i]);
            } else if d.contains(q) || t.contains(q) {
                infix.push(&self.movies[i]);
            }
            if prefix.len() >= limit {
                break;
            }
        }
        prefix.extend(infix);
        prefix.truncate(limit);
        prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(id: MovieId, title: &str, display: &str, pop: u32) -> Movie {
        Movie {
            id,
            title: title.into(),
            display_title: display.into(),
            popularity: pop,
            ..Movie::default()
        }
    }

    #[test]
    fn search_puts_prefix_matches_first_then_popularity() {
        let c = Catalog::new(
            vec![
                movie(1, "Toy Story", "Toy Story", 10),
                movie(2, "Story of Us, The", "The Story of Us", 50),
                movie(3, "Amélie", "Amélie", 5),
                movie(4, "Toy Soldiers", "Toy Soldiers", 20),
            ],
            None,
        );
        let ids = |q: &str| c.search(q, 10).iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids("toy"), vec![4, 1]);
        assert_eq!(ids("STORY"), vec![2, 1]);
        assert_eq!(ids("amelie"), vec![3]);
        assert_eq!(ids("AMÉLIE"), vec![3]);
        assert!(ids("   ").is_empty());
        assert_eq!(c.search("o", 2).len(), 2);
    }
}
