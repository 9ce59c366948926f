//! The original client's routes, with its body shapes, so its React client
//! works unchanged.
//!
//! | route | answer |
//! |---|---|
//! | `POST /getRandom?num=16` | `[{"<id>": [title, year, posterUrl], …}, 200]` |
//! | `GET /getInfo?ids=<id>` | `[[{Title, Year, Genre, Plot, Director, Actors, Poster, …}, posterUrl], 200]` |
//! | `POST /getSimilarUser[?num=16]`, body `[id, …]` | `[{"<id>": [title, year, posterUrl], …}, 200]` |
//! | `GET /getImage?img=<id>` | the poster (302 or SVG placeholder) |
//! | `GET /countTable` | `["<vectors>,<rows>", 200]` |
//!
//! Objects keyed by id keep the answer's order (random draw, or best
//! recommendation first). `year` is a string as in OMDb (`""` when unknown);
//! `posterUrl` is the OMDb URL when known, else this API's `/getImage?img=<id>`
//! as an absolute URL ([`LinkBase`]): the client runs on an origin of its own,
//! so a relative link would point at the client's server.
//! Errors keep the original body `["Error with …", <status>]` and also set
//! that HTTP status. Table deletion is not exposed.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

use super::docs::{LegacyErrorBody, LegacyUnavailable};
use super::error::ApiError;
use super::input::{self, Params};
use super::{AppState, poster, v1};
use crate::recommend;
use reelgraph_core::types::Movie;
use reelgraph_stores::vector::VectorReader;

/// An error in the original shape: `["Error with …", status]`.
pub struct LegacyError(pub ApiError);

impl From<ApiError> for LegacyError {
    fn from(e: ApiError) -> Self {
        LegacyError(e)
    }
}

impl IntoResponse for LegacyError {
    fn into_response(self) -> Response {
        let e = self.0;
        let what = e.field.as_deref().unwrap_or("request");
        let body = json!([
            format!("Error with {what}: {}", e.message),
            e.status.as_u16()
        ]);
        let mut response = json_response(e.status, &body);
        if e.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(super::error::RETRY_AFTER_SECS),
            );
        }
        response
    }
}

type LegacyResult = Result<Response, LegacyError>;

fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

/// Where the API's own links in the original answers point.
///
/// The original server built them from the request's `Host`; the original
/// client runs on an origin of its own, so they must be absolute. In order:
/// 1. the configured public URL ([`crate::ApiConfig::public_url`]), when set:
///    the request's headers are not consulted at all;
/// 2. else `scheme://HOST` from the request (the URI's authority, as HTTP/2
///    and absolute-form requests carry it, or the `Host` header), but only a
///    syntactically valid `host[:port]` ([`valid_authority`]); the scheme is
///    the URI's when it has one (Lambda's requests), else `http`.
///    `X-Forwarded-Host` and `X-Forwarded-Proto` are ignored: caches rarely
///    key on them, which is what makes them the usual cache-poisoning vector;
/// 3. else (no usable host) links relative to the API's origin.
///
/// An answer whose links came from `Host` says `Vary: Host`, so a shared
/// cache keys it on the header the links depend on and never serves links
/// built from a forged `Host` to anyone else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkBase {
    /// `https://api.example.com` (no trailing slash), or `""` for relative links.
    pub base: String,
    /// The links came from the request's `Host`.
    pub from_host: bool,
}

impl LinkBase {
    pub fn of(s: &AppState, uri: &Uri, headers: &HeaderMap) -> LinkBase {
        let configured = s.config.public_url.trim_end_matches('/');
        if !configured.is_empty() {
            return LinkBase {
                base: configured.to_string(),
                from_host: false,
            };
        }
        let authority = uri.authority().map(|a| a.as_str().to_string()).or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        });
        match authority.filter(|a| valid_authority(a)) {
            Some(a) => {
                let scheme = match uri.scheme_str() {
                    Some("https") => "https",
                    _ => "http",
                };
                LinkBase {
                    base: format!("{scheme}://{}", a.to_ascii_lowercase()),
                    from_host: true,
                }
            }
            None => LinkBase {
                base: String::new(),
                from_host: false,
            },
        }
    }

    /// `posterUrl` of a movie: its OMDb poster when known, else `/getImage`.
    pub fn poster_url(&self, m: &Movie) -> String {
        match &m.poster {
            Some(p) if !p.is_empty() => p.clone(),
            _ => format!("{}/getImage?img={}", self.base, m.id),
        }
    }

    /// A JSON answer, with `Vary: Host` when its links depend on `Host`.
    fn respond(&self, body: &impl serde::Serialize) -> Response {
        let mut r = json_response(StatusCode::OK, body);
        if self.from_host {
            r.headers_mut()
                .append(header::VARY, HeaderValue::from_static("host"));
        }
        r
    }
}

