//! # reelgraph-api
//!
//! The top layer: recommendations ([`recommend`]), the HTTP API — one axum
//! [`Router`] for the local server and every Lambda function — and the
//! start-up the functions share ([`function`]).
//!
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
//!
//! Each Lambda function serves one [`Group`] of these routes ([`router_for`]).
//! The catalogue is read once into memory ([`catalog::Catalog`]).

pub mod catalog;
pub mod docs;
pub mod error;
pub mod function;
pub mod input;
pub mod legacy;
pub mod poster;
pub mod recommend;
pub mod v1;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

use crate::recommend::{DEFAULT_STRATEGY, Strategy};
use reelgraph_core::error::Result;
use reelgraph_stores::metadata::MetadataReader;
use reelgraph_stores::vector::VectorReader;

pub use catalog::Catalog;
pub use error::{ApiError, ApiResult};

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
    /// answers (`""`: built from the request's `Host`, see [`legacy::LinkBase`]).
    pub public_url: String,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            // The setting's default (the local UI), parsed like any value.
            cors_origins: reelgraph_core::settings::Sources::default()
                .require::<reelgraph_core::settings::Origins>(
                    &reelgraph_core::settings::CORS_ORIGINS,
                    None,
                )
                .map(|o| o.0)
                .unwrap_or_default(),
            body_limit: DEFAULT_BODY_LIMIT,
            strategy: DEFAULT_STRATEGY,
            public_url: String::new(),
        }
    }
}

/// What every handler shares: the stores, the catalogue in memory, settings.
pub struct AppState {
    pub vectors: Arc<dyn VectorReader>,
    pub meta: Arc<dyn MetadataReader>,
    pub catalog: Catalog,
    pub config: ApiConfig,
}

impl AppState {
    /// Read the catalogue and the active version from the metadata store.
    pub async fn load(
        vectors: Arc<dyn VectorReader>,
        meta: Arc<dyn MetadataReader>,
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

/// The endpoint groups of the API: one AWS Lambda function serves each
/// (`functions/<name>`, and the functions of `template.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Random movies to rate and the genre list: `GET /api/v1/movies/random`,
    /// `GET /api/v1/genres`, `POST /getRandom`.
    Random,
    /// Recommendations: `POST /api/v1/recommendations`, `POST /getSimilarUser`.
    Recommend,
    /// Everything else: a movie, similar movies, posters, search, stats,
    /// health and readiness, the OpenAPI document and docs, `/getInfo`,
    /// `/getImage`, `/countTable`.
    Info,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Random, Group::Recommend, Group::Info];

    /// The function's name: `random`, `recommend`, `info`.
    pub fn name(self) -> &'static str {
        match self {
            Group::Random => "random",
            Group::Recommend => "recommend",
            Group::Info => "info",
        }
    }

    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Method and path (axum syntax) of every route of the group.
    pub fn routes(self) -> Vec<(Method, &'static str)> {
        static TABLE: OnceLock<Vec<(Group, Method, String)>> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                routes()
                    .into_iter()
                    .map(|r| (r.group, r.method, r.path))
                    .collect()
            })
            .iter()
            .filter(|(group, _, _)| *group == self)
            .map(|(_, method, path)| (method.clone(), path.as_str()))
            .collect()
    }
}

/// How a route is registered.
pub(crate) enum Registration {
    /// Through utoipa-axum's [`routes!`]: method, path and OpenAPI operation
    /// all come from the handler's `#[utoipa::path]`.
    Documented(UtoipaMethodRouter<State>),
    /// A route the OpenAPI document does not describe (the document itself
    /// and Swagger UI).
    Plain(Method, &'static str, MethodRouter<State>),
}

/// Every route of the API, each registered once, with the group that serves it.
pub(crate) fn registrations() -> Vec<(Group, Registration)> {
    use Group::*;
    use Registration::{Documented as Doc, Plain};
    vec![
        (Random, Doc(routes!(v1::random))),
        (Random, Doc(routes!(v1::genres))),
        (Random, Doc(routes!(legacy::get_random))),
        (Recommend, Doc(routes!(v1::recommendations))),
        (Recommend, Doc(routes!(legacy::get_similar_user))),
        (Info, Doc(routes!(v1::health))),
        (Info, Doc(routes!(v1::ready))),
        (Info, Doc(routes!(v1::stats))),
        (Info, Doc(routes!(v1::search))),
        (Info, Doc(routes!(v1::movie))),
        (Info, Doc(routes!(v1::similar))),
        (Info, Doc(routes!(v1::poster))),
        (Info, Doc(routes!(legacy::get_info))),
        (Info, Doc(routes!(legacy::get_image))),
        (Info, Doc(routes!(legacy::count_table))),
        (
            Info,
            Plain(Method::GET, "/openapi.json", get(docs::openapi_json)),
        ),
        (Info, Plain(Method::GET, "/docs", get(docs::index))),
        (Info, Plain(Method::GET, "/docs/", get(docs::index))),
        (Info, Plain(Method::GET, "/docs/{file}", get(docs::asset))),
    ]
}

/// One route of the API and the group that serves it.
struct Route {
    method: Method,
    path: String,
    group: Group,
    handler: MethodRouter<State>,
}

/// Every route of the API ([`registrations`]) with its method and path.
fn routes() -> Vec<Route> {
    registrations()
        .into_iter()
        .map(|(group, registration)| match registration {
            Registration::Documented((_, paths, handler)) => {
                let (path, item) = paths
                    .paths
                    .into_iter()
                    .next()
                    .expect("a handler of routes! has a path");
                Route {
                    method: method_of(&item),
                    path,
                    group,
                    handler,
                }
            }
            Registration::Plain(method, path, handler) => Route {
                method,
                path: path.to_string(),
                group,
                handler,
            },
        })
        .collect()
}

/// The method of a documented route (each handler has one).
fn method_of(item: &utoipa::openapi::PathItem) -> Method {
    [
        (&item.get, Method::GET),
        (&item.post, Method::POST),
        (&item.put, Method::PUT),
        (&item.delete, Method::DELETE),
        (&item.patch, Method::PATCH),
        (&item.head, Method::HEAD),
        (&item.options, Method::OPTIONS),
        (&item.trace, Method::TRACE),
    ]
    .into_iter()
    .find_map(|(op, method)| op.is_some().then_some(method))
    .expect("a documented route has an operation")
}

/// The API router (every route above), with CORS and the body limit.
pub fn router(state: State) -> Router {
    build(state, None)
}

/// The router of one endpoint group (one Lambda function): the group's
/// routes with the same handlers, CORS and body limit as [`router`]. A
/// route of another group answers 404, naming the function that serves it.
pub fn router_for(group: Group, state: State) -> Router {
    build(state, Some(group))
}

fn build(state: State, only: Option<Group>) -> Router {
    let limit = state.config.body_limit;
    let cors = cors(&state.config.cors_origins);
    let mut router = Router::new();
    for route in routes() {
        if only.is_none_or(|g| g == route.group) {
            router = router.route(&route.path, route.handler);
        } else {
            // Registered so that a path of another group is a plain 404
            // (`/api/v1/movies/random` would otherwise reach `/api/v1/movies/{id}`).
            let (here, there) = (only.map_or("", Group::name), route.group.name());
            router = router.route(
                &route.path,
                axum::routing::any(move |method: Method, uri: axum::http::Uri| async move {
                    ApiError::not_found(format!(
                        "no route for {method} {} in the {here} function; the {there} function serves it",
                        uri.path()
                    ))
                }),
            );
        }
    }
    router
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
