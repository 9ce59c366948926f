//! Data: parse a MovieLens (or generic) dataset directory into a [`Dataset`],
//! then split it per user by time into train / validation / test ([`split()`]).
//!
//! Formats are detected from the directory's files (see [`Format`] and
//! [`detect_format`]); [`load`] parses, checks and reports ([`IngestReport`]).

pub mod csv;
pub mod fetch;
pub mod metadata;
pub mod movielens;
pub mod split;
pub mod synthetic;
pub mod text;
pub mod title;

use std::path::{Path, PathBuf};

use reelgraph_core::types::{Movie, MovieId};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use split::{Split, split};
pub use text::{BadLines, DataError};

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

impl Format {
    /// The file whose presence identifies the format.
    pub fn marker(self) -> &'static str {
        match self {
            Format::Ml100k => "u.data",
            Format::MlDat => "ratings.dat",
            Format::MlCsv => "ratings.csv",
            Format::Generic => "interactions.csv",
        }
    }
}

/// Options of [`load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// OMDb metadata file (`ID::{json}` lines) to join into the catalogue.
    pub metadata: Option<PathBuf>,
    /// Drop interactions rated below this before anything else.
    pub min_rating: Option<f32>,
    /// Count malformed lines instead of failing on the first one.
    pub skip_bad_lines: bool,
}

/// One file read by [`load`].
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub name: String,
    pub bytes: u64,
}

/// What [`load`] read, kept, skipped and repaired.
#[derive(Clone, Debug, Serialize)]
pub struct IngestReport {
    pub dataset: String,
    pub format: Format,
    pub files: Vec<FileReport>,
    /// Non-blank data lines of the ratings file (header excluded).
    pub rating_lines: usize,
    /// Interactions kept (after `min_rating`).
    pub interactions: usize,
    /// Malformed lines skipped (only with `skip_bad_lines`; otherwise the first is an error).
    pub skipped_bad_lines: usize,
    /// The first few skipped lines, `file:line: reason`.
    pub bad_line_examples: Vec<String>,
    /// Rows repeating an earlier (user, item) pair: kept as separate interactions.
    pub duplicates: usize,
    /// Interactions dropped by `min_rating`.
    pub below_min_rating: usize,
    /// Catalogue size (movies with or without interactions).
    pub movies: usize,
    /// Catalogue movies without a year.
    pub movies_without_year: usize,
    /// Movies that occur in interactions but not in a catalogue file (generic format only).
    pub movies_added_from_interactions: usize,
    /// Distinct users with at least one interaction.
    pub users: usize,
    /// Users listed in the users file, when the format has one.
    pub users_in_file: Option<usize>,
    /// Time range of the interactions (Unix seconds).
    pub first_timestamp: Option<i64>,
    pub last_timestamp: Option<i64>,
    /// The metadata join, when `metadata` was given.
    pub metadata: Option<metadata::MetadataReport>,
}

/// Detect the format of a dataset directory from its files.
pub fn detect_format(dir: &Path) -> anyhow::Result<Format> {
    if !dir.is_dir() {
        anyhow::bail!("dataset directory {} does not exist", dir.display());
    }
    for f in [
        Format::Ml100k,
        Format::MlDat,
        Format::MlCsv,
        Format::Generic,
    ] {
        if dir.join(f.marker()).is_file() {
            return Ok(f);
        }
    }
    for (catalogue, ratings) in [
        ("u.item", "u.data"),
        ("movies.dat", "ratings.dat"),
        ("movies.csv", "ratings.csv"),
    ] {
        if dir.join(catalogue).is_file() {
            return Err(DataError::Empty(format!(
                "{} has {catalogue} (a catalogue) but no {ratings}: there are no interactions to load",
                dir.display()
            ))
            .into());
        }
    }
    let mut found: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let found = if found.is_empty() {
        "an empty directory".to_string()
    } else {
        found.join(", ")
    };
    Err(DataError::UnknownFormat {
        dir: dir.display().to_string(),
        found,
    }
    .into())
}