/// `host[:port]` as RFC 3986 allows it in a `Host` header, restricted to what
/// a link may safely carry: a DNS name (letters, digits, `-`, dot-separated
/// labels of 1–63 characters, at most 253 in all; IPv4 addresses included)
/// or a bracketed IPv6 address, and an optional port of 1–5 digits up to
/// 65535. No user info, path, query, percent-escape, space or other byte.
pub fn valid_authority(a: &str) -> bool {
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => (None, None),
            p => match p.strip_prefix(':') {
                Some(p) => (None, Some(p)),
                None => return false,
            },
        }
    } else {
        match a.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(a), None),
        }
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    });
    let host_ok = host.is_none_or(|h| {
        !h.is_empty()
            && h.len() <= 253
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    });
    port_ok && host_ok
}

/// `860790` as OMDb writes vote counts: `860,790`.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn year_text(m: &Movie) -> String {
    m.year.map(|y| y.to_string()).unwrap_or_default()
}

/// `{"<id>": [title, year, posterUrl], …}` in the order given.
struct MovieMap<'a> {
    links: &'a LinkBase,
    movies: Vec<&'a Movie>,
}

impl serde::Serialize for MovieMap<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.movies.len()))?;
        for m in &self.movies {
            map.serialize_entry(
                &m.id.to_string(),
                &(&m.display_title, year_text(m), self.links.poster_url(m)),
            )?;
        }
        map.end()
    }
}

fn movie_map(links: &LinkBase, movies: Vec<&Movie>) -> Response {
    links.respond(&(MovieMap { links, movies }, 200))
}

