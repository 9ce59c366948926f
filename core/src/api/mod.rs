//! The HTTP API: one axum [`Router`] for the local server and every Lambda function.
//!
//! | route | what |
//! |---|---|
//! | `GET /health` | liveness |
//! | `GET /ready` | stores reachable and a version active (503 otherwise) |
//! | `GET /api/v1/stats` | counts, active model version and its metrics |
//! | `GET /api/v1/genres` | the genres of the catalogue |
//! | `GET /api/v1/movies/random?n=16[&genre=…]` | random movies to rate |
//! | `GET /api/v1/movies/search?q=…[&limit=20]` | title search, case and accent insensitive |
//! | `GET /api/v1/movies/{id}` | one movie |
//! | `GET /api/v1/movies/{id}/similar?k=20` | nearest movies |
//! | `GET /api/v1/movies/{id}/poster[?placeholder=true]` | 302 to the poster, or an SVG placeholder |
//! | `POST /api/v1/recommendations` | recommendations from liked/disliked movies |
//! | `GET /openapi.json`, `GET /docs` | OpenAPI 3 document, Swagger UI (vendored) |
//! | `POST /getRandom`, `GET /getInfo`, `POST /getSimilarUser`, `GET /getImage`, `GET /countTable` | the original client's routes ([`legacy`]) |
//!
//! Errors are `{"error": {"code", "message", "field"}}` with 400/404/413/422/503.
//! The catalogue is read once into memory ([`catalog::Catalog`]).

pub mod catalog;
pub mod docs;
pub mod error;
pub mod input;
pub mod legacy;
pub mod poster;
pub mod v1;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::Result;
use crate::recommend::{DEFAULT_STRATEGY, Strategy};
use crate::store::metadata::MetadataStore;
use crate::store::vector::VectorStore;

pub use catalog::Catalog;
pub use error::{ApiError, ApiResult};

/// Origins allowed by CORS when the configuration names none: the local UI.
pub const DEFAULT_CORS_ORIGINS: &[&str] = &["http://127.0.0.1:8000", "http://localhost:8000"];
/// Largest request body accepted (bytes).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Settings of the API.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Origins allowed by CORS (exact matches; no wildcard, no credentials).
    pub cors_origins: Vec<String>,
    /// Largest request body in bytes (413 above).
    pub body_limit: usize,
    /// Strategy of requests that name none.
    pub strategy: Strategy,
    /// Absolute base URL of the API for links in the original client's
    /// answers (`""`: links relative to the API's origin).
    pub public_url: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            cors_origins: DEFAULT_CORS_ORIGINS.iter().map(|s| s.to_string()).collect(),
            body_limit: DEFAULT_BODY_LIMIT,
            strategy: DEFAULT_STRATEGY,
            public_url: String::new(),
        }
    }
}

impl ApiConfig {
    /// Defaults, with the CORS origins of the configuration when it has some.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut c = ApiConfig::default();
        if let Some(o) = &config.cors_origins {
            c.cors_origins = o.iter().filter(|s| !s.is_empty()).cloned().collect();
        }
        c
    }
}

/// What every handler shares: the stores, the catalogue in memory, settings.
pub struct AppState {
    pub vectors: Arc<dyn VectorStore>,
    pub meta: Arc<dyn MetadataStore>,
    pub catalog: Catalog,
    pub config: ApiConfig,
}

impl AppState {
    /// Read the catalogue and the active version from the metadata store.
    pub async fn load(
        vectors: Arc<dyn VectorStore>,
        meta: Arc<dyn MetadataStore>,
        config: ApiConfig,
    ) -> Result<Self> {
        let movies = meta.all_movies().await?;
        let model = meta.active_version().await?;
        Ok(AppState {
            vectors,
            meta,
            catalog: Catalog::new(movies, model),
            config,
        })
    }

    /// 503 unless a catalogue is loaded.
    pub fn require_catalog(&self) -> ApiResult<&Catalog> {
        if self.catalog.is_empty() {
            Err(ApiError::unavailable(
                "no model version is loaded; run `reelgraph load` first",
            ))
        } else {
            Ok(&self.catalog)
        }
    }

    pub fn model_version(&self) -> Option<u64> {
        self.catalog.model.as_ref().map(|m| m.version)
    }
}

pub type State = Arc<AppState>;

/// The API router (every route above), with CORS and the body limit.
pub fn router(state: State) -> Router {
    let limit = state.config.body_limit;
    let cors = cors(&state.config.cors_origins);
    Router::new()
        .route("/health", get(v1::health))
        .route("/ready", get(v1::ready))
        .route("/api/v1/stats", get(v1::stats))
        .route("/api/v1/genres", get(v1::genres))
        .route("/api/v1/movies/random", get(v1::random))
        .route("/api/v1/movies/search", get(v1::search))
        .route("/api/v1/movies/{id}", get(v1::movie))
        .route("/api/v1/movies/{id}/similar", get(v1::similar))
        .route("/api/v1/movies/{id}/poster", get(v1::poster))
        .route("/api/v1/recommendations", post(v1::recommendations))
        .route("/getRandom", post(legacy::get_random))
        .route("/getInfo", get(legacy::get_info))
        .route("/getSimilarUser", post(legacy::get_similar_user))
        .route("/getImage", get(legacy::get_image))
        .route("/countTable", get(legacy::count_table))
        .route("/openapi.json", get(docs::openapi_json))
        .route("/docs", get(docs::index))
        .route("/docs/", get(docs::index))
        .route("/docs/{file}", get(docs::asset))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(cors)
        .with_state(state)
}

/// [`router`] plus the static files of `web` for every other GET.
pub fn router_with_web(state: State, web: &Path) -> Router {
    let files = tower_http::services::ServeDir::new(web)
        .append_index_html_on_directories(true)
        .fallback(tower::service_fn(
            |req: axum::extract::Request| async move {
                Ok::<_, std::convert::Infallible>(
                    ApiError::not_found(format!("no route for {}", req.uri().path()))
                        .into_response(),
                )
            },
        ));
    let api = router(state);
    api.fallback_service(files)
}

fn cors(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter(|o| o.as_str() != "*")
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .max_age(std::time::Duration::from_secs(600))
}

async fn not_found(uri: axum::http::Uri) -> impl IntoResponse {
    ApiError::not_found(format!("no route for {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
