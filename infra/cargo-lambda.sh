#!/usr/bin/env bash
# cargo-lambda (the `cargo-lambda` PyPI package: `cargo lambda watch`, the
# Lambda emulator the function tests run, and `cargo lambda build`, which
# `sam build` uses) installed into the project's virtualenv on first use.
# Nothing runs in the background: the test starts `cargo lambda watch` itself.
#
#   infra/cargo-lambda.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_CARGO_LAMBDA=...
#   infra/cargo-lambda.sh stop  [STATE_DIR]   nothing to stop
set -euo pipefail
VENV=${REELGRAPH_VENV:-$HOME/.cache/reelgraph/venv}

case "${1:-}" in
  start)
    if ! "$VENV/bin/cargo-lambda" lambda --version >/dev/null 2>&1; then
      echo "installing cargo-lambda into $VENV" >&2
      [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" >&2
      "$VENV/bin/pip" install -q cargo-lambda >&2
    fi
    echo "cargo-lambda: $("$VENV/bin/cargo-lambda" lambda --version)" >&2
    echo "export REELGRAPH_TEST_CARGO_LAMBDA=$VENV/bin/cargo-lambda"
    ;;
  stop) ;;
  *) echo "usage: infra/cargo-lambda.sh start|stop [STATE_DIR]" >&2; exit 2 ;;
esac
