//! AWS Lambda function `train`: the trainer job.
//!
//! Each invocation runs [`reelgraph_trainer::job::run`]: start a job (an
//! on-demand payload `{"dataset": "s3://…", "settings": {…}, "job": "ID"}`,
//! every field optional, or an EventBridge scheduled event, which uses the
//! defaults) or continue one (`{"job": "ID"}`), train until done or until the
//! invocation's deadline minus `REELGRAPH_TRAIN_MARGIN_S`, and answer
//! `{"status": "continue", "job": ID}` (the checkpoint is in the object
//! store; invoke again) or `{"status": "published", "version": N, …}`.
//! Configuration (`REELGRAPH_MODELS`, `REELGRAPH_DATA`,
//! `REELGRAPH_TRAIN_SETTINGS`, services mode's `REELGRAPH_DB` and
//! `REELGRAPH_VECTORS`) is read once per container.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use reelgraph_trainer::job::{self, Invocation, JobConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        .without_time()
        .init();
    // Bounded: an unreachable Secrets Manager fails the start-up in time.
    let config = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        JobConfig::from_env_with_secrets(),
    )
    .await
    .map_err(|_| "reading the configuration's secret took over 20 s".to_string())?
    .map_err(|e| format!("{e:#}"))?;
    let config = Arc::new(config);
    tracing::info!(models = %config.models, load = config.load.is_some(), "trainer ready");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let config = config.clone();
        async move {
            let deadline = event.context.deadline();
            // Boxed: the job's future is large.
            let answer = Box::pin(async {
                let invocation = Invocation::parse(&event.payload)?;
                job::run(&config, invocation, deadline).await
            })
            .await
            .map_err(|e| {
                tracing::error!("{e:#}");
                format!("{e:#}")
            })?;
            Ok::<_, Error>(serde_json::to_value(answer)?)
        }
    }))
    .await
}
