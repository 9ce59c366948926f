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
//! | `GET /ready` | the served version is the active one and its stores answer (503 otherwise) |
//! | `GET /api/v1/stats` | counts, active model version and its metrics |
//! | `GET /api/v1/genres` | the genres of the catalogue |
//! | `GET /api/v1/movies/random?n=16[&genre=…]` | random movies to rate |
//! | `GET /api/v1/movies/search?q=…[&limit=20]` | title search, case and accent insensitive |
//! | `GET /api/v1/movies/{id}` | one movie |
//! | `GET /api/v1/movies/{id}/similar?k=20` | nearest movies |
//! | `GET /api/v1/movies/{id}/poster[?placeholder=true]` | 302 to the poster, or an SVG placeholder |
//! | `POST /api/v1/recommendations` | recommendations from liked/disliked movies |
//! | `POST /api/v1/feedback`, `GET`/`DELETE /api/v1/feedback?visitor=UUID` | record, list (newest first), forget a visitor's signals ([`feedback`]) |
//! | `GET /openapi.json`, `GET /docs` | OpenAPI 3 document, Swagger UI (vendored) |
//! | `POST /getRandom`, `GET /getInfo`, `POST /getSimilarUser`, `GET /getImage`, `GET /countTable` | the original client's routes ([`legacy`]) |
//!
//! Errors are `{"error": {"code", "message", "field"}}` with 400/404/413/422/429/503.
//!
//! Each Lambda function serves one [`Group`] of these routes ([`router_for`]).
//! The catalogue is read once into memory ([`catalog::Catalog`]).

pub mod caching;
pub mod catalog;
pub mod docs;
pub mod error;
pub mod feedback;
pub mod function;
pub mod input;
pub mod json;
pub mod legacy;
pub mod observe;
pub mod poster;
pub mod recommend;
pub mod serving;
pub mod ui;
pub mod v1;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa_axum::router::UtoipaMethodRouter;
use utoipa_axum::routes;

use crate::recommend::{DEFAULT_STRATEGY, Strategy};
use crate::serving::{Serving, Snapshot, VersionSource};

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
    /// Every request is answered within this time: past it, a JSON 503 with
    /// `Retry-After` (a store that hangs cannot hold a request).
    pub deadline: Duration,
    /// How often the served version is compared with the active one.
    pub refresh_interval: Duration,
    /// Requests handled at once; more wait (within their deadline).
    pub max_concurrency: usize,
    /// In a Lambda function, its name: every request is also printed as a
    /// CloudWatch Embedded Metric Format record ([`observe::Metrics::emf`]).
    pub emf_function: Option<String>,
    /// How long the answers of the public counting routes (`/ready`,
    /// `/api/v1/stats`, `/countTable`) are reused for the same served
    /// version (zero: never).
    pub count_cache: Duration,
    /// Hosts the poster routes redirect to (`https://` only); any other
    /// poster URL gets the placeholder.
    pub poster_hosts: reelgraph_core::settings::Hosts,
    /// Requests of one visitor to `/api/v1/feedback` ([`feedback::Limiter`]).
    pub feedback_rate: feedback::RateLimit,
}

/// Default of [`ApiConfig::count_cache`].
pub const DEFAULT_COUNT_CACHE: Duration = Duration::from_secs(2);

/// Default per-request deadline.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
/// Default limit of requests handled at once.
pub const DEFAULT_MAX_CONCURRENCY: usize = 512;

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
            deadline: DEFAULT_DEADLINE,
            refresh_interval: serving::DEFAULT_REFRESH_INTERVAL,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            emf_function: None,
            count_cache: DEFAULT_COUNT_CACHE,
            poster_hosts: reelgraph_core::settings::Sources::default()
                .require(&reelgraph_core::settings::POSTER_HOSTS, None)
                .unwrap_or_default(),
            feedback_rate: feedback::RateLimit::default(),
        }
    }
}

/// What every handler shares: the served model version (swapped whole when
/// another is activated) and the settings.
pub struct AppState {
    pub serving: Arc<Serving>,
    pub config: ApiConfig,
    /// Requests by route and status, latencies ([`observe`]).
    pub metrics: observe::Metrics,
    /// Where visitors' signals are kept (`None`: the feedback routes
    /// answer 503).
    pub feedback: Option<Arc<dyn reelgraph_stores::feedback::FeedbackStore>>,
    /// Visitors' request rates on the feedback routes.
    pub limiter: feedback::Limiter,
    cache: CountCache,
}

/// Recent answers of the counting routes: when, for which served version.
type CountCache = std::sync::Mutex<
    std::collections::HashMap<
        &'static str,
        (
            std::time::Instant,
            Option<u64>,
            Arc<dyn std::any::Any + Send + Sync>,
        ),
    >,
>;

impl AppState {
    pub fn new(serving: Arc<Serving>, config: ApiConfig) -> Self {
        AppState {
            serving,
            config,
            metrics: observe::Metrics::default(),
            feedback: None,
            limiter: feedback::Limiter::default(),
            cache: CountCache::default(),
        }
    }

    /// This state with `store` keeping visitors' signals.
    pub fn with_feedback(
        mut self,
        store: Arc<dyn reelgraph_stores::feedback::FeedbackStore>,
    ) -> Self {
        self.feedback = Some(store);
        self
    }

