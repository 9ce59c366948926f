//! The optional OMDb metadata join (`--metadata FILE`).
//!
//! The file has one `ID::{OMDb JSON}` line per movie. It is messy: the tool
//! that wrote it replaced every apostrophe by a backslash (`boy\s room`,
//! `don\t`, `Gone Fishin\"` at the end of a value), wrote quotes inside
//! values as `\\"`, and non-ASCII letters as UTF-8 byte escapes
//! (`Ir\xc3\xa8ne`). [`repair`] undoes exactly that; a line that still does
//! not parse falls back to the catalogue's own fields (no movie is dropped).
//!
//! Matching: by movie id when the file belongs to the same id space
//! (MovieLens `.dat` releases: ml-1m, ml-10m), by IMDb id where the dataset
//! has `links.csv`, otherwise (and for what is left) by normalised title and
//! year ([`title::normalise`](super::title::normalise)).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use reelgraph_core::types::{Movie, MovieId, parse_release_date};
use serde::Serialize;
use serde_json::Value;

use super::title::normalise;

/// One parsed metadata line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OmdbRecord {
    /// The id the line starts with.
    pub id: MovieId,
    pub title: Option<String>,
    pub year: Option<u16>,
    pub plot: Option<String>,
    pub director: Option<String>,
    pub actors: Vec<String>,
    pub runtime: Option<u16>,
    pub rated: Option<String>,
    pub language: Option<String>,
    pub poster: Option<String>,
    pub imdb_id: Option<String>,
    /// `Released`, as ISO `YYYY-MM-DD`.
    pub released: Option<String>,
    pub imdb_rating: Option<f32>,
    pub imdb_votes: Option<u32>,
}

/// A whole metadata file, with its parse counts.
#[derive(Clone, Debug, Default)]
pub struct OmdbFile {
    pub records: Vec<OmdbRecord>,
    pub lines: usize,
    pub parsed_as_written: usize,
    pub repaired: usize,
    pub unparseable: usize,
    /// `file:line: reason` for the first few unparseable lines.
    pub unparseable_examples: Vec<String>,
}

/// What the join did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MetadataReport {
    pub file: String,
    pub lines: usize,
    pub parsed_as_written: usize,
    pub repaired: usize,
    pub unparseable: usize,
    pub unparseable_examples: Vec<String>,
    /// Catalogue movies that got metadata.
    pub matched: usize,
    pub matched_by_id: usize,
    pub matched_by_imdb_id: usize,
    pub matched_by_title_year: usize,
    /// Matched movies whose metadata line carries no OMDb details (no
    /// imdbID, plot, director or actors: the file's placeholder lines that
    /// only repeat title/year/genre).
    pub matched_placeholder: usize,
    /// Catalogue movies that kept only their own title/year/genres.
    pub fallback: usize,
    /// The first few unmatched movies, `id: title (year)`.
    pub unmatched_examples: Vec<String>,
    /// `matched / movies`.
    pub match_rate: f64,
}

