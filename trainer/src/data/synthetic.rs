//! Synthetic datasets with a planted structure, generated in code: tests run
//! anywhere (no MovieLens data is shipped) and benchmarks can size a graph
//! at will.
//!
//! Items fall into `clusters` groups, each with its own genre. Every user
//! has a favourite cluster and a taste that drifts slowly: each interaction
//! picks, with probability `focus`, an item of the user's current cluster
//! (popular items more often, Zipf-like), otherwise any item. Items are
//! numbered so that item `i` belongs to cluster `i % clusters`.
//!
//! [`write_generic`] writes the generic format `data::load` reads
//! (`interactions.csv`, `items.csv`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use reelgraph_core::types::{Movie, MovieId};

use super::Interaction;
use crate::sampler::Rng;

/// Genres of the planted clusters (cycled when there are more clusters).
pub const GENRES: [&str; 8] = [
    "Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Western", "Musical",
];

/// Shape of a synthetic dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    pub users: usize,
    pub items: usize,
    /// Interactions per user (each user gets exactly this many, distinct items).
    pub per_user: usize,
    pub clusters: usize,
    /// Probability that an interaction stays inside the user's cluster.
    pub focus: f64,
    /// Probability that a user's current cluster moves on after an interaction.
    pub drift: f64,
    pub seed: u64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            users: 300,
            items: 200,
            per_user: 20,
            clusters: 5,
            focus: 0.9,
            drift: 0.02,
            seed: 7,
        }
    }
}

/// The cluster of an item index.
pub fn cluster_of(cfg: &SynthConfig, item: usize) -> usize {
    item % cfg.clusters
}

/// Generate the catalogue (ids 1..=items, in cluster order `i % clusters`)
/// and the interactions (users 1..=users, timestamps increasing per user).
pub fn generate(cfg: &SynthConfig) -> (Vec<Movie>, Vec<Interaction>) {
    assert!(
        cfg.clusters >= 1 && cfg.items >= cfg.clusters,
        "at least one item per cluster"
    );
    assert!(cfg.per_user <= cfg.items, "per_user must not exceed items");
    let movies: Vec<Movie> = (0..cfg.items)
        .map(|i| {
            let c = cluster_of(cfg, i);
            let genre = GENRES[c % GENRES.len()].to_string();
            let title = format!("{genre} Story {}", i / cfg.clusters + 1);
            Movie {
                id: i as MovieId + 1,
                title: title.clone(),
                display_title: title,
                year: Some(1960 + (i % 60) as u16),
                genres: vec![genre],
                ..Movie::default()
            }
        })
        .collect();
    // Items of each cluster, most popular first (lower index = more popular).
    let members: Vec<Vec<usize>> = (0..cfg.clusters)
        .map(|c| {
            (0..cfg.items)
                .filter(|&i| cluster_of(cfg, i) == c)
                .collect()
        })
        .collect();
    let mut interactions = Vec::with_capacity(cfg.users * cfg.per_user);
    let mut seen = vec![0u32; cfg.items];
    for u in 0..cfg.users {
        let stamp = u as u32 + 1;
        let mut rng = Rng::keyed(&[cfg.seed, u as u64]);
        let mut cluster = rng.below(cfg.clusters);
        let mut t = 1_000_000_000 + (u as i64) * 10_000;
        let mut n = 0;
        let mut tries = 0;
        while n < cfg.per_user {
            tries += 1;
            let pool: &[usize] = if rng.unit() < cfg.focus && tries < 50 * cfg.per_user {
                &members[cluster]
            } else {
                &[]
            };
            let item = if pool.is_empty() {
                rng.below(cfg.items)
            } else {
                // Zipf-like: the square of a uniform favours the first items.
                let x = rng.unit();
                pool[((x * x) * pool.len() as f64) as usize % pool.len()]
            };
            if seen[item] == stamp {
                continue;
            }
            seen[item] = stamp;
            interactions.push(Interaction {
                user: u as u32 + 1,
                item: item as MovieId + 1,
                rating: 4.0,
                timestamp: t,
            });
            t += 60;
            n += 1;
            if rng.unit() < cfg.drift {
                cluster = rng.below(cfg.clusters);
            }
        }
    }
    (movies, interactions)
}

/// Write a dataset in the generic format into `dir` (created).
pub fn write_generic(
    dir: &Path,
    movies: &[Movie],
    interactions: &[Interaction],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut items = String::from("item,title,genres,year\n");
    for m in movies {
        let _ = writeln!(
            items,
            "{},{},{},{}",
            m.id,
            m.title,
            m.genres.join("|"),
            m.year.map(|y| y.to_string()).unwrap_or_default()
        );
    }
    let mut rows = String::with_capacity(interactions.len() * 24);
    rows.push_str("user,item,rating,timestamp\n");
    for x in interactions {
        let _ = writeln!(rows, "{},{},{},{}", x.user, x.item, x.rating, x.timestamp);
    }
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).with_context(|| format!("writing {}", p.display()))
    };
    write("items.csv", &items)?;
    write("interactions.csv", &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_determinism() {
        let cfg = SynthConfig::default();
        let (movies, xs) = generate(&cfg);
        assert_eq!(movies.len(), 200);
        assert_eq!(xs.len(), 300 * 20);
        assert_eq!(generate(&cfg).1, xs);
        // Every user has distinct items and increasing timestamps.
        for u in xs.chunks(cfg.per_user) {
            let mut items: Vec<_> = u.iter().map(|x| x.item).collect();
            items.sort_unstable();
            items.dedup();
            assert_eq!(items.len(), cfg.per_user);
            assert!(u.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
        }
        // The planted structure: most consecutive pairs share a cluster.
        let same = xs
            .chunks(cfg.per_user)
            .flat_map(|u| u.windows(2))
            .filter(|w| {
                cluster_of(&cfg, w[0].item as usize - 1) == cluster_of(&cfg, w[1].item as usize - 1)
            })
            .count();
        let pairs = 300 * 19;
        assert!(
            same * 10 > pairs * 7,
            "{same} of {pairs} pairs in one cluster"
        );
    }

    #[test]
    fn written_files_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = SynthConfig {
            users: 30,
            items: 40,
            per_user: 6,
            ..SynthConfig::default()
        };
        let (movies, xs) = generate(&cfg);
        write_generic(dir.path(), &movies, &xs).unwrap();
        let (ds, report) = super::super::load(dir.path(), &Default::default()).unwrap();
        assert_eq!(ds.movies.len(), 40);
        assert_eq!(ds.interactions.len(), 180);
        assert_eq!(report.users, 30);
        assert_eq!(ds.movies[0].genres, vec!["Action".to_string()]);
        assert_eq!(ds.movies[0].year, Some(1960));
    }
}