    /// The answer `compute` gives, reused for [`ApiConfig::count_cache`]
    /// while the same version is served: what the public counting routes
    /// use, so a flood of them costs one store call every few seconds.
    pub(crate) async fn cached<T>(
        &self,
        key: &'static str,
        compute: impl std::future::Future<Output = T>,
    ) -> T
    where
        T: Clone + Send + Sync + 'static,
    {
        let ttl = self.config.count_cache;
        let version = self.model_version();
        if !ttl.is_zero() {
            let hit = self.cache.lock().expect("lock poisoned").get(key).cloned();
            if let Some((at, v, value)) = hit
                && at.elapsed() < ttl
                && v == version
                && let Ok(t) = value.downcast::<T>()
            {
                return (*t).clone();
            }
        }
        let value = compute.await;
        if !ttl.is_zero() {
            self.cache.lock().expect("lock poisoned").insert(
                key,
                (std::time::Instant::now(), version, Arc::new(value.clone())),
            );
        }
        value
    }

    /// The state of `source`'s versions: the active one is built now. When
    /// none is active, or it fails to build, the state is still returned
    /// (requests answer 503 until a version is served; the reason is in
    /// [`Serving::status`] and the logs).
    pub async fn open(source: Arc<dyn VersionSource>, config: ApiConfig) -> Self {
        let serving = Serving::new(source, config.refresh_interval);
        let _ = serving.refresh().await;
        Self::new(serving, config)
    }

    /// Metrics in the Prometheus text format: requests and latencies by
    /// route, the served version, swaps and swap failures.
    pub fn metrics_text(&self) -> String {
        let status = self.serving.status();
        self.metrics.render(&[
            (
                "model_version",
                "The model version served (0: none).",
                self.model_version().unwrap_or(0) as f64,
            ),
            (
                "version_swaps",
                "Model versions swapped in since start.",
                status.swaps as f64,
            ),
            (
                "version_swap_failing",
                "1 while the active version failed to build or verify.",
                f64::from(u8::from(status.failed_version.is_some())),
            ),
        ])
    }

    /// The snapshot a request is answered from; 503 when none is served.
    /// Starts a background refresh when one is due.
    pub fn served(&self) -> ApiResult<Arc<Snapshot>> {
        self.serving.refresh_if_due();
        self.serving.current().ok_or_else(|| {
            ApiError::unavailable("no model version is loaded; run `reelgraph load` first")
        })
    }

    pub fn model_version(&self) -> Option<u64> {
        self.serving.current().map(|s| s.version())
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
    /// Recommendations: `POST /api/v1/recommendations`, `POST /getSimilarUser`,
    /// and visitors' feedback: `POST`, `GET`, `DELETE /api/v1/feedback`.
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
        (Recommend, Doc(routes!(feedback::record))),
        (Recommend, Doc(routes!(feedback::list))),
        (Recommend, Doc(routes!(feedback::forget))),
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
    bounded(build(state.clone(), None), &state)
}

/// The router of one endpoint group (one Lambda function): the group's
/// routes with the same handlers, CORS and body limit as [`router`]. A
/// route of another group answers 404, naming the function that serves it.
pub fn router_for(group: Group, state: State) -> Router {
    bounded(build(state.clone(), Some(group)), &state)
}

fn build(state: State, only: Option<Group>) -> Router {
    let limit = state.config.body_limit;
    let cors = cors(&state.config.cors_origins);
    let mut router = Router::new();
    // Paths of another group, answered once for every method.
    let mut elsewhere = std::collections::HashSet::new();
    for route in routes() {
        if only.is_none_or(|g| g == route.group) {
            router = router.route(&route.path, route.handler);
        } else if elsewhere.insert(route.path.clone()) {
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
        // Inside CORS: a 304 carries the CORS headers too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            caching::cache_headers,
        ))
        .layer(cors)
        .with_state(state)
}

/// The limits every answer is under: at most `max_concurrency` requests
/// handled at once (one semaphore for every route; more wait), each within
/// `deadline` (waiting included); security headers; a log line and metrics
/// per request ([`observe`]).
fn bounded(app: Router, state: &State) -> Router {
    let config = &state.config;
    app.layer(tower::limit::GlobalConcurrencyLimitLayer::new(
        config.max_concurrency.max(1),
    ))
    .layer(axum::middleware::from_fn_with_state(
        config.deadline,
        within_deadline,
    ))
    .layer(axum::middleware::from_fn(security_headers))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        observe::observe,
    ))
}

/// The Content-Security-Policy of every answer: the UI's own scripts and
/// styles only, posters from any `https:` host, API calls to its own origin,
/// never framed. Swagger UI (`/docs`) also needs inline styles.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' https: data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' https: data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every answer (unless a handler set them): no MIME
/// sniffing, never framed, no referrer, the [`CSP`].
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let docs = request.uri().path().starts_with("/docs");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let csp = if docs { CSP_DOCS } else { CSP };
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, csp),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// Answer within `deadline`: a handler still waiting on a store past it is
/// dropped (cancelling its store calls) and the client gets a JSON 503 with
/// `Retry-After`.
async fn within_deadline(
    axum::extract::State(deadline): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_string();
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path,
                deadline_ms = deadline.as_millis() as u64,
                "deadline exceeded"
            );
            ApiError::unavailable(format!(
                "the request did not complete within {} ms (a backing store is slow or down); retry later",
                deadline.as_millis()
            ))
            .into_response()
        }
    }
}

/// [`router`] plus the web UI's files ([`ui::Ui`]) for every other path.
pub fn router_with_ui(state: State, ui: ui::Ui) -> Router {
    let ui = Arc::new(ui);
    let files = tower::service_fn(move |req: axum::extract::Request| {
        let ui = ui.clone();
        async move {
            Ok::<_, std::convert::Infallible>(ui.respond(
                req.method(),
                req.uri().path(),
                req.headers(),
            ))
        }
    });
    bounded(build(state.clone(), None).fallback_service(files), &state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter(|o| o.as_str() != "*")
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
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
