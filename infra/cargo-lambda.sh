#!/usr/bin/env bash
# cargo-lambda (the `cargo-lambda` PyPI package: `cargo lambda watch`, the
# Lambda emulator the function tests run, and `cargo lambda build`, which
# `sam build` uses) installed on first use into the project's virtualenv, with
# the other tools of infra/requirements.txt (pinned versions).
# Nothing runs in the background: the test starts `cargo lambda watch` itself.
#
#   infra/cargo-lambda.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_CARGO_LAMBDA=...
#   infra/cargo-lambda.sh stop  [STATE_DIR]   nothing to stop
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
VENV=${REELGRAPH_VENV:-$DEFAULT_VENV}

case "${1:-}" in
  start)
    venv_ensure "$VENV" "$INFRA_DIR/requirements.txt"
    log "cargo-lambda: $("$VENV/bin/cargo-lambda" lambda --version)"
    echo "export REELGRAPH_TEST_CARGO_LAMBDA=$VENV/bin/cargo-lambda"
    ;;
  stop) ;;
  *) usage "infra/cargo-lambda.sh start|stop [STATE_DIR]" ;;
esac
