//! AWS Lambda function `random`: random movies to rate and the genre list (`GET /api/v1/movies/random`,
//! `GET /api/v1/genres`, `POST /getRandom`).
//!
//! The stores and the router are built once per container by
//! [`reelgraph_api::function::start`] (configuration from `REELGRAPH_*` variables:
//! self-contained or services mode), then `lambda_http` serves every invocation.

use reelgraph_api::Group;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    reelgraph_api::function::init_logging();
    let app = reelgraph_api::function::start(Group::Random).await;
    lambda_http::run(app).await
}
