#!/usr/bin/env bash
# Deploy reelgraph to AWS: from an empty account to the live site, and back.
#
#   infra/deploy.sh [OPTION...] STEP...
#
# Steps (run in the order given; each is idempotent and runs alone):
#   build    sam build (template.yaml, samconfig.toml)
#   deploy   sam deploy: the stack (buckets, HTTP API, functions, CloudFront, alarms)
#   data     put a dataset in the artifacts bucket, s3://ARTIFACTS/data/NAME/: the folder
#            of --data, else `reelgraph data fetch NAME` (default ml-100k; MovieLens'
#            license: you download it yourself, from GroupLens)
#   train    start the trainer job (the stack's TrainStateMachineArn) on that dataset,
#            wait for it and report; each run publishes a new model version
#   web      publish web/ to the website bucket: assets under r/HASH/ cached for a year
#            (immutable: their path changes with their content), index.html and
#            env-config.js (naming the API as same-origin) never cached; then a
#            CloudFront invalidation of those two
#   url      print the site's URL
#   all      build deploy data train web url
#   delete   empty both buckets (every object version), `sam delete` the stack, delete
#            the artifacts bucket (the stack retains it); needs --yes
#
# Options:
#   --dry-run          print every command instead of running it (no AWS credentials,
#                      no stack needed: the stack's outputs are {OutputName} placeholders)
#   --env NAME         samconfig.toml environment (default: default)
#   --stack NAME       stack name (default: samconfig.toml's stack_name)
#   --region REGION    AWS region (default: samconfig.toml's region)
#   --param KEY=VALUE  template parameter for build and deploy, on top of samconfig.toml's
#                      (repeatable), e.g. --param ModelVersion=20261128102000
#   --data DIR         dataset folder for `data` (any format `reelgraph data inspect` reads)
#   --dataset NAME     dataset name: the folder under data/ in the bucket, and what
#                      `reelgraph data fetch` downloads without --data (default: ml-100k,
#                      or the name of the --data folder)
#   --train-input JSON input of the trainer's execution (default: {"dataset": "s3://ARTIFACTS/data/NAME"};
#                      the trainer's payload: {"dataset", "settings", "job"}, all optional)
#   --yes              confirm `delete`
#   --no-invalidation  `web` without the CloudFront invalidation (a bucket without a
#                      distribution, e.g. a local S3 server)
#
# Environment: REELGRAPH_OUTPUT_<Key> gives the stack output Key (e.g.
# REELGRAPH_OUTPUT_WebsiteBucketName=my-bucket) instead of reading it from the stack:
# with AWS_ENDPOINT_URL, `web` and `data` run against any S3 (a local server). REELGRAPH_BIN (the reelgraph binary for `data fetch`, default: reelgraph
# on PATH), REELGRAPH_DATA_CACHE (where `data fetch` downloads, default
# ~/.cache/reelgraph/data), REELGRAPH_WEB_SRC (the UI to publish, default web),
# REELGRAPH_WEB_STAGE (a directory to stage it into and keep, default: a temporary one), REELGRAPH_VENV (the SAM CLI and cargo-lambda, installed there
# from infra/requirements.txt if missing; default ~/.cache/reelgraph/venv). The AWS CLI
# (`aws`) must be installed and configured (credentials; the region comes from here).
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

SYNOPSIS="infra/deploy.sh [--dry-run] [--env NAME] [--stack NAME] [--region REGION] [--param KEY=VALUE]... [--data DIR] [--dataset NAME] [--train-input JSON] [--yes] STEP... (steps: build deploy data train web url all delete)"

DRY_RUN=0
CONFIG_ENV=default
STACK=""
REGION=""
PARAMS=()
DATA_DIR=""
DATASET=""
TRAIN_INPUT=""
YES=0
INVALIDATE=1
STEPS=()
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --yes) YES=1 ;;
    --no-invalidation) INVALIDATE=0 ;;
    --env | --stack | --region | --param | --data | --dataset | --train-input)
      [ $# -ge 2 ] || usage "$SYNOPSIS"
      case $1 in
        --env) CONFIG_ENV=$2 ;;
        --stack) STACK=$2 ;;
        --region) REGION=$2 ;;
        --param)
          [[ $2 =~ ^[A-Za-z0-9]+=.*$ ]] || die "--param $2: expected KEY=VALUE"
          PARAMS+=("$2")
          ;;
        --data) DATA_DIR=$2 ;;
        --dataset) DATASET=$2 ;;
        --train-input) TRAIN_INPUT=$2 ;;
      esac
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    build | deploy | data | train | web | url | delete) STEPS+=("$1") ;;
    all) STEPS+=(build deploy data train web url) ;;
    *) usage "$SYNOPSIS" ;;
  esac
  shift
