//! AWS Lambda function `recommend`: recommendations (`POST /api/v1/recommendations`, `POST /getSimilarUser`)
//! and visitors' feedback (`/api/v1/feedback`).
//!
//! The stores and the router are built once per container by
//! [`reelgraph_api::function::start`] (configuration from `REELGRAPH_*` variables:
//! self-contained or services mode), then `lambda_http` serves every invocation.

use reelgraph_api::Group;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    reelgraph_api::function::init_logging();
    let app = reelgraph_api::function::start(Group::Recommend).await;
    // Buffered feedback (self-contained mode) is written before the container goes.
    reelgraph_api::function::flush_on_sigterm();
    lambda_http::run(app).await
}
