//! Titles: split the trailing `(YYYY)`, build the display form
//! (`"American President, The"` → `"The American President"`) and a
//! normalised key for matching titles across sources.

use reelgraph_core::text::fold_char;

/// Articles that MovieLens moves to the end of a title (`"Misérables, Les"`).
const ARTICLES: &[&str] = &[
    "The", "A", "An", "Les", "La", "Le", "L'", "Il", "El", "Los", "Las", "Lo", "Das", "Der", "Die",
    "Den", "Det", "Un", "Une", "Una", "I", "Gli",
];

/// Split a trailing `(YYYY)` (also `(YYYY-)`/`(YYYY-YYYY)` as the CSV releases
/// write series) off a title: `"Toy Story (1995)"` → `("Toy Story", Some(1995))`.
/// Surrounding whitespace is trimmed; a title without a year is kept whole.
pub fn split_year(raw: &str) -> (String, Option<u16>) {
    let t = raw.trim();
    if let Some(body) = t.strip_suffix(')')
        && let Some(open) = body.rfind('(')
    {
        let inner = body[open + 1..].trim();
        let year_part = inner.split(['-', '–']).next().unwrap_or_default().trim();
        let rest_ok = inner[year_part.len()..]
            .trim_start_matches(['-', '–'])
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ');
        if year_part.len() == 4
            && year_part.bytes().all(|b| b.is_ascii_digit())
            && rest_ok
            && let Ok(y) = year_part.parse::<u16>()
        {
            return (t[..open].trim_end().to_string(), Some(y));
        }
    }
    (t.to_string(), None)
}

/// Move a trailing article to the front: `"American President, The"` →
/// `"The American President"`. Alternative titles in parentheses are kept and
/// treated the same way: `"City of Lost Children, The (Cité des enfants
/// perdus, La)"` → `"The City of Lost Children (La Cité des enfants perdus)"`.
pub fn display_title(title: &str) -> String {
    let title = title.trim();
    let (main, rest) = match title.find(" (") {
        Some(i) if title.ends_with(')') => (&title[..i], &title[i..]),
        _ => (title, ""),
    };
    let mut out = front_article(main);
    // Each " (...)" group of the rest, when the rest is only such groups.
    let mut groups = Vec::new();
    let mut r = rest;
    while let Some(stripped) = r.strip_prefix(" (") {
        match stripped.find(')') {
            Some(end) => {
                groups.push(&stripped[..end]);
                r = &stripped[end + 1..];
            }
            None => break,
        }
    }
    if r.is_empty() {
        for g in groups {
            out.push_str(" (");
            out.push_str(&front_article(g));
            out.push(')');
        }
    } else {
        out.push_str(rest);
    }
    out
}

fn front_article(s: &str) -> String {
    for art in ARTICLES {
        if let Some(stem) = s.strip_suffix(art).and_then(|x| x.strip_suffix(", "))
            && !stem.is_empty()
        {
            let sep = if art.ends_with('\'') { "" } else { " " };
            return format!("{art}{sep}{stem}");
        }
    }
    s.to_string()
}

/// A key for matching titles across sources: the display form, lower-cased,
/// accents folded ([`fold_char`]), `&` read as "and", leading article, parenthesised
/// alternative titles and punctuation dropped.
pub fn normalise(title: &str) -> String {
    let display = display_title(title);
    // Drop parenthesised groups (alternative titles, "a.k.a.").
    let mut plain = String::with_capacity(display.len());
    let mut depth = 0usize;
    for c in display.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in plain.chars().flat_map(char::to_lowercase) {
        if let Some(base) = fold_char(c) {
            word.push_str(base);
        } else if c == '&' {
            flush(&mut word, &mut words);
            words.push("and".into());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if c == '\'' {
            // "don't" → "dont"; "L'Avventura" → "l avventura" is handled by flush
        } else {
            flush(&mut word, &mut words);
        }
    }
    flush(&mut word, &mut words);
    if words.len() > 1
        && matches!(
            words[0].as_str(),
            "the" | "a" | "an" | "les" | "la" | "le" | "l" | "il" | "el" | "das" | "der" | "die"
        )
    {
        words.remove(0);
    }
    words.join(" ")
}

fn flush(word: &mut String, words: &mut Vec<String>) {
    if !word.is_empty() {
        words.push(std::mem::take(word));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_split() {
        assert_eq!(
            split_year("American President, The (1995)"),
            ("American President, The".to_string(), Some(1995))
        );
        assert_eq!(
            split_year("Heidi Fleiss: Hollywood Madam (1995) "),
            ("Heidi Fleiss: Hollywood Madam".to_string(), Some(1995))
        );
        assert_eq!(split_year("unknown"), ("unknown".to_string(), None));
        assert_eq!(
            split_year("Seven (Se7en) (1995)"),
            ("Seven (Se7en)".to_string(), Some(1995))
        );
        assert_eq!(
            split_year("Seven (Se7en)"),
            ("Seven (Se7en)".to_string(), None)
        );
        assert_eq!(
            split_year("Babylon 5 (1994-1998)"),
            ("Babylon 5".to_string(), Some(1994))
        );
        assert_eq!(split_year("Show (2007-)"), ("Show".to_string(), Some(2007)));
        assert_eq!(
            split_year("Movie (12345)"),
            ("Movie (12345)".to_string(), None)
        );
    }

    #[test]
    fn display_form() {
        assert_eq!(
            display_title("American President, The"),
            "The American President"
        );
        assert_eq!(display_title("Misérables, Les"), "Les Misérables");
        assert_eq!(display_title("Avventura, L'"), "L'Avventura");
        assert_eq!(
            display_title("City of Lost Children, The (Cité des enfants perdus, La)"),
            "The City of Lost Children (La Cité des enfants perdus)"
        );
        assert_eq!(display_title("Toy Story"), "Toy Story");
        assert_eq!(display_title("Seven (Se7en)"), "Seven (Se7en)");
        // "A" must be a whole word after ", "
        assert_eq!(
            display_title("Mission: Impossible, Part A"),
            "Mission: Impossible, Part A"
        );
    }

    #[test]
    fn normalised_keys_match_across_sources() {
        assert_eq!(
            normalise("American President, The"),
            normalise("The American President")
        );
        assert_eq!(normalise("Misérables, Les"), "miserables");
        assert_eq!(
            normalise("Wallace & Gromit: The Best of Aardman Animation"),
            "wallace and gromit the best of aardman animation"
        );
        assert_eq!(
            normalise("City of Lost Children, The (Cité des enfants perdus, La)"),
            "city of lost children"
        );
    }
}
