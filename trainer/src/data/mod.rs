//! Data: parse a MovieLens (or generic) dataset directory into a [`Dataset`],
//! then split it per user by time into train / validation / test ([`split`]).
//!
//! Formats are detected from the directory's files (see [`Format`]).

pub mod split;

use reelgraph_core::types::{Movie, MovieId};
use serde::Serialize;

pub use split::{Split, split};

/// Raw user id as the dataset writes it.
pub type UserId = u32;

/// One rating event. Every rating counts as an interaction (implicit feedback).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interaction {
    pub user: UserId,
    pub item: MovieId,
    /// Rating as written (MovieLens: 1–5, half stars in the CSV releases); 1.0 when absent.
    pub rating: f32,
    /// Unix seconds; 0 when the format has none (file order then decides).
    pub timestamp: i64,
}

/// Dataset file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `u.data`, `u.item`, `u.user`.
    Ml100k,
    /// `ratings.dat`, `movies.dat`, `users.dat` (`::`, latin-1): ml-1m and ml-10m.
    MlDat,
    /// `ratings.csv`, `movies.csv`, `links.csv`: ml-latest(-small), ml-20m/25m/32m.
    MlCsv,
    /// `interactions.csv` (+ optional `items.csv`).
    Generic,
}

/// A parsed dataset: the catalogue and the interactions in file order.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Directory name, e.g. `ml-100k`.
    pub name: String,
    pub format: Format,
    /// Every movie of the catalogue (also those without interactions), sorted by id.
    pub movies: Vec<Movie>,
    /// Interactions in file order (after `--min-rating`, when given).
    pub interactions: Vec<Interaction>,
    /// Number of users in the users file, when the format has one.
    pub users_in_file: Option<usize>,
    /// SHA-256 over the ingested files.
    pub fingerprint: String,
}