/// `POST /getRandom?num=16`: random movies to rate.
#[utoipa::path(post, path = "/getRandom", tag = "original client",
    params(("num" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many (default 16, at most 100)")),
    responses((status = 200, description = "`[{\"<id>\": [title, year, posterUrl], …}, 200]`"),
              (status = 422, description = "a query parameter is wrong, repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_random(
    State(s): State<super::State>,
    uri: Uri,
    headers: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
) -> LegacyResult {
    let p = input::params(q)?;
    input::only(&p, &["num"])?;
    let n = input::count(&p, "num", 16, 100)?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let links = LinkBase::of(&s, &uri, &headers);
    Ok(movie_map(&links, v1::random_movies(catalog, n, None)))
}

/// OMDb-style object of a movie (`"N/A"` where unknown, as OMDb writes):
/// every field the original client's detail page shows (`Title`, `Year`,
/// `Genre`, `imdbRating`, `imdbVotes`, `Runtime`, `Released`, `Plot`) and the
/// rest of what the catalogue knows.
pub fn omdb_object(links: &LinkBase, m: &Movie) -> Value {
    let na = |v: Option<String>| v.filter(|x| !x.is_empty()).unwrap_or_else(|| "N/A".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "N/A".to_string()
        } else {
            v.join(", ")
        }
    };
    json!({
        "Title": m.display_title,
        "Year": m.year.map(|y| y.to_string()).unwrap_or_else(|| "N/A".into()),
        "Rated": na(m.rated.clone()),
        "Runtime": m.runtime.map(|r| format!("{r} min")).unwrap_or_else(|| "N/A".into()),
        "Genre": list(&m.genres),
        "Director": na(m.director.clone()),
        "Actors": list(&m.actors),
        "Plot": na(m.plot.clone()),
        "Language": na(m.language.clone()),
        "Poster": links.poster_url(m),
        "Released": na(m.released_omdb()),
        "imdbID": na(m.imdb_id.clone()),
        "imdbRating": na(m.imdb_rating.map(|r| format!("{r:.1}"))),
        "imdbVotes": na(m.imdb_votes.map(thousands)),
        "Type": "movie",
        "Response": "True",
    })
}

/// `GET /getInfo?ids=<id>`: one movie, OMDb-style.
#[utoipa::path(get, path = "/getInfo", tag = "original client",
    params(("ids" = u64, Query, minimum = 1, maximum = 4294967295u64, description = "movie id")),
    responses((status = 200, description = "`[[{Title, Year, Genre, Plot, Director, Actors, Poster, Released, imdbRating, imdbVotes, …}, posterUrl], 200]`"),
              (status = 404, description = "no movie has this id", body = LegacyErrorBody),
              (status = 422, description = "`ids` is missing or not a movie id, or a query parameter is repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_info(
    State(s): State<super::State>,
    uri: Uri,
    headers: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
) -> LegacyResult {
    let p = input::params(q)?;
    input::only(&p, &["ids"])?;
    let raw = input::single(&p, "ids")?
        .ok_or_else(|| ApiError::invalid("ids", "ids (a movie id) is required"))?;
    let id = input::id_text(raw, "ids")?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let m = catalog
        .get(id)
        .ok_or_else(|| ApiError::unknown_ids("ids", &[id]))?;
    let links = LinkBase::of(&s, &uri, &headers);
    Ok(links.respond(&json!([[omdb_object(&links, m), links.poster_url(m)], 200])))
}

/// `POST /getSimilarUser`: recommendations from a JSON list of liked ids.
#[utoipa::path(post, path = "/getSimilarUser", tag = "original client",
    params(("num" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many (default 16, at most 100)")),
    request_body(content = inline(input::LenientMovieIds),
                 description = "liked movie ids (numbers or strings of digits; distinct, at most 1,000; \
`5` and `\"5\"` are the same id: given both, the list is refused with 422)"),
    responses((status = 200, description = "`[{\"<id>\": [title, year, posterUrl], …}, 200]`"),
              (status = 400, description = "the body is empty or not JSON", body = LegacyErrorBody),
              (status = 404, description = "unknown movie ids", body = LegacyErrorBody),
              (status = 413, description = "body too large", body = LegacyErrorBody),
              (status = 422, description = "the body is not a list of distinct movie ids, or a query parameter is wrong, repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_similar_user(
    State(s): State<super::State>,
    uri: Uri,
    headers: HeaderMap,
    q: Result<Query<Params>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> LegacyResult {
    let p = input::params(q)?;
    input::only(&p, &["num"])?;
    let k = input::count(&p, "num", 16, recommend::MAX_K)?;
    let body = input::body(body, s.config.body_limit)?;
    let value = input::json(&body)?;
    let liked = input::similar_user_ids(&value)?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let unknown = catalog.unknown(&liked);
    if !unknown.is_empty() {
        return Err(ApiError::unknown_ids("liked", &unknown).into());
    }
    let query = recommend::Query {
        liked,
        k,
        strategy: s.config.strategy,
        ..Default::default()
    };
    let scored = recommend::recommend(snap.vectors.as_ref(), catalog.by_popularity(), &query)
        .await
        .map_err(ApiError::from)?;
    let movies = scored.iter().filter_map(|r| catalog.get(r.id)).collect();
    Ok(movie_map(&LinkBase::of(&s, &uri, &headers), movies))
}

/// `GET /getImage?img=<id>`: the poster.
#[utoipa::path(get, path = "/getImage", tag = "original client",
    params(("img" = u64, Query, minimum = 1, maximum = 4294967295u64, description = "movie id")),
    responses((status = 302, description = "redirect to the poster",
               headers(("Location" = String, description = "the poster's URL"))),
              (status = 200, description = "SVG placeholder", content_type = "image/svg+xml"),
              (status = 404, description = "no movie has this id", body = LegacyErrorBody),
              (status = 422, description = "`img` is missing or not a movie id, or a query parameter is repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_image(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> LegacyResult {
    let p = input::params(q)?;
    input::only(&p, &["img"])?;
    let raw = input::single(&p, "img")?
        .ok_or_else(|| ApiError::invalid("img", "img (a movie id) is required"))?;
    let id = input::id_text(raw, "img")?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let m = catalog
        .get(id)
        .ok_or_else(|| ApiError::unknown_ids("img", &[id]))?;
    Ok(poster::respond(m, false, &s.config.poster_hosts))
}

/// `GET /countTable`: `["<vectors>,<rows>", 200]`.
#[utoipa::path(get, path = "/countTable", tag = "original client",
    responses((status = 200, description = "`[\"<vectors>,<rows>\", 200]`"),
              (status = 422, description = "a query parameter is given (none is accepted)", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn count_table(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> LegacyResult {
    input::only(&input::params(q)?, &[])?;
    let (vectors, rows) = s
        .cached("countTable", async {
            let snap = s.served()?;
            let vectors = snap.vectors.count().await.map_err(ApiError::from)?;
            Ok::<_, ApiError>((vectors, snap.catalog.len()))
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!([format!("{vectors},{rows}"), 200]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities() {
        for ok in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:65535",
            "api.example.com",
            "xn--bcher-kva.example",
            "[::1]",
            "[::1]:8000",
            "[2001:db8::1]:443",
        ] {
            assert!(valid_authority(ok), "{ok}");
        }
        for bad in [
            "",
            ":80",
            "host:",
            "host:65536",
            "host:123456",
            "host:8x",
            "evil.com/x",
            "evil.com?x",
            "evil.com#x",
            "user@evil.com",
            "evil.com\\x",
            "a b",
            "evil.com\"><script>",
            "-evil.com",
            "evil-.com",
            "evil..com",
            ".evil.com",
            "evil.com.",
            "%65vil.com",
            "[::1",
            "[nothex]:80",
            "[::1]x",
            "h:1:2",
            "évil.com",
        ] {
            assert!(!valid_authority(bad), "{bad}");
        }
        assert!(!valid_authority(&format!("{}.com", "a".repeat(64))));
        assert!(!valid_authority(&["a"; 128].join(".")));
    }

    #[test]
    fn vote_counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(860_790), "860,790");
        assert_eq!(thousands(4_294_967_295), "4,294,967,295");
    }
}
