//! The classic MovieLens formats: ml-100k (`u.data`, `u.item`, `u.user`) and
//! the `::`-separated `.dat` files of ml-1m / ml-10m (`ratings.dat`,
//! `movies.dat`, `users.dat`). Files are UTF-8 or latin-1 (see
//! [`super::text::decode`]).

use std::collections::HashMap;
use std::path::Path;

use reelgraph_core::types::{Movie, MovieId, parse_release_date};

use super::Interaction;
use super::text::{self, BadLines, TextFile};
use super::title::{display_title, split_year};

/// ml-100k's genre columns when `u.genre` is absent.
pub const ML100K_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// Build a catalogue row from a raw title (with its `(YYYY)`).
pub fn movie(id: MovieId, raw_title: &str, genres: Vec<String>) -> Movie {
    let (title, year) = split_year(raw_title);
    Movie {
        id,
        display_title: display_title(&title),
        title,
        year,
        genres,
        ..Movie::default()
    }
}

/// Keep the first row per id; a repeated id is a bad line.
pub(crate) fn push_unique(
    movies: &mut Vec<Movie>,
    seen: &mut HashMap<MovieId, usize>,
    m: Movie,
    file: &str,
    line: usize,
    bad: &mut BadLines,
) -> anyhow::Result<()> {
    if let Some(first) = seen.get(&m.id) {
        return bad.bad(
            file,
            line,
            format!("movie id {} appears twice (first on line {first})", m.id),
        );
    }
    seen.insert(m.id, line);
    movies.push(m);
    Ok(())
}

/// Genre names of ml-100k: `u.genre` (`name|index`) when present, else the
/// published list.
pub fn read_u_genre(dir: &Path) -> anyhow::Result<Vec<String>> {
    let path = dir.join("u.genre");
    if !path.exists() {
        return Ok(ML100K_GENRES.iter().map(|s| s.to_string()).collect());
    }
    let file = TextFile::read(&path)?;
    let text = file.text();
    let mut genres: Vec<(usize, String)> = Vec::new();
    for (n, line) in text::lines(&text) {
        let (name, idx) = line
            .rsplit_once('|')
            .ok_or_else(|| text::DataError::BadLine {
                file: file.name.clone(),
                line: n,
                reason: "expected `name|index`".into(),
            })?;
        let idx: usize = idx.trim().parse().map_err(|_| text::DataError::BadLine {
            file: file.name.clone(),
            line: n,
            reason: format!("genre index {idx:?} is not a number"),
        })?;
        genres.push((idx, name.to_string()));
    }
    genres.sort_by_key(|g| g.0);
    Ok(genres.into_iter().map(|g| g.1).collect())
}

/// Parse `u.item`: `id|title (year)|release date|video release date|IMDb URL|flags…`.
///
/// The year comes from the title; when the title has none, from the release
/// date (`01-Jan-1995`). The `unknown` genre flag gives no genre.
pub fn read_u_item(
    path: &Path,
    genres: &[String],
    bad: &mut BadLines,
) -> anyhow::Result<Vec<Movie>> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let want = 5 + genres.len();
    let mut movies = Vec::new();
    let mut seen = HashMap::new();
    for (n, line) in text::lines(&text) {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() != want {
            bad.bad(
                &file.name,
                n,
                format!("expected {want} `|`-separated fields, found {}", f.len()),
            )?;
            continue;
        }
        let id = match text::parse_id(f[0], "movie id") {
            Ok(id) => id,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let mut g = Vec::new();
        let mut flags_ok = true;
        for (flag, name) in f[5..].iter().zip(genres) {
            match flag.trim() {
                "1" if name != "unknown" => g.push(name.clone()),
                "0" | "1" => {}
                other => {
                    bad.bad(
                        &file.name,
                        n,
                        format!("genre flag {other:?} for {name} is not 0 or 1"),
                    )?;
                    flags_ok = false;
                    break;
                }
            }
        }
        if !flags_ok {
            continue;
        }
        let mut m = movie(id, f[1], g);
        m.released = parse_release_date(f[2]);
        if m.year.is_none() {
            // release date "01-Jan-1995"
            m.year = f[2].rsplit('-').next().and_then(|y| y.trim().parse().ok());
        }
        push_unique(&mut movies, &mut seen, m, &file.name, n, bad)?;
    }
    Ok(movies)
}