done
[ ${#STEPS[@]} -gt 0 ] || usage "$SYNOPSIS"
if [ "$DRY_RUN" = 0 ] && [ "$YES" = 0 ] && [[ " ${STEPS[*]} " == *" delete "* ]]; then
  usage "infra/deploy.sh --yes delete: deletes the stack, its site, and every dataset and model version in its buckets"
fi

# --- samconfig.toml -------------------------------------------------------------

# samconfig COMMAND KEY: the value of KEY in [ENV.COMMAND.parameters], else in
# [ENV.global.parameters]; a list is printed one item a line. Empty if absent.
samconfig() {
  python3 - "$CONFIG_ENV" "$1" "$2" <<'EOF'
import sys, tomllib
env, command, key = sys.argv[1:]
with open("samconfig.toml", "rb") as f:
    config = tomllib.load(f)
for section in (command, "global"):
    value = config.get(env, {}).get(section, {}).get("parameters", {}).get(key)
    if value is not None:
        if isinstance(value, list):
            print("\n".join(str(v) for v in value))
        elif isinstance(value, bool):
            print(str(value).lower())
        else:
            print(value)
        break
EOF
}

[ -f samconfig.toml ] || die "samconfig.toml is missing (the checkout's root)"
python3 -c "import tomllib" 2>/dev/null || die "python3 3.11 or later is needed (it reads samconfig.toml)"
[ -n "$STACK" ] || STACK=$(samconfig deploy stack_name)
[ -n "$STACK" ] || die "no stack name: set stack_name in samconfig.toml [$CONFIG_ENV.global.parameters] or pass --stack"
[ -n "$REGION" ] || REGION=$(samconfig deploy region)
[ -n "$REGION" ] || die "no region: set region in samconfig.toml [$CONFIG_ENV.global.parameters] or pass --region"
[[ $STACK =~ ^[A-Za-z][A-Za-z0-9-]*$ ]] || die "stack name $STACK: letters, digits and hyphens, starting with a letter"

# --- running, or printing, commands ---------------------------------------------

# The plan (steps, and each command as it runs or would run) goes to stdout, also
# from inside $(…): file descriptor 3 is the script's stdout.
exec 3>&1

# show ARG...: prints "+ ARG..." on the plan, each argument quoted for a shell when
# it needs to be ({Placeholder} names of stack outputs are left bare).
show() {
  local out="+" a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@,+%{}-]+$ ]]; then
      out+=" $a"
    else
      out+=" '${a//\'/\'\\\'\'}'"
    fi
  done
  printf '%s\n' "$out" >&3
}

# run COMMAND...: prints it, and runs it unless --dry-run.
run() {
  show "$@"
  [ "$DRY_RUN" = 1 ] || "$@"
}

# capture PLACEHOLDER COMMAND...: prints the command; prints (for $(…)) its output,
# or PLACEHOLDER under --dry-run.
capture() {
  local placeholder=$1
  shift
  show "$@"
  if [ "$DRY_RUN" = 1 ]; then
    printf '%s\n' "$placeholder"
  else
    "$@"
  fi
}

step() { printf '==> %s\n' "$*"; }

AWS=(aws --region "$REGION")

need_aws() {
  [ "$DRY_RUN" = 1 ] && return 0
  command -v aws >/dev/null || die "the AWS CLI (aws) is not installed: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
}

# The SAM CLI and cargo-lambda (which `sam build` runs) of the project's virtualenv.
SAM=sam
need_sam() {
  [ "$DRY_RUN" = 1 ] && return 0
  local venv="${REELGRAPH_VENV:-$DEFAULT_VENV}"
  venv_ensure "$venv" infra/requirements.txt
  export PATH="$venv/bin:$PATH" SAM_CLI_TELEMETRY=0
}

# --- the stack's outputs --------------------------------------------------------

declare -A OUTPUTS=()
OUTPUTS_READ=0