/// Parse the dataset in `dir` (format detected from its files), apply
/// `min_rating`, count duplicates and join the optional metadata.
///
/// Errors name file, line number and reason for a malformed line (unless
/// `skip_bad_lines`), and say so clearly for an unknown format or empty data.
pub fn load(dir: &Path, opts: &LoadOptions) -> anyhow::Result<(Dataset, IngestReport)> {
    let format = detect_format(dir)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut bad = BadLines::new(opts.skip_bad_lines);
    let mut files: Vec<PathBuf> = Vec::new();
    let mut interactions = Vec::new();
    let (mut movies, users_in_file, rating_lines, added) = match format {
        Format::Ml100k => {
            let genres = movielens::read_u_genre(dir)?;
            let item = dir.join("u.item");
            let movies = if item.is_file() {
                files.push(item.clone());
                movielens::read_u_item(&item, &genres, &mut bad)?
            } else {
                anyhow::bail!(
                    "{}: u.data is present but u.item (the catalogue) is missing",
                    dir.display()
                );
            };
            let users = optional_users(dir, "u.user", "|", &mut files, &mut bad)?;
            let lines = ratings(
                dir,
                "u.data",
                "\t",
                &movies,
                "u.item",
                &mut files,
                &mut bad,
                &mut interactions,
            )?;
            (movies, users, lines, 0)
        }
        Format::MlDat => {
            let path = dir.join("movies.dat");
            if !path.is_file() {
                anyhow::bail!(
                    "{}: ratings.dat is present but movies.dat (the catalogue) is missing",
                    dir.display()
                );
            }
            files.push(path.clone());
            let movies = movielens::read_movies_dat(&path, &mut bad)?;
            let users = optional_users(dir, "users.dat", "::", &mut files, &mut bad)?;
            let lines = ratings(
                dir,
                "ratings.dat",
                "::",
                &movies,
                "movies.dat",
                &mut files,
                &mut bad,
                &mut interactions,
            )?;
            (movies, users, lines, 0)
        }
        Format::MlCsv => {
            let path = dir.join("movies.csv");
            if !path.is_file() {
                anyhow::bail!(
                    "{}: ratings.csv is present but movies.csv (the catalogue) is missing",
                    dir.display()
                );
            }
            files.push(path.clone());
            let mut movies = csv::read_movies_csv(&path, &mut bad)?;
            let links = dir.join("links.csv");
            if links.is_file() {
                files.push(links.clone());
                let links = csv::read_links(&links, &mut bad)?;
                for m in &mut movies {
                    if let Some(imdb) = links.get(&m.id) {
                        m.imdb_id = Some(imdb.clone());
                    }
                }
            }
            let path = dir.join("ratings.csv");
            files.push(path.clone());
            let known = IdSet::new(movies.iter().map(|m| m.id));
            let tf = text::TextFile::read(&path)?;
            let lines = csv::read_interactions(
                &tf,
                true,
                Some(&|id| known.contains(id)),
                "movies.csv",
                &mut bad,
                &mut interactions,
            )?;
            (movies, None, lines, 0)
        }
        Format::Generic => {
            let items = dir.join("items.csv");
            let mut movies = if items.is_file() {
                files.push(items.clone());
                csv::read_items_csv(&items, &mut bad)?
            } else {
                Vec::new()
            };
            let path = dir.join("interactions.csv");
            files.push(path.clone());
            let tf = text::TextFile::read(&path)?;
            let lines =
                csv::read_interactions(&tf, false, None, "items.csv", &mut bad, &mut interactions)?;
            // Items without a catalogue row get one (id as title), so no interaction is lost.
            let known = IdSet::new(movies.iter().map(|m| m.id));
            let mut extra: Vec<MovieId> = interactions
                .iter()
                .map(|x| x.item)
                .filter(|&id| !known.contains(id))
                .collect();
            extra.sort_unstable();
            extra.dedup();
            let added = extra.len();
            movies.extend(extra.into_iter().map(|id| Movie {
                id,
                title: format!("item {id}"),
                display_title: format!("item {id}"),
                ..Movie::default()
            }));
            (movies, None, lines, added)
        }
    };
    movies.sort_by_key(|m| m.id);
    let metadata_report = match &opts.metadata {
        Some(path) => {
            let file = metadata::read_omdb(path)?;
            files.push(path.clone());
            let first = match format {
                Format::MlDat => metadata::MatchBy::Id,
                _ if movies.iter().any(|m| m.imdb_id.is_some()) => metadata::MatchBy::ImdbId,
                _ => metadata::MatchBy::TitleYear,
            };
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let r = metadata::join(&mut movies, &file, first, &name);
            tracing::info!(
                matched = r.matched,
                movies = movies.len(),
                repaired = r.repaired,
                unparseable = r.unparseable,
                "metadata joined"
            );
            Some(r)
        }
        None => None,
    };

    let mut report = IngestReport {
        dataset: name.clone(),
        format,
        files: Vec::new(),
        rating_lines,
        interactions: 0,
        skipped_bad_lines: 0,
        bad_line_examples: Vec::new(),
        duplicates: 0,
        below_min_rating: 0,
        movies: movies.len(),
        movies_without_year: movies.iter().filter(|m| m.year.is_none()).count(),
        movies_added_from_interactions: added,
        users: 0,
        users_in_file,
        first_timestamp: None,
        last_timestamp: None,
        metadata: metadata_report,
    };
    let ratings_file = format.marker();
    if interactions.is_empty() {
        return Err(DataError::Empty(format!(
            "{} holds no valid interactions ({} data lines, {} skipped as malformed)",
            ratings_file, rating_lines, bad.skipped
        ))
        .into());
    }
    if let Some(min) = opts.min_rating {
        let before = interactions.len();
        interactions.retain(|x: &Interaction| x.rating >= min);
        report.below_min_rating = before - interactions.len();
        if interactions.is_empty() {
            return Err(DataError::Empty(format!(
                "no interaction of {ratings_file} is rated {min} or higher (--min-rating)"
            ))
            .into());
        }
    }
    report.duplicates = count_duplicates(&interactions);
    let mut users: Vec<UserId> = interactions.iter().map(|x| x.user).collect();
    users.sort_unstable();
    users.dedup();
    report.users = users.len();
    report.interactions = interactions.len();
    report.first_timestamp = interactions.iter().map(|x| x.timestamp).min();
    report.last_timestamp = interactions.iter().map(|x| x.timestamp).max();
    report.skipped_bad_lines = bad.skipped;
    report.bad_line_examples = bad.examples;

    let mut hasher = Sha256::new();
    for f in &files {
        let bytes = std::fs::read(f)?;
        let fname = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        hasher.update(fname.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
        report.files.push(FileReport {
            name: fname,
            bytes: bytes.len() as u64,
        });
    }
    if report.skipped_bad_lines > 0 {
        tracing::warn!(
            skipped = report.skipped_bad_lines,
            "skipped malformed lines (--skip-bad-lines)"
        );
    }
    if report.duplicates > 0 {
        tracing::info!(
            duplicates = report.duplicates,
            "duplicate (user, item) rows kept as separate interactions"
        );
    }
    let ds = Dataset {
        name,
        format,
        movies,
        interactions,
        users_in_file,
        fingerprint: hex::encode(hasher.finalize()),
    };
    Ok((ds, report))
}

fn optional_users(
    dir: &Path,
    file: &str,
    sep: &str,
    files: &mut Vec<PathBuf>,
    bad: &mut BadLines,
) -> anyhow::Result<Option<usize>> {
    let path = dir.join(file);
    if !path.is_file() {
        return Ok(None);
    }
    files.push(path.clone());
    Ok(Some(movielens::count_users(&path, sep, bad)?))
}

#[allow(clippy::too_many_arguments)]
fn ratings(
    dir: &Path,
    file: &str,
    sep: &str,
    movies: &[Movie],
    catalogue: &str,
    files: &mut Vec<PathBuf>,
    bad: &mut BadLines,
    out: &mut Vec<Interaction>,
) -> anyhow::Result<usize> {
    let path = dir.join(file);
    files.push(path.clone());
    let known = IdSet::new(movies.iter().map(|m| m.id));
    let tf = text::TextFile::read(&path)?;
    movielens::read_ratings(&tf, sep, &|id| known.contains(id), catalogue, bad, out)
}

/// Membership of movie ids: a bitmap for the usual small ids, a hash set otherwise.
pub(crate) enum IdSet {
    Dense(Vec<bool>),
    Sparse(std::collections::HashSet<MovieId>),
}

impl IdSet {
    pub(crate) fn new(ids: impl Iterator<Item = MovieId> + Clone) -> IdSet {
        let max = ids.clone().max().unwrap_or(0) as usize;
        if max <= 50_000_000 {
            let mut v = vec![false; max + 1];
            for id in ids {
                v[id as usize] = true;
            }
            IdSet::Dense(v)
        } else {
            IdSet::Sparse(ids.collect())
        }
    }

    pub(crate) fn contains(&self, id: MovieId) -> bool {
        match self {
            IdSet::Dense(v) => v.get(id as usize).copied().unwrap_or(false),
            IdSet::Sparse(s) => s.contains(&id),
        }
    }
}

/// Rows that repeat an earlier (user, item) pair.
pub fn count_duplicates(xs: &[Interaction]) -> usize {
    let mut keys: Vec<u64> = xs
        .iter()
        .map(|x| ((x.user as u64) << 32) | x.item as u64)
        .collect();
    keys.sort_unstable();
    keys.windows(2).filter(|w| w[0] == w[1]).count()
}
