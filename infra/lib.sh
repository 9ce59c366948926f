# shellcheck shell=bash
# Shared helpers of the scripts in infra/ and scripts/. Source it, do not run it:
#
#   . "$(dirname "$0")/lib.sh"              # from infra/
#   . "$(dirname "$0")/../infra/lib.sh"     # from scripts/
#
# It only sets the variables and defines the functions below: it changes no
# shell option, no directory, and starts nothing. What the functions print for
# people goes to stderr, so a script's stdout stays what its callers read (the
# `export …` lines of services.env, a scratch database's URL).

# The variables below are for the scripts that source this file (file-wide):
# shellcheck disable=SC2034

# The checkout's root and its infra/ directory, as absolute paths (CDPATH
# cleared: with it set, cd would print the directory into INFRA_DIR).
INFRA_DIR=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$INFRA_DIR")
# Per-user defaults, outside the checkout so that a fresh clone reuses them:
# the services' state (PID files, logs, data), the project's virtualenv (all
# the Python tools of infra/requirements.txt) and the Cargo target directory.
DEFAULT_STATE_DIR=$HOME/.cache/reelgraph/state
DEFAULT_VENV=$HOME/.cache/reelgraph/venv
DEFAULT_CARGO_TARGET_DIR=$HOME/.cache/reelgraph-target

# --- messages -----------------------------------------------------------------

# log MESSAGE...: prints MESSAGE on stderr.
log() { echo "$*" >&2; }

# die MESSAGE...: prints "error: MESSAGE" on stderr and exits with status 1.
die() {
  echo "error: $*" >&2
  exit 1
}

# usage SYNOPSIS: prints "usage: SYNOPSIS" on stderr and exits with status 2
# (the command line was wrong).
usage() {
  echo "usage: $*" >&2
  exit 2
}

# --- system packages ----------------------------------------------------------

# as_root COMMAND...: runs COMMAND as root, through sudo unless already root.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install [APT-GET OPTION...] PACKAGE...: installs Debian packages with
# apt-get, quietly and without questions; runs `apt-get update` first, once per
# script run. Its output goes to stdout: redirect it (>&2) where stdout matters.
_apt_updated=0
apt_install() {
  if [ "$_apt_updated" = 0 ]; then
    as_root apt-get update -qq
    _apt_updated=1
  fi
  # Through env: sudo would drop a DEBIAN_FRONTEND set in front of as_root.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# --- Python virtualenvs -------------------------------------------------------

# venv_satisfied VENV REQUIREMENTS: every NAME==VERSION line of the
# requirements file REQUIREMENTS is installed in VENV at exactly that version.
# Lists on stderr what is missing or at another version.
venv_satisfied() {
  [ -x "$1/bin/python" ] || return 1
  "$1/bin/python" - "$2" <<'EOF'
import re, sys
from importlib.metadata import PackageNotFoundError, version

wrong = []
with open(sys.argv[1]) as lines:
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pin = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^]]*\])?\s*==\s*(\S+)", line)
        if not pin:
            sys.exit(f"{sys.argv[1]}: not a NAME==VERSION pin: {line}")
        name, want = pin.group(1), pin.group(3)
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "missing"
        if have != want:
            wrong.append(f"{name} {have} (pinned: {want})")
if wrong:
    print("virtualenv out of date: " + ", ".join(wrong), file=sys.stderr)
    sys.exit(1)
EOF
}

# venv_ensure VENV REQUIREMENTS: makes VENV a virtualenv (python3 -m venv)
# holding the exact versions that the requirements file REQUIREMENTS pins, with
# `pip install -r REQUIREMENTS` when one is missing or at another version (a
# venv made before the pins, or before a pin changed). Does nothing, quickly,
# when they are all there. Exits with an error if pip cannot satisfy them.
venv_ensure() {
  local venv=$1 req=$2
  venv_satisfied "$venv" "$req" && return 0
  if [ ! -x "$venv/bin/pip" ]; then
    log "creating the virtualenv $venv"
    python3 -m venv "$venv" >&2
  fi
  log "installing ${req#"$REPO_ROOT"/} into $venv"
  "$venv/bin/pip" install -q -r "$req" >&2
  venv_satisfied "$venv" "$req" || die "$venv does not hold the versions $req pins"
}

# --- background services ------------------------------------------------------

# port_open HOST PORT: something accepts TCP connections on HOST:PORT.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_until TRIES SECONDS COMMAND...: runs COMMAND until it succeeds, at most
# TRIES times SECONDS apart, then once more; returns that last run's status.
wait_until() {
  local tries=$1 pause=$2 i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    sleep "$pause"
  done
  "$@"
}

# wait_port HOST PORT TRIES SECONDS: waits until HOST:PORT accepts connections,
# checking TRIES times SECONDS apart; fails if it never did.
wait_port() { wait_until "$3" "$4" port_open "$1" "$2"; }

# start_bg PIDFILE LOGFILE COMMAND...: starts COMMAND in the background in a
# session of its own (setsid nohup: it outlives the script and its terminal,
# and stop_pidfile can stop it with all its children), its stdout and stderr
# going to LOGFILE, and writes its PID, which is also its process group's ID,
# to PIDFILE.
start_bg() {
  local pidfile=$1 logfile=$2
  shift 2
  setsid nohup "$@" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
}

# group_gone PGID: no process of the process group PGID is left.
group_gone() { ! kill -0 -- "-$1" 2>/dev/null; }

# stop_pidfile PIDFILE [TRIES]: stops what start_bg started, if PIDFILE exists:
# SIGTERM to its process group (to the PID alone if it has no group); given
# TRIES, then waits for the group to exit, up to TRIES times 0.25 s, and
# SIGKILLs what is left. Removes PIDFILE. Never fails.
stop_pidfile() {
  local pidfile=$1 tries=${2:-0} pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  if [ "$tries" -gt 0 ]; then
    wait_until "$tries" 0.25 group_gone "$pid" || true
    kill -9 -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
