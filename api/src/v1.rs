//! Handlers of the v1 API and of `/health`, `/ready`.

use crate::json::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Serialize;

use super::docs::Unavailable;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::input::{self, Params};
use super::poster;
use crate::recommend::{self, MAX_K, Scored};
use crate::serving::{Snapshot, SwapStatus};
use reelgraph_core::types::{Movie, MovieId};
use reelgraph_stores::vector::VectorReader;

/// A movie in a list (random, search).
#[derive(Serialize, utoipa::ToSchema)]
pub struct MovieSummary {
    pub id: MovieId,
    /// Title as the dataset writes it (`"American President, The"`).
    pub title: String,
    /// Display form (`"The American President"`).
    pub display_title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Poster URL (OMDb) when known; otherwise use `/api/v1/movies/{id}/poster`.
    pub poster: Option<String>,
}

impl MovieSummary {
    pub fn of(m: &Movie) -> Self {
        MovieSummary {
            id: m.id,
            title: m.title.clone(),
            display_title: m.display_title.clone(),
            year: m.year,
            genres: m.genres.clone(),
            poster: m.poster.clone(),
        }
    }
}

/// A list of movies.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MovieList {
    pub items: Vec<MovieSummary>,
}

/// The liked movie a recommendation comes from.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Because {
    pub id: MovieId,
    pub title: String,
    pub display_title: String,
}

/// One recommended movie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: MovieId,
    pub title: String,
    pub display_title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Higher is better. Similarity for vector strategies; the train
    /// interaction count for popular fallbacks.
    pub score: f32,
    pub poster: Option<String>,
    /// The liked movie that contributed most ("because you liked …");
    /// `null` for popular fallbacks.
    pub because: Option<Because>,
}

/// Recommendations and the model version that made them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
    pub model_version: Option<u64>,
    /// `average_vector`, `best_score` or `popular`.
    pub strategy: &'static str,
}

/// Body of `POST /api/v1/recommendations` (every field optional).
// Read by `input::recommendation_query`: each field type checks its value
// (`input::MovieIds`, `input::Count`…); unknown fields are refused. (Plain
// comments: the doc comment is the schema's description.)
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRequest {
    /// Liked movie ids (distinct; at most 1,000).
    #[schema(schema_with = input::optional_movie_ids, example = json!([1, 50, 181]))]
    pub liked: Option<input::MovieIds>,
    /// Disliked movie ids (distinct; at most 1,000). A movie cannot be both
    /// liked and disliked (422).
    #[schema(schema_with = input::optional_movie_ids)]
    pub disliked: Option<input::MovieIds>,
    /// How many (default 20; at most 100).
    #[schema(value_type = Option<u64>, example = 20, minimum = 1, maximum = 100)]
    pub k: Option<input::Count>,
    #[schema(value_type = Option<RecommendationFilters>)]
    pub filters: Option<input::Object<RecommendationFilters>>,
    /// Ids never to return (distinct; at most 1,000).
    #[schema(schema_with = input::optional_movie_ids)]
    pub exclude: Option<input::MovieIds>,
    /// Scoring strategy (default: the documented one).
    #[schema(value_type = Option<recommend::Strategy>)]
    pub strategy: Option<input::StrategyName>,
}

/// Optional restrictions of the candidates. Empty fields restrict nothing.
// The `filters` of a `RecommendationRequest`, read into `recommend::Filters`
// (whose schema this one replaces under the same name).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Filters)]
pub struct RecommendationFilters {
    /// Any of these genres, each one of `GET /api/v1/genres`
    /// (case-insensitive); another name answers 404 naming `filters.genres`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub genres: Option<input::GenreNames>,
    /// Earliest release year, inclusive.
    #[serde(default)]
    #[schema(value_type = Option<u16>, minimum = 0, maximum = 9999)]
    pub year_min: Option<input::Year>,
    /// Latest release year, inclusive; not before `year_min` (422).
    #[serde(default)]
    #[schema(value_type = Option<u16>, minimum = 0, maximum = 9999)]
    pub year_max: Option<input::Year>,
}

/// A movie with everything known about it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MovieDetail {
    pub id: MovieId,
    pub title: String,
    pub display_title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    pub plot: Option<String>,
    pub director: Option<String>,
    pub actors: Vec<String>,
    pub runtime: Option<u16>,
    pub rated: Option<String>,
    pub language: Option<String>,
    pub poster: Option<String>,
    pub imdb_id: Option<String>,
    /// Train interactions.
    pub popularity: u32,
}

