#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz/ for FUZZ_SECONDS (make fuzz builds them first, into
# build/fuzz/), one after the other, and writes what each did - seconds, executions, executions
# per second, result - to docs/BENCHMARKS-fuzz.md and as the "Fuzzing" section of
# docs/BENCHMARKS.md (only that section is replaced; make bench keeps it from the -fuzz file).
#
# Each target starts from its committed seeds (tests/fuzz/corpus/<target>/, read only) plus what
# earlier runs found (build/fuzz/corpus/<target>/, where libFuzzer adds new inputs). A crash, a
# sanitizer report, a leak or a timeout stops that target; its input is kept as
# build/fuzz/artifacts/<target>/crash-* (or leak-*, timeout-*) and the run fails at the end.
# Reproduce with build/fuzz/fuzz_<target> <file>; once fixed, copy the file into the seed corpus
# so make test replays it for good.
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-600}
TARGETS=${FUZZ_TARGETS:-request record_json import idnum filter}
B=build/fuzz
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

declare -A row=()
status=0
for t in $TARGETS; do
  bin=$B/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz builds it)"; status=1; continue; }
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  log=$B/fuzz_$t.log
  dict=()                  # the API's own words help the targets that parse requests and records
  case $t in request|filter|record_json) dict=(-dict=tests/fuzz/api.dict) ;; esac
  echo "== fuzz_$t for ${SECS}s (log: $log)"
  start=$(date +%s.%N)
  # -max_len: room for whole requests and small spreadsheets; -timeout: one input taking longer
  # than 10 s is a finding of its own (a request must never hang the server)
  "$bin" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$B/artifacts/$t/" "${dict[@]}" "$B/corpus/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1)
  execs=${execs:-0}
  rate=$(awk -v e="$execs" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? e / s : 0) }')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | awk '{print $2 " / " $4}')
  corpus=$(ls "$B/corpus/$t" | wc -l)
  if [ "$rc" = 0 ]; then
    result="clean"
  else
    status=1
    art=$(ls -t "$B/artifacts/$t" 2>/dev/null | head -1)
    result="FAILED (exit $rc; $B/artifacts/$t/$art)"
    grep -E 'ERROR:|SUMMARY:|fuzz_[a-z_]+: ' "$log" | head -5 | sed 's/^/   /'
  fi
  echo "   $execs executions in ${secs}s ($rate/s), $cov, $corpus inputs found: $result"
  row[$t]="| fuzz_$t | $(date -u +%Y-%m-%d) | $secs | $execs | $rate | ${cov:-} | $result |"
done

# one row per target in a fixed order; a run of some targets keeps the others' last rows
rows=()
for t in request record_json import idnum filter; do
  [ -z "${row[$t]:-}" ] && row[$t]=$(grep -E "^\| fuzz_$t \|" docs/BENCHMARKS-fuzz.md 2>/dev/null | head -1)
  [ -n "${row[$t]}" ] && rows+=("${row[$t]}")
done

{
  echo "# Fuzzing"
  echo
  echo "Written by \`make fuzz\` (last run $(date -u +%Y-%m-%d), FUZZ_SECONDS=$SECS, $(nproc) cores shared with other work, one"
  echo "target at a time; load average at its end: $(cut -d' ' -f1-3 /proc/loadavg)). libFuzzer from $(clang --version | head -1),"
  echo "the app compiled with -fsanitize=fuzzer-no-link,address,undefined; leaks checked. \"clean\" means no"
  echo "crash, sanitizer report, leak, timeout (10 s) or failed oracle in that time. What each target"
  echo "feeds and checks is in the header of tests/fuzz/fuzz_<target>.c."
  echo
  echo "| target | run on | seconds | executions | exec/s | coverage (edges, features) | result |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > docs/BENCHMARKS-fuzz.md

# Replace the Fuzzing section of BENCHMARKS.md (from "# Fuzzing" to the next top-level heading).
if [ -f docs/BENCHMARKS.md ]; then
  awk 'FNR == NR { fuzz = fuzz $0 "\n"; next }
       /^# Fuzzing$/ { skip = 1; next }
       skip && /^# / { skip = 0 }
       !skip { print }
       END { }' docs/BENCHMARKS-fuzz.md docs/BENCHMARKS.md > docs/BENCHMARKS.md.tmp
  # one blank line between the last section and this one
  sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' docs/BENCHMARKS.md.tmp
  { cat docs/BENCHMARKS.md.tmp; echo; cat docs/BENCHMARKS-fuzz.md; } > docs/BENCHMARKS.md
  rm -f docs/BENCHMARKS.md.tmp
fi
echo "written to docs/BENCHMARKS-fuzz.md and docs/BENCHMARKS.md"
exit $status
