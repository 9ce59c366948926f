//! Posters: a redirect to the OMDb image, or a generated SVG placeholder.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use reelgraph_core::settings::Hosts;
use reelgraph_core::text::xml_escape;
use reelgraph_core::types::Movie;

/// 302 to `m.poster` when it is an `https://` URL on a host of `allowed`
/// (the operator's list, [`reelgraph_core::settings::POSTER_HOSTS`]) and
/// `force_placeholder` is false; otherwise 200 with [`placeholder_svg`]. The
/// API's own URL never redirects to a host nobody chose, nor downgrades to
/// plain http.
pub fn respond(m: &Movie, force_placeholder: bool, allowed: &Hosts) -> Response {
    match m.poster.as_deref() {
        Some(url) if !force_placeholder && allowed.allows_https(url) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, url.to_string()),
                (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
            ],
        )
            .into_response(),
        _ => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            placeholder_svg(m),
        )
            .into_response(),
    }
}

/// Split a title into lines of at most `width` characters (words kept whole
/// when they fit), at most `max_lines` lines, the last one ellipsised.
fn wrap(title: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in title.split_whitespace() {
        let extra = if cur.is_empty() { 0 } else { 1 };
        if cur.chars().count() + extra + word.chars().count() > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    for l in &mut lines {
        if l.chars().count() > width + 1 {
            *l = l.chars().take(width).collect::<String>() + "…";
        }
    }
    lines
}

/// A 300×450 SVG poster with the movie's title and year, coloured by id.
pub fn placeholder_svg(m: &Movie) -> String {
    let title = if m.display_title.is_empty() {
        &m.title
    } else {
        &m.display_title
    };
    let hue = (m.id.wrapping_mul(47)) % 360;
    let mut text = String::new();
    let lines = wrap(title, 18, 5);
    let start = 200 - (lines.len() as i32 - 1) * 17;
    for (i, line) in lines.iter().enumerate() {
        text.push_str(&format!(
            r##"<text x="150" y="{}" text-anchor="middle" font-family="sans-serif" font-size="26" font-weight="bold" fill="#fff">{}</text>"##,
            start + i as i32 * 34,
            xml_escape(line)
        ));
    }
    let year = m.year.map(|y| y.to_string()).unwrap_or_default();
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450" viewBox="0 0 300 450" role="img" aria-label="{label}">"#,
            r#"<rect width="300" height="450" fill="hsl({hue},45%,30%)"/>"#,
            r#"<rect x="12" y="12" width="276" height="426" fill="none" stroke="hsl({hue},45%,60%)" stroke-width="2"/>"#,
            "{text}",
            r##"<text x="150" y="400" text-anchor="middle" font-family="sans-serif" font-size="22" fill="#ddd">{year}</text>"##,
            "</svg>"
        ),
        label = xml_escape(&format!(
            "{title}{}",
            m.year.map(|y| format!(" ({y})")).unwrap_or_default()
        )),
        hue = hue,
        text = text,
        year = year,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_escaped_title_and_year() {
        let m = Movie {
            id: 7,
            title: "Tom & Jerry <The Movie>".into(),
            display_title: "Tom & Jerry <The Movie>".into(),
            year: Some(1992),
            ..Movie::default()
        };
        let svg = placeholder_svg(&m);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Tom &amp; Jerry"));
        assert!(svg.contains("&lt;The Movie&gt;"));
        assert!(svg.contains(">1992</text>"));
        assert!(!svg.contains("<The"));
    }

    #[test]
    fn wrap_limits_lines() {
        let l = wrap(
            "a very long title that goes on and on and on forever and ever",
            10,
            3,
        );
        assert_eq!(l.len(), 3);
        assert!(l[2].ends_with('…'));
    }
}