/// Undo the file's escaping quirks (see the module docs). Returns the input
/// unchanged when it has no backslash.
pub fn repair(json: &str) -> Cow<'_, str> {
    if !json.contains('\\') {
        return Cow::Borrowed(json);
    }
    let b = json.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 16);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'\\') && b.get(i + 2) == Some(&b'"') {
            // `\\"`: a quote inside a value.
            out.extend_from_slice(b"\\\"");
            i += 3;
        } else if b.get(i + 1) == Some(&b'x') && hex_byte(b, i + 2).is_some() {
            // A run of `\xHH` escapes: UTF-8 bytes.
            let mut bytes = Vec::new();
            while b.get(i) == Some(&b'\\')
                && b.get(i + 1) == Some(&b'x')
                && let Some(v) = hex_byte(b, i + 2)
            {
                bytes.push(v);
                i += 4;
            }
            let s = String::from_utf8_lossy(&bytes);
            out.extend_from_slice(s.as_bytes());
        } else {
            // Any other backslash stands for a lost apostrophe.
            out.push(b'\'');
            i += 1;
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_byte(b: &[u8], at: usize) -> Option<u8> {
    let h = b.get(at..at + 2)?;
    u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
}

const MAX_EXAMPLES: usize = 10;

/// Read an `ID::{json}` metadata file. Lines are repaired where needed;
/// lines that still fail are counted (never an error).
pub fn read_omdb(path: &Path) -> anyhow::Result<OmdbFile> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading metadata {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = super::text::decode(&bytes);
    let mut f = OmdbFile::default();
    for (n, line) in super::text::lines(&text) {
        f.lines += 1;
        let fail = |f: &mut OmdbFile, reason: String| {
            f.unparseable += 1;
            if f.unparseable_examples.len() < MAX_EXAMPLES {
                f.unparseable_examples.push(format!("{name}:{n}: {reason}"));
            }
        };
        let Some((id, json)) = line.split_once("::") else {
            fail(&mut f, "expected `ID::{json}`".into());
            continue;
        };
        let id = match super::text::parse_id(id, "movie id") {
            Ok(id) => id,
            Err(e) => {
                fail(&mut f, e);
                continue;
            }
        };
        let repaired = repair(json);
        let changed = matches!(repaired, Cow::Owned(_)) && repaired != json;
        let value = match serde_json::from_str::<Value>(&repaired) {
            Ok(v) => {
                if changed {
                    f.repaired += 1;
                } else {
                    f.parsed_as_written += 1;
                }
                v
            }
            // A line written with standard JSON escapes that the repair broke.
            Err(e) => match serde_json::from_str::<Value>(json) {
                Ok(v) => {
                    f.parsed_as_written += 1;
                    v
                }
                Err(_) => {
                    fail(&mut f, format!("not JSON even after repair: {e}"));
                    continue;
                }
            },
        };
        f.records.push(record(id, &value));
    }
    Ok(f)
}

fn record(id: MovieId, v: &Value) -> OmdbRecord {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|x| !x.is_empty() && *x != "N/A")
            .map(str::to_string)
    };
    OmdbRecord {
        id,
        title: s("Title"),
        // "1995", or "1994–1998" for series
        year: s("Year").and_then(|y| y.get(..4).and_then(|y| y.parse().ok())),
        plot: s("Plot"),
        director: s("Director"),
        actors: s("Actors")
            .map(|a| {
                a.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        runtime: s("Runtime")
            .and_then(|r| r.split_whitespace().next().and_then(|m| m.parse().ok())),
        rated: s("Rated"),
        language: s("Language"),
        poster: s("Poster").filter(|p| p.starts_with("http")),
        imdb_id: s("imdbID"),
        released: s("Released").and_then(|r| parse_release_date(&r)),
        // "8.3" out of 10
        imdb_rating: s("imdbRating")
            .and_then(|r| r.parse::<f32>().ok())
            .filter(|r| (0.0..=10.0).contains(r)),
        // "860,790"
        imdb_votes: s("imdbVotes").and_then(|v| v.replace(',', "").parse().ok()),
    }
}

/// How to match metadata lines to catalogue movies first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchBy {
    /// Same id space (MovieLens `.dat` releases).
    Id,
    /// IMDb ids from `links.csv`.
    ImdbId,
    /// Normalised title and year only.
    TitleYear,
}

/// Join metadata into the catalogue. Every movie stays; those without a
/// match keep their own fields.
pub fn join(
    movies: &mut [Movie],
    file: &OmdbFile,
    first: MatchBy,
    file_name: &str,
) -> MetadataReport {
    let mut r = MetadataReport {
        file: file_name.to_string(),
        lines: file.lines,
        parsed_as_written: file.parsed_as_written,
        repaired: file.repaired,
        unparseable: file.unparseable,
        unparseable_examples: file.unparseable_examples.clone(),
        ..Default::default()
    };
    let by_id: HashMap<MovieId, &OmdbRecord> = file.records.iter().map(|x| (x.id, x)).collect();
    let by_imdb: HashMap<&str, &OmdbRecord> = file
        .records
        .iter()
        .filter_map(|x| x.imdb_id.as_deref().map(|i| (i, x)))
        .collect();
    // (normalised title, year) → record; ambiguous keys are dropped. The
    // second map holds alternative forms (parenthesised alternative titles,
    // the part before a subtitle `:` or after ` - `), tried after exact ones.
    let mut by_title: TitleIndex = HashMap::new();
    let mut by_alt: TitleIndex = HashMap::new();
    for x in &file.records {
        if let (Some(t), Some(y)) = (&x.title, x.year) {
            insert(&mut by_title, normalise(t), y, x);
            for alt in alternatives(t) {
                insert(&mut by_alt, alt, y, x);
            }
        }
    }
    for m in movies.iter_mut() {
        let found = match first {
            MatchBy::Id => by_id.get(&m.id).map(|x| (*x, &mut r.matched_by_id)),
            MatchBy::ImdbId => m
                .imdb_id
                .as_deref()
                .and_then(|i| by_imdb.get(i))
                .map(|x| (*x, &mut r.matched_by_imdb_id)),
            MatchBy::TitleYear => None,
        }
        .or_else(|| {
            let year = m.year?;
            let mut keys = vec![normalise(&m.title)];
            keys.extend(alternatives(&m.title));
            // Exact forms first, exact year first (release years differ by one now and then).
            [&by_title, &by_alt]
                .iter()
                .find_map(|map| {
                    [year, year + 1, year.saturating_sub(1)]
                        .iter()
                        .find_map(|&y| {
                            keys.iter()
                                .find_map(|k| map.get(&(k.clone(), y)).copied().flatten())
                        })
                })
                .map(|x| (x, &mut r.matched_by_title_year))
        });
        match found {
            Some((x, counter)) => {
                *counter += 1;
                if x.imdb_id.is_none()
                    && x.plot.is_none()
                    && x.director.is_none()
                    && x.actors.is_empty()
                {
                    r.matched_placeholder += 1;
                }
                apply(m, x);
            }
            None => {
                r.fallback += 1;
                if r.unmatched_examples.len() < 50 {
                    let year = m.year.map(|y| format!(" ({y})")).unwrap_or_default();
                    r.unmatched_examples
                        .push(format!("{}: {}{year}", m.id, m.title));
                }
            }
        }
    }
    r.matched = r.matched_by_id + r.matched_by_imdb_id + r.matched_by_title_year;
    r.match_rate = if movies.is_empty() {
        0.0
    } else {
        r.matched as f64 / movies.len() as f64
    };
    r
}