# read_outputs KEY...: reads the stack's outputs (once per run, again after
# `deploy`) unless every KEY is given as REELGRAPH_OUTPUT_KEY. Not in $(…): it
# fills OUTPUTS for `output`.
read_outputs() {
  local k given=1
  for k in "$@"; do
    [ -n "$(printenv "REELGRAPH_OUTPUT_$k")" ] || given=0
  done
  [ "$given" = 0 ] || return 0
  [ "$OUTPUTS_READ" = 0 ] || return 0
  local query=(cloudformation describe-stacks --stack-name "$STACK"
    --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output text)
  show "${AWS[@]}" "${query[@]}"
  OUTPUTS_READ=1
  [ "$DRY_RUN" = 0 ] || return 0
  local key value lines
  lines=$("${AWS[@]}" "${query[@]}") ||
    die "cannot read the outputs of the stack $STACK in $REGION (deploy it first: infra/deploy.sh deploy)"
  while IFS=$'\t' read -r key value; do
    [ -n "$key" ] && OUTPUTS[$key]=$value
  done <<<"$lines"
}

# output KEY: the stack output KEY ({KEY} under --dry-run), after read_outputs;
# fails naming it when the stack has no such output.
output() {
  local given
  given=$(printenv "REELGRAPH_OUTPUT_$1" || true)
  if [ -n "$given" ]; then
    printf '%s\n' "$given"
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    printf '{%s}\n' "$1"
    return 0
  fi
  [ -n "${OUTPUTS[$1]:-}" ] || die "the stack $STACK in $REGION has no output $1"
  printf '%s\n' "${OUTPUTS[$1]}"
}

# --- steps ----------------------------------------------------------------------

# overrides COMMAND: --parameter-overrides with samconfig.toml's and the --param ones
# (later ones win), or nothing when no --param is given (sam reads samconfig.toml).
overrides() {
  [ ${#PARAMS[@]} -gt 0 ] || return 0
  local line p
  printf '%s\n' --parameter-overrides
  while IFS= read -r line; do
    [ -n "$line" ] && printf '%s\n' "$line"
  done < <(samconfig "$1" parameter_overrides)
  for p in "${PARAMS[@]}"; do
    # KEY= (an empty value, e.g. ModelVersion= to follow `latest` again) is KEY="" for sam.
    if [[ $p == *= ]]; then printf '%s""\n' "$p"; else printf '%s\n' "$p"; fi
  done
}

step_build() {
  step build
  need_sam
  local extra=()
  mapfile -t extra < <(overrides build)
  run "$SAM" build --config-env "$CONFIG_ENV" --template-file template.yaml "${extra[@]}"
}

step_deploy() {
  step deploy
  need_sam
  local extra=()
  mapfile -t extra < <(overrides deploy)
  run "$SAM" deploy --config-env "$CONFIG_ENV" --stack-name "$STACK" --region "$REGION" \
    --no-confirm-changeset --no-fail-on-empty-changeset "${extra[@]}"
  OUTPUTS_READ=0
}

dataset_name() {
  local name=$DATASET
  if [ -z "$name" ]; then
    if [ -n "$DATA_DIR" ]; then name=$(basename "$DATA_DIR"); else name=ml-100k; fi
  fi
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "dataset name $name: letters, digits, '.', '_' and '-' only (--dataset NAME)"
  printf '%s\n' "$name"
}

step_data() {
  step data
  need_aws
  local name src bucket
  name=$(dataset_name)
  if [ -n "$DATA_DIR" ]; then
    [ "$DRY_RUN" = 1 ] || [ -d "$DATA_DIR" ] || die "--data $DATA_DIR: no such directory"
    src=$DATA_DIR
  else
    local cache="${REELGRAPH_DATA_CACHE:-$HOME/.cache/reelgraph/data}" bin="${REELGRAPH_BIN:-reelgraph}"
    if [ "$DRY_RUN" = 0 ] && ! command -v "$bin" >/dev/null; then
      die "$bin is not on PATH: install it (cargo install --path .), set REELGRAPH_BIN, or give the dataset's folder with --data DIR"
    fi
    # Downloads once: a complete copy already in the cache is kept.
    run "$bin" data fetch "$name" --dir "$cache"
    src=$cache/$name
  fi
  read_outputs ArtifactsBucketName
  bucket=$(output ArtifactsBucketName)
  # The bucket's copy becomes exactly the folder (--delete): rerunning changes nothing.
  run "${AWS[@]}" s3 sync "$src/" "s3://$bucket/data/$name/" --delete --only-show-errors
}

step_train() {
  step train
  need_aws
  local name bucket arn input execution status
  name=$(dataset_name)
  read_outputs ArtifactsBucketName TrainStateMachineArn
  bucket=$(output ArtifactsBucketName)
  arn=$(output TrainStateMachineArn)
  input=${TRAIN_INPUT:-"{\"dataset\": \"s3://$bucket/data/$name\"}"}
  execution=$(capture "{ExecutionArn}" "${AWS[@]}" stepfunctions start-execution --state-machine-arn "$arn" \
    --name "$STACK-${name//./-}-$(date -u +%Y%m%dT%H%M%SZ)" --input "$input" --query executionArn --output text)
  printf 'training: %s\n' "$execution"
  local describe=("${AWS[@]}" stepfunctions describe-execution --execution-arn "$execution")
  if [ "$DRY_RUN" = 1 ]; then
    show "${describe[@]}" --query status --output text
    printf '  (every 30 s while it is RUNNING; then its output, or its error and cause)\n'
    return 0
  fi
  while :; do
    status=$("${describe[@]}" --query status --output text)
    [ "$status" = RUNNING ] || break
    log "  $(date -u +%H:%M:%S) $status"
    sleep 30
  done
  if [ "$status" = SUCCEEDED ]; then
    printf 'training succeeded: %s\n' "$("${describe[@]}" --query output --output text)"
  else
    "${describe[@]}" --query "{status: status, error: error, cause: cause}" --output json >&2
    die "training ended $status (execution $execution)"
  fi
}

# content_type FILE: the Content-Type a browser must get for FILE; fails on a
# file the site does not serve (no guessing).
content_type() {
  case $1 in
    *.html) echo "text/html; charset=utf-8" ;;
    *.css) echo "text/css; charset=utf-8" ;;
    *.js | *.mjs) echo "text/javascript; charset=utf-8" ;;
    *.json) echo "application/json" ;;
    *.webmanifest) echo "application/manifest+json" ;;
    *.svg) echo "image/svg+xml" ;;
    *.png) echo "image/png" ;;
    *.jpg | *.jpeg) echo "image/jpeg" ;;
    *.webp) echo "image/webp" ;;
    *.ico) echo "image/x-icon" ;;
    *.woff2) echo "font/woff2" ;;
    *.txt) echo "text/plain; charset=utf-8" ;;
    *) return 1 ;;
  esac
}

