//! Reading dataset files: encoding, lines with numbers, field parsing and the
//! bad-line policy (error or count).

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context;

/// A malformed input, naming file, line number and reason.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// One line could not be parsed.
    #[error("{file}:{line}: {reason}")]
    BadLine {
        file: String,
        line: usize,
        reason: String,
    },
    /// The directory holds no recognised dataset.
    #[error(
        "unknown dataset format in {dir}: expected one of u.data (ml-100k), ratings.dat (ml-1m/ml-10m), \
         ratings.csv (ml-latest/ml-20m/ml-25m/ml-32m) or interactions.csv (generic); found {found}"
    )]
    UnknownFormat { dir: String, found: String },
    /// A file (or the whole dataset) holds no data.
    #[error("empty data: {0}")]
    Empty(String),
}

/// What to do with a malformed line: fail (default) or count and go on.
#[derive(Debug, Default)]
pub struct BadLines {
    skip: bool,
    /// Lines skipped so far.
    pub skipped: usize,
    /// The first few skipped lines (`file:line: reason`).
    pub examples: Vec<String>,
}

/// How many skipped-line messages are kept for the report.
const MAX_EXAMPLES: usize = 10;

impl BadLines {
    /// `skip = false`: the first bad line is an error. `true`: count them.
    pub fn new(skip: bool) -> Self {
        BadLines {
            skip,
            ..Default::default()
        }
    }

    /// Report a bad line: an error, or a count when skipping.
    pub fn bad(
        &mut self,
        file: &str,
        line: usize,
        reason: impl Into<String>,
    ) -> anyhow::Result<()> {
        let err = DataError::BadLine {
            file: file.to_string(),
            line,
            reason: reason.into(),
        };
        if !self.skip {
            return Err(err.into());
        }
        self.skipped += 1;
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(err.to_string());
        }
        Ok(())
    }
}

/// Decode a file's bytes: UTF-8 when valid, otherwise latin-1 (ISO-8859-1),
/// which maps every byte to the code point of the same value.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
    }
}

/// A whole file, read and decoded.
pub struct TextFile {
    /// File name for messages (e.g. `u.data`).
    pub name: String,
    pub bytes: Vec<u8>,
}

impl TextFile {
    pub fn read(path: &Path) -> anyhow::Result<TextFile> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Ok(TextFile { name, bytes })
    }

    pub fn text(&self) -> Cow<'_, str> {
        decode(&self.bytes)
    }
}

/// Non-blank lines with their 1-based line numbers, `\r` stripped.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().filter_map(|(i, l)| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        (!l.trim().is_empty()).then_some((i + 1, l))
    })
}

/// Parse an id field (a non-negative integer that fits in 32 bits).
pub fn parse_id(s: &str, what: &str) -> Result<u32, String> {
    let t = s.trim();
    t.parse::<u32>().map_err(|_| {
        if t.is_empty() {
            format!("{what} is empty")
        } else {
            format!("{what} {t:?} is not a non-negative integer id")
        }
    })
}

/// Parse a rating (a finite number).
pub fn parse_rating(s: &str) -> Result<f32, String> {
    let t = s.trim();
    match t.parse::<f32>() {
        Ok(r) if r.is_finite() => Ok(r),
        _ => Err(format!("rating {t:?} is not a number")),
    }
}

/// Parse a Unix timestamp in seconds.
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    let t = s.trim();
    t.parse::<i64>()
        .map_err(|_| format!("timestamp {t:?} is not an integer (Unix seconds)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_fallback() {
        assert_eq!(decode(b"Caf\xe9"), "Café");
        assert_eq!(decode("Café".as_bytes()), "Café");
    }

    #[test]
    fn lines_are_numbered_and_blank_ones_skipped() {
        let l: Vec<_> = lines("a\r\n\n  \nb\n").collect();
        assert_eq!(l, vec![(1, "a"), (4, "b")]);
    }

    #[test]
    fn bad_lines_error_or_count() {
        let mut strict = BadLines::new(false);
        let e = strict.bad("u.data", 7, "too few fields").unwrap_err();
        assert_eq!(e.to_string(), "u.data:7: too few fields");
        let mut skip = BadLines::new(true);
        skip.bad("u.data", 7, "x").unwrap();
        skip.bad("u.data", 9, "y").unwrap();
        assert_eq!(skip.skipped, 2);
        assert_eq!(skip.examples[1], "u.data:9: y");
    }

    #[test]
    fn id_messages() {
        assert!(parse_id("x1", "user id").unwrap_err().contains("\"x1\""));
        assert!(parse_id("-3", "movie id").is_err());
        assert_eq!(parse_id(" 42 ", "movie id"), Ok(42));
        assert!(parse_rating("NaN").is_err());
    }
}
