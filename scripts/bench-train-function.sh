#!/usr/bin/env bash
# Trainer function benchmark (cloud issue): builds the `train` function in
# release mode (as `cargo lambda build --release` / `sam build` do, for the
# host architecture) and runs it as Lambda runs it on ml-100k and on a
# generated 1M-interaction graph, each invocation with the same budget, until
# it publishes (functions/train/benches/train_function.rs): invocations, wall
# and CPU time, peak memory, the version's artifact size.
#
#   scripts/bench-train-function.sh [ml100k] [1m]
#
# REELGRAPH_BENCH_BUDGET_S (default 900) and REELGRAPH_BENCH_MARGIN_S (default
# 60) set each invocation's time and the function's margin.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
cd "$REPO_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
cargo build --release --locked --quiet -p reelgraph-fn-train
echo "train function (release): $(du -b "$CARGO_TARGET_DIR/release/train" | awk '{printf "%.1f MB", $1 / 1e6}')"
REELGRAPH_TRAIN_FUNCTION="$CARGO_TARGET_DIR/release/train" \
  cargo bench --profile dev --workspace --locked --quiet --bench train_function -- "$@"