CACHE_IMMUTABLE="public, max-age=31536000, immutable"
CACHE_NONE="no-cache"

step_web() {
  step web
  need_aws
  local stage keep=0
  if [ -n "${REELGRAPH_WEB_STAGE:-}" ]; then
    stage=$REELGRAPH_WEB_STAGE
    keep=1
    rm -rf "$stage"
    mkdir -p "$stage"
  else
    stage=$(mktemp -d)
  fi
  # The site's files: web/ without its tests, tooling and docs, and without
  # env-config.js, written here.
  local src=${REELGRAPH_WEB_SRC:-web}
  src=${src%/}
  local assets=() f
  while IFS= read -r f; do
    f=${f#"$src"/}
    case $f in
      index.html | env-config.js | README.md | run-tests.sh | package.json | package-lock.json) continue ;;
      tests/* | seed-client/* | node_modules/* | test-artifacts/* | .* | */.*) continue ;;
    esac
    [[ $f =~ ^[A-Za-z0-9_./-]+$ ]] || die "$src/$f: a file name the site cannot publish (letters, digits, . _ / - only)"
    content_type "$f" >/dev/null || die "$src/$f: no Content-Type known for it (add its extension to content_type in $0, or remove it)"
    assets+=("$f")
  done < <(find "$src" -type f | LC_ALL=C sort)
  [ -f "$src/index.html" ] || die "$src/index.html is missing"

  # The release: every asset under r/HASH/, HASH naming their paths and contents, so
  # they can be cached for a year and a new release never mixes with an old one.
  local hash release
  hash=$(for f in "${assets[@]}"; do printf '%s\n' "$f"; sha256sum <"$src/$f"; done | sha256sum | cut -c1-16)
  release=r/$hash
  for f in "${assets[@]}"; do
    mkdir -p "$stage/$release/$(dirname "$f")"
    cp "$src/$f" "$stage/$release/$f"
  done
  # index.html names them there (href="style.css" -> href="r/HASH/style.css").
  local sed_args=() pattern
  for f in "${assets[@]}"; do
    pattern=${f//./\\.}
    sed_args+=(-e "s#\\(href\\|src\\)=\"\\(\\./\\)\\{0,1\\}$pattern\"#\\1=\"$release/$f\"#g")
  done
  sed "${sed_args[@]}" "$src/index.html" >"$stage/index.html"
  # Nothing local may stay unversioned but env-config.js.
  local stale
  stale=$(grep -oE '(href|src)="[^"#:]+"' "$stage/index.html" | grep -vE "=\"($release/|env-config\\.js\")" || true)
  [ -z "$stale" ] || die "$src/index.html refers to files that are not published: $stale"
  cat >"$stage/env-config.js" <<'EOF'
// Written by infra/deploy.sh web. The API is on the site's own origin: CloudFront
// routes the API's paths (/api/*, /health, /ready, /openapi.json, /docs, and the
// original client's routes) to it, so API_BASE_URL is "" (same origin).
window._env_ = Object.assign({ API_BASE_URL: "" }, window._env_ || {});
EOF

  local bucket previous
  if [ "$INVALIDATE" = 1 ]; then read_outputs WebsiteBucketName DistributionId; else read_outputs WebsiteBucketName; fi
  bucket=$(output WebsiteBucketName)
  # The release index.html names now: kept one more release for pages already open.
  previous=$(capture "" "${AWS[@]}" s3 cp "s3://$bucket/index.html" - 2>/dev/null |
    grep -oE 'r/[0-9a-f]{16}/' | head -n 1 || true)
  # Assets first, then the configuration, then the page that names them.
  for f in "${assets[@]}"; do
    run "${AWS[@]}" s3 cp "$stage/$release/$f" "s3://$bucket/$release/$f" \
      --content-type "$(content_type "$f")" --cache-control "$CACHE_IMMUTABLE" --only-show-errors
  done
  run "${AWS[@]}" s3 cp "$stage/env-config.js" "s3://$bucket/env-config.js" \
    --content-type "$(content_type env-config.js)" --cache-control "$CACHE_NONE" --only-show-errors
  run "${AWS[@]}" s3 cp "$stage/index.html" "s3://$bucket/index.html" \
    --content-type "$(content_type index.html)" --cache-control "$CACHE_NONE" --only-show-errors
  # Everything else goes: releases older than the previous one (once a new release
  # is live: publishing the same one again changes nothing), files of older layouts.
  if [ "$previous" != "$release/" ]; then
    local keep_prev=()
    [ -z "$previous" ] || keep_prev=(--exclude "${previous#r/}*")
    run "${AWS[@]}" s3 rm "s3://$bucket/r/" --recursive --exclude "$hash/*" "${keep_prev[@]}" --only-show-errors
  fi
  run "${AWS[@]}" s3 rm "s3://$bucket/" --recursive --exclude "r/*" --exclude index.html \
    --exclude env-config.js --only-show-errors
  if [ "$INVALIDATE" = 1 ]; then
    run "${AWS[@]}" cloudfront create-invalidation --distribution-id "$(output DistributionId)" \
      --paths / /index.html /env-config.js --query Invalidation.Id --output text
  fi
  printf 'published %s/ as %s (%d assets)\n' "$src" "$release" "${#assets[@]}"
  [ "$keep" = 1 ] || rm -rf "$stage"
}