type TitleIndex<'a> = HashMap<(String, u16), Option<&'a OmdbRecord>>;

/// Insert a key; a key that two records share is ambiguous and maps to None.
fn insert<'a>(map: &mut TitleIndex<'a>, key: String, y: u16, x: &'a OmdbRecord) {
    if !key.is_empty() {
        map.entry((key, y))
            .and_modify(|e| *e = None)
            .or_insert(Some(x));
    }
}

/// Alternative normalised forms of a title: each parenthesised alternative
/// (`"The Boat (Das Boot)"` → `"boot"`, `a.k.a.` dropped), the title before a
/// subtitle colon and the part after ` - ` (`"Star Wars: Episode IV - A New
/// Hope"` → `"star wars"`, `"new hope"`).
fn alternatives(title: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        for part in inner.split(", a.k.a. ") {
            out.push(normalise(part.trim_start_matches("a.k.a. ")));
        }
        rest = &rest[open + close + 1..];
    }
    let main = title.split(" (").next().unwrap_or(title);
    if let Some((before, _)) = main.split_once(':') {
        out.push(normalise(before));
    }
    if let Some((_, after)) = main.rsplit_once(" - ") {
        out.push(normalise(after));
    }
    out.retain(|k| !k.is_empty());
    out
}

/// Copy metadata fields into a movie; the catalogue's title, year and genres stay.
fn apply(m: &mut Movie, x: &OmdbRecord) {
    m.plot = x.plot.clone();
    m.director = x.director.clone();
    m.actors = x.actors.clone();
    m.runtime = x.runtime;
    m.rated = x.rated.clone();
    m.language = x.language.clone();
    m.poster = x.poster.clone();
    if m.imdb_id.is_none() {
        m.imdb_id = x.imdb_id.clone();
    }
    // The catalogue's own date (ml-100k) stays where OMDb has none.
    if x.released.is_some() {
        m.released = x.released.clone();
    }
    m.imdb_rating = x.imdb_rating;
    m.imdb_votes = x.imdb_votes;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_the_three_quirks() {
        assert_eq!(
            repair(r#"{"Plot":"a boy\s room"}"#),
            r#"{"Plot":"a boy's room"}"#
        );
        assert_eq!(repair(r#"{"Plot":"don\t go"}"#), r#"{"Plot":"don't go"}"#);
        assert_eq!(
            repair(r#"{"Title":"Gone Fishin\","Year":"1997"}"#),
            r#"{"Title":"Gone Fishin'","Year":"1997"}"#
        );
        assert_eq!(
            repair(r#"{"Writer":"(story \\"Vacation\\")"}"#),
            r#"{"Writer":"(story \"Vacation\")"}"#
        );
        assert_eq!(
            repair(r#"{"Actors":"Ir\xc3\xa8ne Jacob"}"#),
            r#"{"Actors":"Irène Jacob"}"#
        );
        assert_eq!(repair(r#"{"a":"plain"}"#), r#"{"a":"plain"}"#);
    }

    #[test]
    fn alternative_title_forms() {
        assert_eq!(alternatives("The Boat (Das Boot)"), vec!["boot"]);
        assert_eq!(
            alternatives("Star Wars: Episode IV - A New Hope"),
            vec!["star wars", "new hope"]
        );
        assert_eq!(
            alternatives("Hard 8 (a.k.a. Sydney, a.k.a. Hard Eight)"),
            vec!["sydney", "hard eight"]
        );
        assert!(alternatives("Toy Story").is_empty());
    }

    #[test]
    fn fields_and_na() {
        let v: Value = serde_json::from_str(
            r#"{"Title":"Toy Story","Year":"1995","Runtime":"81 min","Poster":"N/A","Actors":"Tom Hanks, Tim Allen","imdbID":"tt0114709","Released":"22 Nov 1995","imdbRating":"8.3","imdbVotes":"860,790"}"#,
        )
        .unwrap();
        let r = record(1, &v);
        assert_eq!(r.released.as_deref(), Some("1995-11-22"));
        assert_eq!(r.imdb_rating, Some(8.3));
        assert_eq!(r.imdb_votes, Some(860_790));
        let v: Value =
            serde_json::from_str(r#"{"Released":"N/A","imdbRating":"N/A","imdbVotes":"N/A"}"#)
                .unwrap();
        let na = record(2, &v);
        assert_eq!(
            (na.released, na.imdb_rating, na.imdb_votes),
            (None, None, None)
        );
        assert_eq!(r.runtime, Some(81));
        assert_eq!(r.poster, None);
        assert_eq!(r.actors, vec!["Tom Hanks", "Tim Allen"]);
        assert_eq!(r.year, Some(1995));
    }
}