impl MovieDetail {
    fn of(m: &Movie) -> Self {
        MovieDetail {
            id: m.id,
            title: m.title.clone(),
            display_title: m.display_title.clone(),
            year: m.year,
            genres: m.genres.clone(),
            plot: m.plot.clone(),
            director: m.director.clone(),
            actors: m.actors.clone(),
            runtime: m.runtime,
            rated: m.rated.clone(),
            language: m.language.clone(),
            poster: m.poster.clone(),
            imdb_id: m.imdb_id.clone(),
            popularity: m.popularity,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct Ready {
    pub status: &'static str,
    pub model_version: u64,
    pub vectors: usize,
    pub movies: u64,
}

#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    pub version: u64,
    pub dimension: usize,
    pub loaded_at: String,
    /// Evaluation figures of the version.
    #[schema(value_type = Object)]
    pub metrics: serde_json::Value,
}

#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub movies: usize,
    pub vectors: usize,
    pub genres: usize,
    pub model_version: Option<u64>,
    pub model: Option<ModelInfo>,
    /// Strategy used when a request names none.
    pub default_strategy: &'static str,
    /// Version swaps: the version the source names, swaps so far, the last
    /// failure.
    pub serving: SwapStatus,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Genres {
    pub genres: Vec<String>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, body = Health), (status = 503, response = Unavailable)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: a version is served, it is the one the source names as
/// active (the metadata store's active version, or the model root's
/// `latest`), and the stores it is searched in answer.
#[utoipa::path(get, path = "/ready", tag = "service",
    responses((status = 200, body = Ready), (status = 503, response = Unavailable)))]
pub async fn ready(State(s): State<super::State>) -> ApiResult<Json<Ready>> {
    s.cached("ready", readiness(&s)).await.map(Json)
}

async fn readiness(s: &super::AppState) -> ApiResult<Ready> {
    let snap = s.served()?;
    let source = s.serving.source();
    let wanted = reelgraph_stores::timing::timed(source.kind(), "active_version", source.wanted())
        .await
        .map_err(|e| {
            tracing::warn!("readiness: the version source does not answer: {e}");
            ApiError::unavailable("the metadata store does not answer")
        })?;
    let status = s.serving.status();
    match wanted {
        Some(w) if w == snap.version() => {}
        Some(w) => {
            let why = match (status.failed_version, &status.failure) {
                (Some(f), Some(_)) if f == w => {
                    "it failed to build or verify (see the logs and /api/v1/stats)"
                }
                _ => "it is being swapped in",
            };
            return Err(ApiError::unavailable(format!(
                "serving model version {}, but version {w} is active: {why}",
                snap.version()
            )));
        }
        None => {
            return Err(ApiError::unavailable(format!(
                "serving model version {}, but no version is active",
                snap.version()
            )));
        }
    }
    let vectors = snap.vectors.count().await.map_err(|e| {
        tracing::warn!("readiness: the vector store does not answer: {e}");
        ApiError::unavailable("the vector store does not answer")
    })?;
    Ok(Ready {
        status: "ready",
        model_version: snap.version(),
        vectors,
        movies: snap.catalog.len() as u64,
    })
}

/// Counts, the served model version and its metrics, and the state of
/// version swaps.
#[utoipa::path(get, path = "/api/v1/stats", tag = "service",
    responses((status = 200, body = Stats), (status = 503, response = Unavailable)))]
pub async fn stats(State(s): State<super::State>) -> ApiResult<Json<Stats>> {
    s.cached("stats", statistics(&s)).await.map(Json)
}

async fn statistics(s: &super::AppState) -> ApiResult<Stats> {
    let snap = s.served()?;
    let vectors = snap.vectors.count().await.map_err(|e| {
        tracing::warn!("stats: the vector store does not answer: {e}");
        ApiError::unavailable("the vector store does not answer")
    })?;
    let m = &snap.model;
    Ok(Stats {
        movies: snap.catalog.len(),
        vectors,
        genres: snap.catalog.genres().len(),
        model_version: Some(snap.version()),
        model: Some(ModelInfo {
            version: m.version,
            dimension: m.dimension,
            loaded_at: m.loaded_at.clone(),
            metrics: m.metrics.clone(),
        }),
        default_strategy: s.config.strategy.name(),
        serving: s.serving.status(),
    })
}