step_url() {
  step url
  need_aws
  read_outputs SiteUrl
  output SiteUrl
}

# empty_bucket BUCKET: deletes every version and delete marker of every object.
empty_bucket() {
  local bucket=$1 kind batch
  for kind in Versions DeleteMarkers; do
    local list=("${AWS[@]}" s3api list-object-versions --bucket "$bucket" --max-items 1000
      --query "{Objects: ${kind}[].{Key: Key, VersionId: VersionId}, Quiet: \`true\`}" --output json)
    if [ "$DRY_RUN" = 1 ]; then
      show "${list[@]}"
      show "${AWS[@]}" s3api delete-objects --bucket "$bucket" --delete "{the list above}"
      printf '  (repeated until the list is empty)\n'
      continue
    fi
    while :; do
      batch=$("${list[@]}")
      # An empty list: "Objects": null (nothing of this kind) or [].
      if ! grep -q '"Key"' <<<"$batch"; then break; fi
      show "${AWS[@]}" s3api delete-objects --bucket "$bucket" --delete "{$(grep -c '"Key"' <<<"$batch") objects}"
      "${AWS[@]}" s3api delete-objects --bucket "$bucket" --delete "$batch" >/dev/null
    done
  done
}

step_delete() {
  step delete
  need_aws
  need_sam
  local website artifacts
  read_outputs WebsiteBucketName ArtifactsBucketName
  website=$(output WebsiteBucketName)
  artifacts=$(output ArtifactsBucketName)
  empty_bucket "$website"
  empty_bucket "$artifacts"
  run "$SAM" delete --config-env "$CONFIG_ENV" --stack-name "$STACK" --region "$REGION" --no-prompts
  # The stack retains the artifacts bucket (DeletionPolicy: Retain); this step deletes it.
  run "${AWS[@]}" s3api delete-bucket --bucket "$artifacts"
}

for s in "${STEPS[@]}"; do
  "step_$s"
done
