//! Text helpers shared by the layers: accent folding for matching titles and
//! searching the catalogue, and XML escaping for the SVGs (posters, report
//! charts).

/// The ASCII spelling of an accented lower-case Latin letter (Latin-1 and
/// Latin Extended-A: `é` → `e`, `æ` → `ae`, `ß` → `ss`), or `None` for any
/// other character. Callers lower-case first.
pub fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
}

/// Lower-case, strip accents ([`fold_char`]), and fold punctuation to
/// spaces, collapsing runs of white space: the search key of a title or a
/// query (`"  Léon: The Professional "` → `"leon the professional"`).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars().flat_map(char::to_lowercase) {
        if let Some(base) = fold_char(c) {
            out.push_str(base);
            space = false;
        } else if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Escape text for XML character data and attribute values; control
/// characters other than tab and newline (not allowed in XML 1.0) are dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_case_accents_and_punctuation() {
        assert_eq!(fold("Amélie"), "amelie");
        assert_eq!(fold("  Léon: The Professional "), "leon the professional");
        assert_eq!(
            fold("CITÉ DES ENFANTS PERDUS, LA"),
            "cite des enfants perdus la"
        );
        assert_eq!(fold("Æon Flux"), "aeon flux");
        assert_eq!(fold("Łódź ß"), "lodz ss");
        assert_eq!(fold(""), "");
        assert_eq!(fold("?!"), "");
    }

    #[test]
    fn xml_escape_escapes_markup_and_drops_controls() {
        assert_eq!(
            xml_escape("Tom & Jerry <\"'>\u{1}\tx\n"),
            "Tom &amp; Jerry &lt;&quot;&apos;&gt;\tx\n"
        );
    }
}
