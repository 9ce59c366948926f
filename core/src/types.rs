//! Domain types shared by every crate.

use serde::{Deserialize, Serialize};

/// A movie id as the dataset writes it (MovieLens ids are small positive integers).
pub type MovieId = u32;

/// A movie of the catalogue, with the optional OMDb metadata joined in.
///
/// This is the row of the metadata store, the line of an exported `items.jsonl`
/// and what the API returns about a movie.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    pub id: MovieId,
    /// Title as the dataset writes it, without the trailing `(YYYY)`:
    /// `"American President, The"`.
    pub title: String,
    /// Human display form: `"The American President"`.
    pub display_title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    #[serde(default)]
    pub plot: Option<String>,
    #[serde(default)]
    pub director: Option<String>,
    #[serde(default)]
    pub actors: Vec<String>,
    /// Runtime in minutes.
    #[serde(default)]
    pub runtime: Option<u16>,
    #[serde(default)]
    pub rated: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Poster URL (OMDb), when known.
    #[serde(default)]
    pub poster: Option<String>,
    #[serde(default)]
    pub imdb_id: Option<String>,
    /// Number of train interactions (used for "popular" fallbacks).
    #[serde(default)]
    pub popularity: u32,
}
