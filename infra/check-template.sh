#!/usr/bin/env bash
# Validate template.yaml: `sam validate --lint`, `cfn-lint`, and no circular
# dependency between its resources after the SAM transform (infra/template-graph.py;
# the linters do not see one that goes through an HTTP API's generated OpenAPI body).
# Uses the tools of $REELGRAPH_VENV (default ~/.cache/reelgraph/venv), first
# installing there the versions of aws-sam-cli and cfn-lint (and of the other
# tools) that infra/requirements.txt pins if it lacks one.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
VENV="${REELGRAPH_VENV:-$DEFAULT_VENV}"
venv_ensure "$VENV" infra/requirements.txt
export SAM_CLI_TELEMETRY=0
# sam validate needs a region and some credentials to be configured, though it makes no call with --lint.
export AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-validate-only}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-validate-only}"
"$VENV/bin/sam" validate --lint --region us-east-1 --template-file template.yaml
"$VENV/bin/cfn-lint" template.yaml
"$VENV/bin/python" infra/template-graph.py template.yaml
echo "template.yaml: sam validate --lint, cfn-lint and the dependency check passed"
