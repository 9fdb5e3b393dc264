#!/usr/bin/env bash
# run.sh — VRPTW quality benchmark of the dispatch solver.
# Each instance runs alone under `nice -n 10` (one core; the machine has two
# shared cores), its solution is verified by check.mjs (independent code),
# and report.mjs turns the results into docs/BENCHMARKS-dispatch.md.
#   bash bench/dispatch/run.sh            representative subset
#   bash bench/dispatch/run.sh --full     all instances
#   bash bench/dispatch/run.sh --full --only solomon|gh200|hier|homecare
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=build/dispatch/dsp-plan
DATA=bench/dispatch/data
OUT=bench/out/dispatch
FULL=0
ONLY=""
while (($#)); do
  case "$1" in
    --full) FULL=1 ;;
    --only) ONLY="$2"; shift ;;
    *) echo "usage: run.sh [--full] [--only solomon|gh200|hier|homecare]" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$BIN" ] || make -s build/dispatch/dsp-plan
# Run a private copy: a rebuild during a long run must not change the solver.
mkdir -p "$OUT"
cp "$BIN" "$OUT/dsp-plan.bin"
BIN="$OUT/dsp-plan.bin"

SUB_SOLOMON="C101 C104 C201 C205 R101 R104 R108 R112 R201 R205 R208 R211 RC101 RC105 RC108 RC201 RC205 RC208"
SUB_GH="C1_2_1 C2_2_5 R1_2_3 R2_2_7 RC1_2_4 RC2_2_8"

list() { # section -> instance names
  if [ "$FULL" = 1 ]; then
    for f in "$DATA/$1"/*.txt; do basename "$f" .txt; done | sort -V
  elif [ "$1" = solomon ]; then echo $SUB_SOLOMON | tr ' ' '\n'
  else echo $SUB_GH | tr ' ' '\n'; fi
}

run_section() { # name dir objective seconds
  local name=$1 dir=$2 obj=$3 secs=$4
  local d="$OUT/$name"
  rm -rf "$d"; mkdir -p "$d"
  echo "instance objective seconds" > "$d/params"
  for inst in $(list "$dir"); do
    local f="$DATA/$dir/$inst.txt"
    set +e
    nice -n 10 "$BIN" --solomon "$f" --time-limit "$secs" --cpu-time --seed 1 --objective "$obj" --trace \
      > "$d/$inst.sol" 2> "$d/$inst.trace"
    node bench/dispatch/check.mjs "$f" "$d/$inst.sol" "$obj" > "$d/$inst.check"
    set -e
    echo "$name $inst: $(cat "$d/$inst.check")"
  done
  echo "$obj $secs $FULL" > "$d/params"
}

run_homecare() {
  local d="$OUT/homecare"
  rm -rf "$d"; mkdir -p "$d"
  make -s build/dispatch/dsp-homecare-bench
  nice -n 10 build/dispatch/dsp-homecare-bench 10 > "$d/table.md" 2> "$d/errors.txt" || true
  cat "$d/table.md"
}

sections=(solomon gh200 hier homecare)
[ -n "$ONLY" ] && sections=("$ONLY")
for s in "${sections[@]}"; do
  case "$s" in
    solomon) run_section solomon solomon distance 10 ;;
    gh200) run_section gh200 gh200 distance 30 ;;
    hier) run_section hier solomon hierarchical 10 ;;
    homecare) run_homecare ;;
  esac
done
node bench/dispatch/report.mjs "$OUT" "$DATA" > docs/BENCHMARKS-dispatch.md
echo "wrote docs/BENCHMARKS-dispatch.md"
