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
    /// First release date, ISO `YYYY-MM-DD` (ml-100k's `u.item`, or OMDb's `Released`).
    #[serde(default)]
    pub released: Option<String>,
    /// IMDb user rating out of 10 (OMDb's `imdbRating`).
    #[serde(default)]
    pub imdb_rating: Option<f32>,
    /// Number of IMDb votes behind [`Movie::imdb_rating`] (OMDb's `imdbVotes`).
    #[serde(default)]
    pub imdb_votes: Option<u32>,
    /// Number of train interactions (used for "popular" fallbacks).
    #[serde(default)]
    pub popularity: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A release date as the datasets write it — ml-100k's `01-Jan-1995`, OMDb's
/// `22 Nov 1995`, or ISO `1995-11-22` — as ISO `YYYY-MM-DD`; `None` for
/// anything else (`N/A`, empty, an impossible day).
pub fn parse_release_date(text: &str) -> Option<String> {
    let text = text.trim();
    let (y, m, d): (u32, u32, u32) = if let [y, m, d] = text.split('-').collect::<Vec<_>>()[..]
        && y.len() == 4
        && m.len() == 2
    {
        (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    } else {
        let parts: Vec<&str> = text.split([' ', '-']).collect();
        let [d, m, y] = parts[..] else { return None };
        let month = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m))? as u32 + 1;
        (y.parse().ok()?, month, d.parse().ok()?)
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    ((1000..=9999).contains(&y) && (1..=days).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

impl Movie {
    /// [`Movie::released`] as OMDb writes it (`22 Nov 1995`), for the
    /// original client's detail page.
    pub fn released_omdb(&self) -> Option<String> {
        let iso = self.released.as_deref()?;
        let (y, rest) = iso.split_once('-')?;
        let (m, d) = rest.split_once('-')?;
        let month = MONTHS.get(m.parse::<usize>().ok()?.checked_sub(1)?)?;
        Some(format!("{d} {month} {y}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_dates() {
        assert_eq!(
            parse_release_date("01-Jan-1995").as_deref(),
            Some("1995-01-01")
        );
        assert_eq!(
            parse_release_date("22 Nov 1995").as_deref(),
            Some("1995-11-22")
        );
        assert_eq!(
            parse_release_date(" 1996-02-29 ").as_deref(),
            Some("1996-02-29")
        );
        assert_eq!(parse_release_date("29 Feb 1995"), None);
        assert_eq!(parse_release_date("31-Apr-1995"), None);
        assert_eq!(parse_release_date("N/A"), None);
        assert_eq!(parse_release_date(""), None);
        assert_eq!(parse_release_date("1 Foo 1995"), None);
        let m = Movie {
            released: parse_release_date("05 Mar 1999"),
            ..Movie::default()
        };
        assert_eq!(m.released_omdb().as_deref(), Some("05 Mar 1999"));
        assert_eq!(Movie::default().released_omdb(), None);
    }

    #[test]
    fn old_items_without_the_details_still_parse() {
        let m: Movie = serde_json::from_str(
            r#"{"id":1,"title":"Toy Story","display_title":"Toy Story","year":1995,"genres":["Animation"]}"#,
        )
        .unwrap();
        assert_eq!(
            (m.released, m.imdb_rating, m.imdb_votes),
            (None, None, None)
        );
    }
}
