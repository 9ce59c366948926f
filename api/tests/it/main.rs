//! The API and the Lambda functions in process: one test binary (`cargo test
//! -p reelgraph-api --test it`), one module per area; `support` holds the
//! fixtures they share. `lambda_s3` is a binary of its own (it sets process
//! environment variables, see there).

mod support;

mod api;
mod api_contract;
mod api_feedback;
mod api_lambda;
mod api_legacy;
mod api_observe;
mod lambda_functions;
mod lambda_services;
mod lambda_watch;
mod serving_faults;
mod serving_swap;
mod template;
