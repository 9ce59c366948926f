//! CSV formats: the MovieLens CSV releases (ml-latest(-small), ml-20m,
//! ml-25m, ml-32m: `ratings.csv`, `movies.csv`, `links.csv`) and the generic
//! format (`interactions.csv` with `user,item[,rating][,timestamp]`, optional
//! `items.csv` with `item,title[,genres][,year]`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use reelgraph_core::types::{Movie, MovieId};

use super::Interaction;
use super::movielens::{movie, push_unique, split_genres};
use super::text::{self, BadLines, TextFile};

/// Split one CSV line (RFC 4180 quoting within a line: `"a, b"`, `""` for a
/// quote). Fields are trimmed of surrounding whitespace outside quotes.
pub fn split_line(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    if !line.contains('"') {
        return Ok(line.split(',').map(Cow::Borrowed).collect());
    }
    let mut fields = Vec::new();
    let mut chars = line.char_indices().peekable();
    loop {
        // Start of a field.
        while let Some(&(_, ' ')) = chars.peek() {
            chars.next();
        }
        if let Some(&(start, '"')) = chars.peek() {
            chars.next();
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                if c == '"' {
                    if let Some(&(_, '"')) = chars.peek() {
                        chars.next();
                        value.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            if !closed {
                return Err(format!(
                    "unterminated quoted field starting at column {}",
                    start + 1
                ));
            }
            while let Some(&(_, ' ')) = chars.peek() {
                chars.next();
            }
            fields.push(Cow::Owned(value));
            match chars.next() {
                None => return Ok(fields),
                Some((_, ',')) => continue,
                Some((i, c)) => {
                    return Err(format!(
                        "unexpected {c:?} after a quoted field at column {}",
                        i + 1
                    ));
                }
            }
        } else {
            let start = chars.peek().map(|&(i, _)| i).unwrap_or(line.len());
            let mut end = line.len();
            let mut more = false;
            for (i, c) in chars.by_ref() {
                if c == ',' {
                    end = i;
                    more = true;
                    break;
                }
                if c == '"' {
                    return Err(format!(
                        "stray quote inside an unquoted field at column {}",
                        i + 1
                    ));
                }
            }
            fields.push(Cow::Borrowed(line[start..end].trim_end()));
            if !more {
                return Ok(fields);
            }
        }
    }
}

/// The lines of a CSV file after its header, with the header's column names
/// (lower-cased). `header_required`: a missing header is an error; otherwise
/// a first line whose first field is numeric is data.
pub struct Csv<'a> {
    pub columns: Option<Vec<String>>,
    pub rows: Vec<(usize, &'a str)>,
}

pub fn read_csv<'a>(text: &'a str, file: &str, header_required: bool) -> anyhow::Result<Csv<'a>> {
    let mut rows: Vec<(usize, &str)> = text::lines(text).collect();
    let Some(&(n, first)) = rows.first() else {
        return Ok(Csv {
            columns: None,
            rows,
        });
    };
    let first = first.trim_start_matches('\u{feff}');
    let head = split_line(first).map_err(|e| text::DataError::BadLine {
        file: file.into(),
        line: n,
        reason: e,
    })?;
    let is_header = head
        .first()
        .is_some_and(|f| f.trim().parse::<f64>().is_err());
    if is_header {
        rows.remove(0);
        Ok(Csv {
            columns: Some(head.iter().map(|c| c.trim().to_ascii_lowercase()).collect()),
            rows,
        })
    } else if header_required {
        Err(text::DataError::BadLine {
            file: file.into(),
            line: n,
            reason: "expected a header line".into(),
        }
        .into())
    } else {
        Ok(Csv {
            columns: None,
            rows,
        })
    }
}

/// Position of the first column named one of `names`.
fn column(columns: &[String], names: &[&str]) -> Option<usize> {
    columns.iter().position(|c| names.contains(&c.as_str()))
}

/// Column positions of an interactions file.
#[derive(Clone, Copy, Debug)]
struct RatingColumns {
    user: usize,
    item: usize,
    rating: Option<usize>,
    timestamp: Option<usize>,
}

