#!/usr/bin/env bash
# Lambda benchmark (serving issue goals): builds the three functions in release
# mode (as `cargo lambda build --release` / `sam build` do, for the host
# architecture), prints their sizes and measures their cold start in
# self-contained mode with a 4k-item version read from a local S3 server
# (api/benches/cold_start.rs: process start → ready, goal ≤ 50 ms).
#
#   scripts/bench-lambda.sh
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
cd "$REPO_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
cargo build --release --locked --quiet -p reelgraph-fn-random -p reelgraph-fn-recommend -p reelgraph-fn-info
REELGRAPH_FUNCTIONS_DIR="$CARGO_TARGET_DIR/release" \
  cargo bench --profile dev --workspace --locked --quiet --bench cold_start
