//! AWS Lambda function `info`: a movie, similar movies, posters, search, stats, health, the OpenAPI
//! document and docs (`/api/v1/movies/{id}[/similar|/poster]`, `/api/v1/movies/search`,
//! `/api/v1/stats`, `/health`, `/ready`, `/openapi.json`, `/docs`, `/getInfo`, `/getImage`,
//! `/countTable`).
//!
//! The stores and the router are built once per container by
//! [`reelgraph_api::function::start`] (configuration from `REELGRAPH_*` variables:
//! self-contained or services mode), then `lambda_http` serves every invocation.

use reelgraph_api::Group;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    reelgraph_api::function::init_logging();
    let app = reelgraph_api::function::start(Group::Info).await;
    lambda_http::run(app).await
}
