#!/usr/bin/env bash
# Validate template.yaml: `sam validate --lint` and `cfn-lint`.
# Uses the tools of $REELGRAPH_VENV (default ~/.cache/reelgraph/venv), installing
# aws-sam-cli and cfn-lint there when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${REELGRAPH_VENV:-$HOME/.cache/reelgraph/venv}"
if [ ! -x "$VENV/bin/sam" ] || [ ! -x "$VENV/bin/cfn-lint" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet aws-sam-cli cfn-lint
fi
export SAM_CLI_TELEMETRY=0
# sam validate needs a region and some credentials to be configured, though it makes no call with --lint.
export AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-validate-only}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-validate-only}"
"$VENV/bin/sam" validate --lint --region us-east-1 --template-file template.yaml
"$VENV/bin/cfn-lint" template.yaml
echo "template.yaml: sam validate --lint and cfn-lint passed"
