#!/usr/bin/env bash
# Installs the Debian and npm packages Shequ needs to build, run, test and benchmark.
# Idempotent: installs only what is missing. Runs as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential pkg-config make gcc clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
  libxlsxwriter-dev libzip-dev libexpat1-dev libcsv-dev libqrencode-dev libcmocka-dev
  libpq-dev postgresql haproxy
  fiu-utils
  nginx wrk curl ca-certificates
  chromium fonts-noto-cjk
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages (the console's libraries, its build step, the browser-test driver): only when
# package-lock.json's content differs from what was installed. Content, not file times: a fresh
# checkout (or a git worktree sharing node_modules through a symlink) has a newer lock file with
# the same packages, and `npm ci` there would empty the shared directory under running tests.
if [ -f package.json ]; then
  lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -d node_modules ] || [ "$(cat node_modules/.shequ-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > node_modules/.shequ-lock-sha256
  fi
fi
touch .deps-ok
