#!/usr/bin/env bash
# The import row of make bench (sourced by bench/run.sh), or alone: `bash bench/import.sh [BUILD]`.
# Imports IMPORT generated residents (bench/gen-persons.mjs: Chinese headers, valid unique ID
# numbers, phones, grid codes, tags as labels) with `shequ import persons` into a fresh copy of a
# small demo district, RUNS times, each run followed by the sqlite3 shell's .import of the same
# file into a bare table (the reference); prints both medians. Sets IMP_S, REF_S, IMP_RPS, REF_RPS.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then                # run alone: make bench's defaults
  set -euo pipefail
  cd "$(dirname "$0")/.."
  BUILD=${1:-build/release}
  BIN="$PWD/$BUILD/shequ"
  OUT="$PWD/bench/out"
  IMPORT=${IMPORT:-1000000}
  RUNS=${RUNS:-3}
  PW=Bench2026pass
  mkdir -p "$OUT"
  [ -x "$BIN" ] || make --no-print-directory build >/dev/null
fi
echo "== importing $IMPORT residents from CSV (full validation, encryption, hashing) vs sqlite3 .import, median of $RUNS"
IDB="$OUT/import.db"
BASE="$OUT/import-base.db"
rm -f "$IDB" "$IDB"-* "$IDB.key" "$BASE" "$BASE"-* "$BASE.key" "$OUT/import-ref.db"
"$BIN" demo --db "sqlite:$BASE" --password "$PW" --scale 100 >/dev/null
sqlite3 "$BASE" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
GRIDS=$(sqlite3 "$BASE" "SELECT group_concat(code) FROM org_units WHERE level = 'grid'")
node bench/gen-persons.mjs "$IMPORT" "$OUT/import.csv" "$GRIDS"
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
imp_runs=() ref_runs=() cpu_runs=()
for _ in $(seq "$RUNS"); do
  # every run imports into the same small district, as the first run did
  rm -f "$IDB" "$IDB"-* "$OUT/import-ref.db"
  cp "$BASE" "$IDB"
  cp "$BASE.key" "$IDB.key"
  t0=$(date +%s.%N)
  # CPU seconds too (user + system, all threads): on shared cores they vary less than the wall time
  ( TIMEFORMAT='%3U %3S'; time "$BIN" import persons "$OUT/import.csv" --db "sqlite:$IDB" > "$OUT/import.out" 2>&1 ) 2> "$OUT/import.time" || true
  t1=$(date +%s.%N)
  cpu_runs+=("$(awk '{printf "%.2f", $1 + $2}' "$OUT/import.time")")
  grep -q '"imported": '"$IMPORT" "$OUT/import.out" || { echo "import failed:"; head -40 "$OUT/import.out"; exit 1; }
  t2=$(date +%s.%N)
  sqlite3 "$OUT/import-ref.db" ".import --csv $OUT/import.csv persons"
  t3=$(date +%s.%N)
  imp_runs+=("$(secs "$t0" "$t1")")
  ref_runs+=("$(secs "$t2" "$t3")")
done
echo "   runs, s: shequ ${imp_runs[*]} (CPU ${cpu_runs[*]})   sqlite3 ${ref_runs[*]}   load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
IMP_S=$(median "${imp_runs[@]}")
REF_S=$(median "${ref_runs[@]}")
IMP_CPU=$(median "${cpu_runs[@]}")
IMP_RPS=$(awk -v n="$IMPORT" -v s="$IMP_S" 'BEGIN{printf "%.0f", n/s}')
REF_RPS=$(awk -v n="$IMPORT" -v s="$REF_S" 'BEGIN{printf "%.0f", n/s}')
echo "   shequ import: ${IMP_S}s ($IMP_RPS rows/s, ${IMP_CPU} CPU s)   sqlite3 .import: ${REF_S}s ($REF_RPS rows/s)"