fn rating_columns(
    columns: Option<&[String]>,
    file: &str,
    width: usize,
) -> anyhow::Result<RatingColumns> {
    match columns {
        Some(cols) => {
            let user = column(cols, &["user", "userid", "user_id", "uid"]);
            let item = column(
                cols,
                &[
                    "item", "itemid", "item_id", "movie", "movieid", "movie_id", "iid",
                ],
            );
            let (Some(user), Some(item)) = (user, item) else {
                anyhow::bail!(
                    "{file}:1: the header {:?} has no user and item columns (expected e.g. `user,item,rating,timestamp`)",
                    cols.join(",")
                );
            };
            Ok(RatingColumns {
                user,
                item,
                rating: column(cols, &["rating", "score", "value"]),
                timestamp: column(cols, &["timestamp", "time", "ts", "unix_time"]),
            })
        }
        None => Ok(RatingColumns {
            user: 0,
            item: 1,
            rating: (width > 2).then_some(2),
            timestamp: (width > 3).then_some(3),
        }),
    }
}

/// Parse interaction rows. An absent rating counts 1.0, an absent timestamp 0.
pub fn read_interactions(
    file: &TextFile,
    header_required: bool,
    known: Option<&dyn Fn(MovieId) -> bool>,
    catalogue: &str,
    bad: &mut BadLines,
    out: &mut Vec<Interaction>,
) -> anyhow::Result<usize> {
    let text = file.text();
    let csv = read_csv(&text, &file.name, header_required)?;
    let width = match &csv.columns {
        Some(c) => c.len(),
        None => csv
            .rows
            .first()
            .map(|(_, l)| split_line(l).map(|f| f.len()).unwrap_or(0))
            .unwrap_or(0),
    };
    let cols = rating_columns(csv.columns.as_deref(), &file.name, width)?;
    out.reserve(csv.rows.len());
    for &(n, line) in &csv.rows {
        let fields = match split_line(line) {
            Ok(f) => f,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        if fields.len() != width {
            bad.bad(
                &file.name,
                n,
                format!(
                    "expected {width} comma-separated fields, found {}",
                    fields.len()
                ),
            )?;
            continue;
        }
        let parsed = (|| -> Result<Interaction, String> {
            Ok(Interaction {
                user: text::parse_id(&fields[cols.user], "user id")?,
                item: text::parse_id(&fields[cols.item], "item id")?,
                rating: match cols.rating {
                    Some(i) => text::parse_rating(&fields[i])?,
                    None => 1.0,
                },
                timestamp: match cols.timestamp {
                    Some(i) => text::parse_timestamp(&fields[i])?,
                    None => 0,
                },
            })
        })();
        match parsed {
            Ok(x) if known.is_none_or(|k| k(x.item)) => out.push(x),
            Ok(x) => bad.bad(
                &file.name,
                n,
                format!("movie id {} is not in {catalogue}", x.item),
            )?,
            Err(e) => bad.bad(&file.name, n, e)?,
        }
    }
    Ok(csv.rows.len())
}

/// Parse `movies.csv` (`movieId,title,genres`; quoted titles with commas).
pub fn read_movies_csv(path: &Path, bad: &mut BadLines) -> anyhow::Result<Vec<Movie>> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let csv = read_csv(&text, &file.name, true)?;
    let cols = csv.columns.unwrap_or_default();
    let (Some(id_c), Some(title_c)) = (
        column(&cols, &["movieid", "movie_id", "id"]),
        column(&cols, &["title"]),
    ) else {
        anyhow::bail!("{}:1: expected a header `movieId,title,genres`", file.name);
    };
    let genres_c = column(&cols, &["genres"]);
    let mut movies = Vec::with_capacity(csv.rows.len());
    let mut seen = HashMap::new();
    for &(n, line) in &csv.rows {
        let f = match split_line(line) {
            Ok(f) if f.len() == cols.len() => f,
            Ok(f) => {
                bad.bad(&file.name, n, format!("expected {} comma-separated fields, found {} (quote titles that contain commas)", cols.len(), f.len()))?;
                continue;
            }
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let id = match text::parse_id(&f[id_c], "movie id") {
            Ok(id) => id,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let genres = genres_c.map(|g| split_genres(&f[g])).unwrap_or_default();
        push_unique(
            &mut movies,
            &mut seen,
            movie(id, &f[title_c], genres),
            &file.name,
            n,
            bad,
        )?;
    }
    Ok(movies)
}

/// Parse `links.csv` (`movieId,imdbId,tmdbId`) into movie id → `tt0114709`.
pub fn read_links(path: &Path, bad: &mut BadLines) -> anyhow::Result<HashMap<MovieId, String>> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let csv = read_csv(&text, &file.name, true)?;
    let cols = csv.columns.unwrap_or_default();
    let (Some(id_c), Some(imdb_c)) = (
        column(&cols, &["movieid", "movie_id"]),
        column(&cols, &["imdbid", "imdb_id"]),
    ) else {
        anyhow::bail!("{}:1: expected a header `movieId,imdbId,tmdbId`", file.name);
    };
    let mut links = HashMap::new();
    for &(n, line) in &csv.rows {
        let f = match split_line(line) {
            Ok(f) => f,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let (Some(id), Some(imdb)) = (f.get(id_c), f.get(imdb_c)) else {
            bad.bad(&file.name, n, "missing movieId or imdbId")?;
            continue;
        };
        let id = match text::parse_id(id, "movie id") {
            Ok(id) => id,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let imdb = imdb.trim().trim_start_matches("tt");
        if imdb.is_empty() {
            continue; // no IMDb id for this movie
        }
        if !imdb.bytes().all(|b| b.is_ascii_digit()) {
            bad.bad(&file.name, n, format!("imdbId {imdb:?} is not numeric"))?;
            continue;
        }
        links.insert(id, format!("tt{imdb:0>7}"));
    }
    Ok(links)
}

/// Parse the generic `items.csv`: `item,title[,genres][,year]` (header
/// optional; genres `|`-separated; the year column, when absent or empty,
/// comes from a trailing `(YYYY)` in the title).
pub fn read_items_csv(path: &Path, bad: &mut BadLines) -> anyhow::Result<Vec<Movie>> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let csv = read_csv(&text, &file.name, false)?;
    let (id_c, title_c, genres_c, year_c) = match &csv.columns {
        Some(cols) => {
            let (Some(i), Some(t)) = (
                column(
                    cols,
                    &[
                        "item", "item_id", "itemid", "movie", "movieid", "movie_id", "id",
                    ],
                ),
                column(cols, &["title", "name"]),
            ) else {
                anyhow::bail!(
                    "{}:1: expected a header `item,title[,genres][,year]`",
                    file.name
                );
            };
            (
                i,
                t,
                column(cols, &["genres", "genre"]),
                column(cols, &["year"]),
            )
        }
        None => (0, 1, Some(2), Some(3)),
    };
    let mut movies = Vec::with_capacity(csv.rows.len());
    let mut seen = HashMap::new();
    for &(n, line) in &csv.rows {
        let f = match split_line(line) {
            Ok(f) if f.len() > title_c && f.len() > id_c => f,
            Ok(_) => {
                bad.bad(&file.name, n, "expected at least `item,title`")?;
                continue;
            }
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let id = match text::parse_id(&f[id_c], "item id") {
            Ok(id) => id,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let genres = genres_c
            .and_then(|g| f.get(g))
            .map(|g| split_genres(g))
            .unwrap_or_default();
        let mut m = movie(id, &f[title_c], genres);
        if let Some(y) = year_c
            .and_then(|c| f.get(c))
            .map(|y| y.trim())
            .filter(|y| !y.is_empty())
        {
            match y.parse::<u16>() {
                Ok(y) => m.year = Some(y),
                Err(_) => {
                    bad.bad(&file.name, n, format!("year {y:?} is not a number"))?;
                    continue;
                }
            }
        }
        push_unique(&mut movies, &mut seen, m, &file.name, n, bad)?;
    }
    Ok(movies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let f = split_line(r#"11,"American President, The (1995)",Comedy|Drama"#).unwrap();
        assert_eq!(
            f,
            vec!["11", "American President, The (1995)", "Comedy|Drama"]
        );
        let f = split_line(r#"1,"Say ""Cheese"" (2001)",x"#).unwrap();
        assert_eq!(f[1], r#"Say "Cheese" (2001)"#);
        let f = split_line(r#""a","""#).unwrap();
        assert_eq!(f, vec!["a", ""]);
        assert!(
            split_line(r#"1,"open,x"#)
                .unwrap_err()
                .contains("unterminated")
        );
        assert!(
            split_line(r#"1,a"b,c"#)
                .unwrap_err()
                .contains("stray quote")
        );
        assert_eq!(split_line("1,2,,4").unwrap(), vec!["1", "2", "", "4"]);
    }
}
