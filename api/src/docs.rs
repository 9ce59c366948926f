//! `/openapi.json` (utoipa) and `/docs`: Swagger UI vendored from
//! `swagger-ui-dist` (see `api/assets/swagger/README.md`), served from the
//! binary so the docs work with no network.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

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
    components(
    responses(Unavailable, LegacyUnavailable),
    schemas(
        ErrorBody,
        LegacyErrorBody,
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
        crate::feedback::FeedbackRequest,
        crate::feedback::FeedbackMark,
        crate::feedback::FeedbackList,
        crate::feedback::SignalName,
    )),
    tags(
        (name = "recommendations", description = "recommendations from liked and disliked movies"),
        (name = "movies", description = "the catalogue"),
        (name = "service", description = "health, readiness, statistics"),
        (name = "original client", description = "routes of the original React client, byte-compatible bodies"),
    )
)]
pub struct ApiDoc;

/// Description of the 503 answer, which every route can give.
const UNAVAILABLE: &str = "No model version is served yet, a backing store failed or is slow, \
or the request did not complete within the deadline (`--deadline-ms`); retry after \
`Retry-After` seconds.";

fn retry_after() -> utoipa::openapi::header::Header {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .pattern(Some("^[0-9]+$")),
        )
        .description(Some("seconds to wait before retrying"))
        .build()
}

fn unavailable(body: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(UNAVAILABLE)
        .header("Retry-After", retry_after())
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(body)).build(),
        )
        .build()
}

/// The 503 of the v1 routes: an [`ErrorBody`] with `Retry-After`.
pub struct Unavailable;

impl<'r> utoipa::ToResponse<'r> for Unavailable {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        let body = RefOr::Ref(Ref::from_schema_name("ErrorBody"));
        ("Unavailable", unavailable(body).into())
    }
}

/// The 503 of the original client's routes, with `Retry-After`: the
/// original error shape ([`LegacyErrorBody`]) from the route itself, or an
/// [`ErrorBody`] when the request's deadline passed (the deadline is
/// enforced in front of every route).
pub struct LegacyUnavailable;

impl<'r> utoipa::ToResponse<'r> for LegacyUnavailable {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        let body = OneOfBuilder::new()
            .item(Ref::from_schema_name("LegacyErrorBody"))
            .item(Ref::from_schema_name("ErrorBody"))
            .into();
        ("LegacyUnavailable", unavailable(body).into())
    }
}

/// An error of the original client's routes: `["Error with <field>: <message>", <status>]`.
pub struct LegacyErrorBody;

impl utoipa::PartialSchema for LegacyErrorBody {
    fn schema() -> RefOr<Schema> {
        // Two items: the message (a string), then the status (an integer).
        ArrayBuilder::new()
            .items(
                OneOfBuilder::new()
                    .item(
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::String))
                            .pattern(Some("^Error with ")),
                    )
                    .item(
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::Integer))
                            .minimum(Some(400))
                            .maximum(Some(599)),
                    ),
            )
            .min_items(Some(2))
            .max_items(Some(2))
            .description(Some(
                "`[\"Error with <field>: <message>\", <status>]`, the original server's error shape",
            ))
            .into()
    }
}

impl utoipa::ToSchema for LegacyErrorBody {}

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