/// Parse a user file and return the number of users: `u.user`
/// (`id|age|gender|occupation|zip`, `sep = "|"`) or `users.dat`
/// (`id::gender::age::occupation::zip`, `sep = "::"`).
pub fn count_users(path: &Path, sep: &str, bad: &mut BadLines) -> anyhow::Result<usize> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text::lines(&text) {
        let f: Vec<&str> = line.split(sep).collect();
        if f.len() != 5 {
            bad.bad(
                &file.name,
                n,
                format!("expected 5 `{sep}`-separated fields, found {}", f.len()),
            )?;
            continue;
        }
        match text::parse_id(f[0], "user id") {
            Ok(id) => {
                if !seen.insert(id) {
                    bad.bad(&file.name, n, format!("user id {id} appears twice"))?;
                }
            }
            Err(e) => bad.bad(&file.name, n, e)?,
        }
    }
    Ok(seen.len())
}

/// Parse `movies.dat`: `id::Title (year)::Genre|Genre`.
pub fn read_movies_dat(path: &Path, bad: &mut BadLines) -> anyhow::Result<Vec<Movie>> {
    let file = TextFile::read(path)?;
    let text = file.text();
    let mut movies = Vec::new();
    let mut seen = HashMap::new();
    for (n, line) in text::lines(&text) {
        let f: Vec<&str> = line.split("::").collect();
        if f.len() != 3 {
            bad.bad(
                &file.name,
                n,
                format!("expected 3 `::`-separated fields, found {}", f.len()),
            )?;
            continue;
        }
        let id = match text::parse_id(f[0], "movie id") {
            Ok(id) => id,
            Err(e) => {
                bad.bad(&file.name, n, e)?;
                continue;
            }
        };
        let m = movie(id, f[1], split_genres(f[2]));
        push_unique(&mut movies, &mut seen, m, &file.name, n, bad)?;
    }
    Ok(movies)
}

/// `Action|Comedy` → genres; `(no genres listed)` → none.
pub fn split_genres(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        .map(str::to_string)
        .collect()
}

/// Parse a ratings file of `user SEP item SEP rating SEP timestamp` lines
/// (`u.data`: tab; `ratings.dat`: `::`). `known` says whether a movie id is
/// in the catalogue; an unknown one is a bad line.
pub fn read_ratings(
    file: &TextFile,
    sep: &str,
    known: &dyn Fn(MovieId) -> bool,
    catalogue: &str,
    bad: &mut BadLines,
    out: &mut Vec<Interaction>,
) -> anyhow::Result<usize> {
    let text = file.text();
    let mut lines_read = 0;
    for (n, line) in text::lines(&text) {
        lines_read += 1;
        match parse_rating_line(line, sep) {
            Ok(x) if known(x.item) => out.push(x),
            Ok(x) => bad.bad(
                &file.name,
                n,
                format!("movie id {} is not in {catalogue}", x.item),
            )?,
            Err(e) => bad.bad(&file.name, n, e)?,
        }
    }
    Ok(lines_read)
}

fn parse_rating_line(line: &str, sep: &str) -> Result<Interaction, String> {
    let mut f = line.split(sep);
    let (u, i, r, t) = match (f.next(), f.next(), f.next(), f.next(), f.next()) {
        (Some(u), Some(i), Some(r), Some(t), None) => (u, i, r, t),
        _ => {
            return Err(format!(
                "expected 4 `{}`-separated fields (user, item, rating, timestamp), found {}",
                sep.escape_default(),
                line.split(sep).count()
            ));
        }
    };
    Ok(Interaction {
        user: text::parse_id(u, "user id")?,
        item: text::parse_id(i, "movie id")?,
        rating: text::parse_rating(r)?,
        timestamp: text::parse_timestamp(t)?,
    })
}
