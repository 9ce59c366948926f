//! `/openapi.json` (utoipa) and `/docs`: Swagger UI vendored from
//! `swagger-ui-dist` (see `api/assets/swagger/README.md`), served from the
//! binary so the docs work with no network.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use utoipa_axum::router::OpenApiRouter;

use super::error::{ApiError, ErrorBody, ErrorDetail};
use super::v1;
use crate::Registration;
use crate::recommend::Strategy;

/// Information, tags and schemas of the document; its paths come from the
/// routes as the router registers them ([`openapi`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "reelgraph API",
        description = "Movie recommendations from PinSAGE item embeddings: random movies to rate, \
recommendations from liked and disliked movies, movie details, similar movies, search and posters. \
Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`. The original client's routes \
(`/getRandom`, `/getInfo`, `/getSimilarUser`, `/getImage`, `/countTable`) keep their body shapes.",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        Strategy,
        v1::MovieSummary,
        v1::MovieList,
        v1::MovieDetail,
        v1::Because,
        v1::Recommendation,
        v1::Recommendations,
        v1::RecommendationRequest,
        v1::RecommendationFilters,
        v1::Health,
        v1::Ready,
        v1::Stats,
        v1::ModelInfo,
        v1::Genres,
    )),
    tags(
        (name = "recommendations", description = "recommendations from liked and disliked movies"),
        (name = "movies", description = "the catalogue"),
        (name = "service", description = "health, readiness, statistics"),
        (name = "original client", description = "routes of the original React client, byte-compatible bodies"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document: [`ApiDoc`] (information, tags, schemas) and the
/// operation of every documented route, as the router registers it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::registrations()
        .into_iter()
        .fold(
            OpenApiRouter::<crate::State>::with_openapi(ApiDoc::openapi()),
            |api, (_, registration)| match registration {
                Registration::Documented(route) => api.routes(route),
                Registration::Plain(..) => api,
            },
        )
        .into_openapi()
}

/// The OpenAPI document as JSON (built once).
pub fn openapi_bytes() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| openapi().to_pretty_json().unwrap_or_default().into_bytes())
}

pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_bytes(),
    )
        .into_response()
}

const INDEX: &[u8] = include_bytes!("../assets/swagger/index.html");
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/swagger/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/swagger/swagger-ui.css"),
    ),
    (
        "swagger-initializer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/swagger/swagger-initializer.js"),
    ),
    (
        "favicon-32x32.png",
        "image/png",
        include_bytes!("../assets/swagger/favicon-32x32.png"),
    ),
    (
        "LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/swagger/LICENSE"),
    ),
];

pub async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

pub async fn asset(file: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(file)) = file else {
        return ApiError::not_found("no such documentation file").into_response();
    };
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *body,
        )
            .into_response(),
        None => ApiError::not_found(format!("no documentation file {file:?}")).into_response(),
    }
}
