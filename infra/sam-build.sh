#!/usr/bin/env bash
# `sam build` of template.yaml, then a check that what it built serves.
#
#   infra/sam-build.sh [BUILD_DIR]     (default: a temporary directory)
#
# Builds the four functions with SAM's `rust-cargolambda` builder (it runs
# `cargo lambda build --release --bin <function>` in the checkout) for
# $REELGRAPH_SAM_ARCH (default x86_64, the template's default; arm64 is an
# unverified option: it needs the `aarch64-unknown-linux-gnu` Rust standard
# library, which this machine does not have and cannot download). Cargo builds
# into $REELGRAPH_SAM_TARGET (default
# ~/.cache/reelgraph-sam-target, outside the checkout, so a fresh clone reuses
# the compiled dependencies; a cold build takes about 10 minutes on 2 cores).
#
# Then every built `bootstrap` is started as Lambda starts it, against an
# in-process Lambda Runtime API, in self-contained mode with a 4k-item version
# on a local S3 server (api/benches/cold_start.rs): each must answer one of
# the events of events/ with status 200. The table it prints gives the
# artifacts' sizes and cold starts. The trainer's `bootstrap` is run the same
# way by functions/train's test (REELGRAPH_TRAIN_FUNCTION names it): on a
# small generated dataset in a local S3 it answers the scheduled event of
# events/train/ with `continue` (a checkpoint in S3), then `published`.
#
# Uses the SAM CLI and cargo-lambda of $REELGRAPH_VENV (default
# ~/.cache/reelgraph/venv), first installing there the versions of them (and of
# the other tools) that infra/requirements.txt pins if it lacks one.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
VENV="${REELGRAPH_VENV:-$DEFAULT_VENV}"
ARCH="${REELGRAPH_SAM_ARCH:-x86_64}"
venv_ensure "$VENV" infra/requirements.txt
if [ -n "${1:-}" ]; then
  BUILD="$1"
  mkdir -p "$BUILD"
else
  BUILD=$(mktemp -d)
  trap 'rm -rf "$BUILD"' EXIT
fi

# sam runs cargo through cargo-lambda, which it finds on PATH beside cargo.
export PATH="$VENV/bin:$PATH"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1
bench_target="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
start=$(date +%s)
CARGO_TARGET_DIR="${REELGRAPH_SAM_TARGET:-$HOME/.cache/reelgraph-sam-target}" \
  sam build --template-file template.yaml --build-dir "$BUILD/sam" \
  --parameter-overrides "Architecture=$ARCH"
echo "sam build ($ARCH): $(($(date +%s) - start)) s"

mkdir -p "$BUILD/functions"
for f in random:RandomFunction recommend:RecommendFunction info:InfoFunction; do
  bin="$BUILD/sam/${f#*:}/bootstrap"
  if [ ! -x "$bin" ]; then
    log "sam build did not produce $bin"
    exit 1
  fi
  ln -sf "$bin" "$BUILD/functions/${f%%:*}"
done
REELGRAPH_FUNCTIONS_DIR="$BUILD/functions" CARGO_TARGET_DIR="$bench_target" \
  cargo bench --profile dev --workspace --locked --quiet --bench cold_start
train="$BUILD/sam/TrainFunction/bootstrap"
if [ ! -x "$train" ]; then
  log "sam build did not produce $train"
  exit 1
fi
echo "| train     | $(du -b "$train" | awk '{printf "%8.1f MB", $1 / 1e6}') |"
REELGRAPH_TRAIN_FUNCTION="$train" CARGO_TARGET_DIR="$bench_target" \
  cargo test --workspace --locked --quiet --test it the_built_function_continues
echo "sam build artifacts start and answer their events"
