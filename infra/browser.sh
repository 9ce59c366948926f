#!/usr/bin/env bash
# Installs what the browser tests of web/ need:
#   - Debian's Chromium (/usr/bin/chromium), never a browser build downloaded by a tool;
#   - web/'s npm packages exactly as web/package-lock.json pins them (npm ci).
# Idempotent; scripts/test.sh calls it before web/run-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

if ! [ -x /usr/bin/chromium ]; then
  echo "browser.sh: installing Debian's chromium"
  apt_install chromium
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "browser.sh: installing node and npm"
  apt_install nodejs npm
fi

echo "browser.sh: $(/usr/bin/chromium --version 2>/dev/null | head -n1); node $(node --version)"
cd web
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
