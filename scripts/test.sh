#!/usr/bin/env bash
# Runs every test against the build in $1 (make test passes the sanitizer build): cmocka unit
# tests, then the API tests (node:test) against a real `shequ serve` with fresh databases, then the
# browser tests (chromium through playwright-core) against the console that server serves.
# Ends with one line "N passed, N failed". SUITES (default "unit fuzz api e2e") picks some of them:
# make test-pg runs SUITES=api against PostgreSQL (scripts/test-pg.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/asan}
export SHEQU_BIN="$PWD/$BUILD/shequ"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
SUITES=${SUITES:-unit fuzz api e2e}
has() { [[ " $SUITES " == *" $1 "* ]]; }
passed=0 failed=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

has unit && echo "== unit tests (cmocka, $BUILD)"
has unit && for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if CMOCKA_MESSAGE_OUTPUT=stdout "$t" > "$out/$name.log" 2>&1; then status=ok; else status=FAIL; fi
  p=$(grep -oE '\[  PASSED  \] [0-9]+' "$out/$name.log" | grep -oE '[0-9]+$' | tail -1)
  f=$(grep -oE '\[  FAILED  \] [0-9]+' "$out/$name.log" | grep -oE '[0-9]+$' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$status" = FAIL ] && [ "$f" = 0 ]; then f=1; fi   # crashed or sanitizer report
  passed=$((passed + p)); failed=$((failed + f))
  echo "  $name: $p passed, $f failed"
  [ "$status" = FAIL ] && sed 's/^/    /' "$out/$name.log" | tail -40
done

# Every committed fuzz corpus file (seeds and inputs that once crashed) through its target, built
# with this build's sanitizers (mk/fuzz.mk, tests/fuzz/replay.c): one test per target.
has fuzz && echo "== fuzz corpora replayed ($BUILD)"
has fuzz && for t in "$BUILD"/fuzz-replay/fuzz_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if "$t" "tests/fuzz/corpus/${name#fuzz_}" > "$out/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "  $name: $(tail -1 "$out/$name.log"), ok"
  else
    failed=$((failed + 1)); echo "  $name: FAIL"; tail -40 "$out/$name.log" | sed 's/^/    /'
  fi
done

# A node:test suite in TAP; adds its counts to the totals and shows what failed.
node_suite() {
  local name=$1 dir=$2 tap="$out/$1.tap" p f
  if node --test --test-reporter=tap "$dir" > "$tap" 2>&1; then :; fi
  p=$(grep -E '^# pass ' "$tap" | awk '{print $3}' | tail -1)
  f=$(grep -E '^# fail ' "$tap" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=${f:-1}                       # no summary at all: the suite itself broke
  grep -E '^not ok|^# (tests|pass|fail)' "$tap" | sed 's/^/  /'
  if [ "$f" != 0 ]; then
    grep -B2 -A30 '^not ok\|^    not ok' "$tap" | head -150 | sed 's/^/    /'
    grep -q '^# pass' "$tap" || tail -30 "$tap" | sed 's/^/    /'
  fi
  passed=$((passed + p)); failed=$((failed + f))
}

if has api; then
  echo "== API tests (node:test against shequ serve${SHEQU_TEST_PG:+ on PostgreSQL})"
  node_suite api tests/api/
fi

if has e2e; then
  echo "== browser tests (node:test + playwright-core driving $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: MISSING'))"
  # screenshots of the main pages land in test-results/screenshots/ (not committed)
  node_suite e2e tests/e2e/
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