/// The genres of the catalogue, sorted.
#[utoipa::path(get, path = "/api/v1/genres", tag = "movies",
    responses((status = 200, body = Genres),
              (status = 422, description = "a query parameter is given (none is accepted)", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn genres(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<Genres>> {
    input::only(&input::params(q)?, &[])?;
    Ok(Json(Genres {
        genres: s.served()?.catalog.genres().to_vec(),
    }))
}

/// `n` distinct random movies (default 16, at most 100), optionally of one genre.
#[utoipa::path(get, path = "/api/v1/movies/random", tag = "movies",
    params(("n" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "how many (default 16, at most 100; fewer when the catalogue or the genre has fewer)"),
           ("genre" = Option<String>, Query,
            description = "only this genre: one of `GET /api/v1/genres` (case-insensitive; blank: any genre)")),
    responses((status = 200, body = MovieList),
              (status = 404, description = "`genre` is not a genre of the catalogue", body = ErrorBody),
              (status = 422, description = "a query parameter is wrong, repeated or unknown", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn random(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<MovieList>> {
    let p = input::params(q)?;
    input::only(&p, &["n", "genre"])?;
    let n = input::count(&p, "n", 16, 100)?;
    let genre = input::single(&p, "genre")?.filter(|g| !g.trim().is_empty());
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let genre = match genre {
        None => None,
        Some(g) => Some(catalog.genre(g).ok_or_else(|| {
            ApiError::not_found(format!(
                "unknown genre {g:?} (GET /api/v1/genres lists them)"
            ))
            .with_field("genre")
        })?),
    };
    Ok(Json(MovieList {
        items: random_movies(catalog, n, genre)
            .into_iter()
            .map(MovieSummary::of)
            .collect(),
    }))
}

/// `n` distinct movies drawn uniformly (of `genre` when given).
pub fn random_movies<'a>(
    catalog: &'a super::Catalog,
    n: usize,
    genre: Option<&str>,
) -> Vec<&'a Movie> {
    let pool: Vec<&Movie> = match genre {
        None => catalog.movies().iter().collect(),
        Some(g) => catalog
            .movies()
            .iter()
            .filter(|m| m.genres.iter().any(|x| x == g))
            .collect(),
    };
    let mut rng = rand::rng();
    rand::seq::index::sample(&mut rng, pool.len(), n.min(pool.len()))
        .into_iter()
        .map(|i| pool[i])
        .collect()
}

/// Title search (prefix matches first, then substrings), case and accent insensitive.
#[utoipa::path(get, path = "/api/v1/movies/search", tag = "movies",
    params(("q" = String, Query, min_length = 1, max_length = 200,
            // Some character that is not white space (white space as `str::trim` has it).
            pattern = r"[^\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
            description = "part of a title: 1 to 200 characters, not all white space"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "how many (default 20, at most 100)")),
    responses((status = 200, body = MovieList),
              (status = 422, description = "a query parameter is missing, wrong, repeated or unknown", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn search(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<MovieList>> {
    let p = input::params(q)?;
    input::only(&p, &["q", "limit"])?;
    let limit = input::count(&p, "limit", 20, 100)?;
    let text = input::single(&p, "q")?.unwrap_or("");
    if text.trim().is_empty() {
        return Err(ApiError::invalid(
            "q",
            "q (the text to search for) is required",
        ));
    }
    if text.chars().count() > 200 {
        return Err(ApiError::invalid("q", "q is longer than 200 characters"));
    }
    let snap = s.served()?;
    let catalog = &snap.catalog;
    Ok(Json(MovieList {
        items: catalog
            .search(text, limit)
            .into_iter()
            .map(MovieSummary::of)
            .collect(),
    }))
}

fn movie_of<'a>(snap: &'a Snapshot, raw: &str) -> ApiResult<&'a Movie> {
    let id = input::id_text(raw, "id")?;
    snap.catalog
        .get(id)
        .ok_or_else(|| ApiError::unknown_ids("id", &[id]))
}

/// One movie.
#[utoipa::path(get, path = "/api/v1/movies/{id}", tag = "movies",
    params(("id" = u64, Path, minimum = 1, maximum = 4294967295u64, description = "movie id")),
    responses((status = 200, body = MovieDetail),
              (status = 404, description = "no movie has this id", body = ErrorBody),
              (status = 422, description = "`id` is not a movie id, or a query parameter is given", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn movie(
    State(s): State<super::State>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<MovieDetail>> {
    input::only(&input::params(q)?, &[])?;
    let snap = s.served()?;
    Ok(Json(MovieDetail::of(movie_of(
        &snap,
        &input::segment(id, "id")?,
    )?)))
}

/// The `k` movies nearest to one movie.
#[utoipa::path(get, path = "/api/v1/movies/{id}/similar", tag = "movies",
    params(("id" = u64, Path, minimum = 1, maximum = 4294967295u64, description = "movie id"),
           ("k" = Option<u32>, Query, minimum = 1, maximum = 100, description = "how many (default 20, at most 100)")),
    responses((status = 200, body = Recommendations),
              (status = 404, description = "no movie has this id", body = ErrorBody),
              (status = 422, description = "`id` is not a movie id, or a query parameter is wrong, repeated or unknown", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn similar(
    State(s): State<super::State>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<Recommendations>> {
    let p = input::params(q)?;
    input::only(&p, &["k"])?;
    let k = input::count(&p, "k", recommend::DEFAULT_K, MAX_K)?;
    let snap = s.served()?;
    let m = movie_of(&snap, &input::segment(id, "id")?)?;
    let query = recommend::Query {
        liked: vec![m.id],
        k,
        strategy: s.config.strategy,
        ..Default::default()
    };
    let scored = recommend::recommend(snap.vectors.as_ref(), snap.catalog.by_popularity(), &query)
        .await
        .map_err(|e| match e {
            recommend::RecommendError::UnknownIds(ids) => ApiError::unknown_ids("id", &ids),
            other => other.into(),
        })?;
    Ok(Json(to_recommendations(&snap, &query, scored)))
}

/// Turn scored ids into the answer (catalogue data, explanations).
pub fn to_recommendations(
    snap: &Snapshot,
    q: &recommend::Query,
    scored: Vec<Scored>,
) -> Recommendations {
    let catalog = &snap.catalog;
    let items = scored
        .into_iter()
        .filter_map(|r| {
            let m = catalog.get(r.id)?;
            Some(Recommendation {
                id: m.id,
                title: m.title.clone(),
                display_title: m.display_title.clone(),
                year: m.year,
                genres: m.genres.clone(),
                score: r.score,
                poster: m.poster.clone(),
                because: r.because.and_then(|b| catalog.get(b)).map(|b| Because {
                    id: b.id,
                    title: b.title.clone(),
                    display_title: b.display_title.clone(),
                }),
            })
        })
        .collect();
    Recommendations {
        items,
        model_version: Some(snap.version()),
        strategy: if q.liked.is_empty() {
            "popular"
        } else {
            q.strategy.name()
        },
    }
}

/// Recommendations from liked and disliked movies.
///
/// Liked, disliked and excluded ids are never returned. With no liked and no
/// disliked movies the answer is the most popular movies passing the filters.
#[utoipa::path(post, path = "/api/v1/recommendations", tag = "recommendations",
    request_body = RecommendationRequest,
    responses((status = 200, body = Recommendations),
              (status = 400, description = "the body is empty or not JSON", body = ErrorBody),
              (status = 404, description = "unknown movie ids or genres (`field` names the list)", body = ErrorBody),
              (status = 413, description = "body too large", body = ErrorBody),
              (status = 422, description = "a field is wrong (`field` names it), a movie is both liked and \
disliked, `filters.year_min` is after `filters.year_max`, or a query parameter is given", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn recommendations(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Recommendations>> {
    input::only(&input::params(q)?, &[])?;
    let body = input::body(body, s.config.body_limit)?;
    let value = input::json(&body)?;
    let snap = s.served()?;
    let catalog = &snap.catalog;
    let lookup = |g: &str| catalog.genre(g).map(str::to_string);
    let query = input::recommendation_query(&value, &lookup, s.config.strategy)?;
    for (field, ids) in [
        ("liked", &query.liked),
        ("disliked", &query.disliked),
        ("exclude", &query.exclude),
    ] {
        let unknown = catalog.unknown(ids);
        if !unknown.is_empty() {
            return Err(ApiError::unknown_ids(field, &unknown));
        }
    }
    let scored =
        recommend::recommend(snap.vectors.as_ref(), catalog.by_popularity(), &query).await?;
    Ok(Json(to_recommendations(&snap, &query, scored)))
}

/// The poster: 302 to the OMDb image when known, otherwise (or with
/// `placeholder=true`) an SVG with the title and year.
#[utoipa::path(get, path = "/api/v1/movies/{id}/poster", tag = "movies",
    params(("id" = u64, Path, minimum = 1, maximum = 4294967295u64, description = "movie id"),
           ("placeholder" = Option<bool>, Query, description = "`true`: always the SVG placeholder (default `false`)")),
    responses((status = 302, description = "redirect to the poster image",
               headers(("Location" = String, description = "the poster's URL"))),
              (status = 200, description = "SVG placeholder", content_type = "image/svg+xml"),
              (status = 404, description = "no movie has this id", body = ErrorBody),
              (status = 422, description = "`id` is not a movie id, or a query parameter is wrong, repeated or unknown", body = ErrorBody),
              (status = 503, response = Unavailable)))]
pub async fn poster(
    State(s): State<super::State>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Response> {
    let p = input::params(q)?;
    input::only(&p, &["placeholder"])?;
    let force = match input::single(&p, "placeholder")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "placeholder",
                format!("placeholder must be true or false, got {other:?}"),
            ));
        }
    };
    let snap = s.served()?;
    let m = movie_of(&snap, &input::segment(id, "id")?)?;
    Ok(poster::respond(m, force, &s.config.poster_hosts))
}
