#!/usr/bin/env bash
# The AWS CLI (`aws`, the `awscli` PyPI package) installed on first use into
# the project's virtualenv, with the other tools of infra/requirements.txt
# (pinned versions): the tests run `infra/deploy.sh web` with it against the
# local S3 server. Nothing runs in the background.
#
#   infra/aws-cli.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_AWS_CLI=...
#   infra/aws-cli.sh stop  [STATE_DIR]   nothing to stop
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
VENV=${REELGRAPH_VENV:-$DEFAULT_VENV}

case "${1:-}" in
  start)
    venv_ensure "$VENV" "$INFRA_DIR/requirements.txt"
    log "aws: $("$VENV/bin/aws" --version 2>&1)"
    echo "export REELGRAPH_TEST_AWS_CLI=$VENV/bin/aws"
    ;;
  stop) ;;
  *) usage "infra/aws-cli.sh start|stop [STATE_DIR]" ;;
esac
