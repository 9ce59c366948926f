#!/usr/bin/env bash
# Installs what the browser tests of web/ need:
#   - Debian's Chromium (/usr/bin/chromium), never a browser build downloaded by a tool;
#   - web/'s npm packages exactly as web/package-lock.json pins them (npm ci).
# Idempotent; scripts/test.sh calls it before web/run-tests.sh.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if ! [ -x /usr/bin/chromium ]; then
  echo "browser.sh: installing Debian's chromium"
  apt_install --no-install-recommends chromium
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "browser.sh: installing node and npm"
  apt_install --no-install-recommends nodejs npm
fi

echo "browser.sh: $(/usr/bin/chromium --version 2>/dev/null | head -n1); node $(node --version)"
cd web
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
