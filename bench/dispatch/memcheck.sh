#!/usr/bin/env bash
# memcheck.sh — resident memory of one long solver run, sampled every 10 s,
# to show that memory does not grow with run time.
#   bash bench/dispatch/memcheck.sh [SECONDS] [INSTANCE]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-600}
INST=${2:-bench/dispatch/data/gh200/RC1_2_1.txt}
OUT=bench/out/dispatch/memory.txt
mkdir -p "$(dirname "$OUT")"
[ -x build/dispatch/dsp-plan ] || make -s build/dispatch/dsp-plan
nice -n 10 build/dispatch/dsp-plan --solomon "$INST" --time-limit "$SECS" > /dev/null 2>&1 &
pid=$!
echo "# $(basename "$INST") ${SECS} s; elapsed_s rss_kb" > "$OUT"
t=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$t $rss" >> "$OUT"
  sleep 10
  t=$((t + 10))
done
wait "$pid" || true
cat "$OUT"
