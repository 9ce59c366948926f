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
//! `posterUrl` is the OMDb URL when known, else this API's `/getImage?img=<id>`.
//! Errors keep the original body `["Error with …", <status>]` and also set
//! that HTTP status. Table deletion is not exposed.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
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

/// `posterUrl` of a movie in the original answers.
pub fn poster_url(s: &AppState, m: &Movie) -> String {
    match &m.poster {
        Some(p) if !p.is_empty() => p.clone(),
        _ => format!("{}/getImage?img={}", s.config.public_url, m.id),
    }
}

fn year_text(m: &Movie) -> String {
    m.year.map(|y| y.to_string()).unwrap_or_default()
}

/// `{"<id>": [title, year, posterUrl], …}` in the order given.
struct MovieMap<'a> {
    state: &'a AppState,
    movies: Vec<&'a Movie>,
}

impl serde::Serialize for MovieMap<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.movies.len()))?;
        for m in &self.movies {
            map.serialize_entry(
                &m.id.to_string(),
                &(&m.display_title, year_text(m), poster_url(self.state, m)),
            )?;
        }
        map.end()
    }
}

fn movie_map(s: &AppState, movies: Vec<&Movie>) -> Response {
    json_response(StatusCode::OK, &(MovieMap { state: s, movies }, 200))
}

/// `POST /getRandom?num=16`: random movies to rate.
#[utoipa::path(post, path = "/getRandom", tag = "original client",
    params(("num" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many (default 16, at most 100)")),
    responses((status = 200, description = "`[{\"<id>\": [title, year, posterUrl], …}, 200]`"),
              (status = 422, description = "a query parameter is wrong, repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_random(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> LegacyResult {
    let p = input::params(q)?;
    input::only(&p, &["num"])?;
    let n = input::count(&p, "num", 16, 100)?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    Ok(movie_map(&s, v1::random_movies(catalog, n, None)))
}

/// OMDb-style object of a movie (`"N/A"` where unknown, as OMDb writes).
pub fn omdb_object(s: &AppState, m: &Movie) -> Value {
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
        "Poster": m.poster.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| poster_url(s, m)),
        "imdbID": na(m.imdb_id.clone()),
        "Type": "movie",
        "Response": "True",
    })
}

/// `GET /getInfo?ids=<id>`: one movie, OMDb-style.
#[utoipa::path(get, path = "/getInfo", tag = "original client",
    params(("ids" = u64, Query, minimum = 1, maximum = 4294967295u64, description = "movie id")),
    responses((status = 200, description = "`[[{Title, Year, Genre, Plot, Director, Actors, Poster, …}, posterUrl], 200]`"),
              (status = 404, description = "no movie has this id", body = LegacyErrorBody),
              (status = 422, description = "`ids` is missing or not a movie id, or a query parameter is repeated or unknown", body = LegacyErrorBody),
              (status = 503, response = LegacyUnavailable)))]
pub async fn get_info(
    State(s): State<super::State>,
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
    Ok(json_response(
        StatusCode::OK,
        &json!([[omdb_object(&s, m), poster_url(&s, m)], 200]),
    ))
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
    Ok(movie_map(&s, movies))
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
    Ok(poster::respond(m, false))
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
