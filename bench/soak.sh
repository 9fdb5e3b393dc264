#!/usr/bin/env bash
# make soak: the server under a steady mixed load of reads and writes for SOAK_MINUTES (default
# 30) at about 70 % of the capacity measured just before, on a fresh demo district. Only
# 127.0.0.1 is ever targeted. Checks, and exits 1 when one fails:
#   - no 5xx answer at all (and no socket error);
#   - resident memory grows less than 5 % after the warm-up (the first sixth of the run, at least a
#     minute: SQLite's page cache and the server's caches fill then). The memory is RssAnon from
#     /proc/PID/status, the process's own (heap, stacks), where a leak shows: VmRSS adds the pages
#     of the database file SQLite maps (mmap_size, up to 1 GiB), which come and go with the
#     kernel's page cache - it is shown beside. Read every second; a minute's figure is the median
#     of its samples (malloc returns and takes memory by the megabyte as answers come and go);
#     growth is the mean of the last third of the minutes after warm-up over the first third's;
#   - p99 stable: after the warm-up, the median of the last third's per-minute p99 is at most 1.5x
#     the median of the first third's (no upward trend), and no minute's p99 exceeds 4x the median
#     minute (no minute where the server stalled); other work on the same cores shows as noise.
# Prints a table per minute and writes it to docs/BENCHMARKS-soak.md and to the "Soak" section
# of docs/BENCHMARKS.md (make bench keeps it from the -soak file).
#   SOAK_MINUTES=N   minutes of steady load (default 30)
#   SOAK_SCALE=N     residents in the demo district (default 200,000, as make demo)
#   SOAK_LOAD=F      the fraction of the capacity to run at (default 0.7)
#   SOAK_CONN=N      wrk connections (default 128: enough for the paced schedule to hold its rate
#                    through the slowest answers)
# The load comes from wrk with bench/soak.lua, paced by its delay() (wrk2 is not in Debian); a new
# wrk each minute gives that minute's p99. Its latency counts from when a request was sent, not
# from its slot in the schedule, so a stall shows in the rate kept ("rps") as well as in the p99.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
BIN="$PWD/$BUILD/shequ"
OUT="$PWD/bench/out/soak"
MINUTES=${SOAK_MINUTES:-30}
SCALE=${SOAK_SCALE:-200000}
LOAD=${SOAK_LOAD:-0.7}
CONN=${SOAK_CONN:-128}
THREADS=2
PW=Soak2026pass
PORT=18921
WARM=$(( (MINUTES + 5) / 6 )); [ "$WARM" -lt 1 ] && WARM=1
mkdir -p "$OUT"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# every request comes from 127.0.0.1: limits the load never reaches (the limiter still runs)
export SHEQU_RATE_LIMIT_RPS=10000000 SHEQU_RATE_LIMIT_BURST=10000000 SHEQU_AUTH_RATE_PER_MIN=1000000 SHEQU_AUTH_RATE_BURST=1000000
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; true; }
trap cleanup EXIT

DB="$OUT/soak.db"
rm -f "$DB" "$DB"-* "$DB.key"
echo "== a fresh demo district of $SCALE residents"
"$BIN" demo --db "sqlite:$DB" --password "$PW" --scale "$SCALE" | tail -1

echo "== starting shequ on 127.0.0.1:$PORT"
SHEQU_QUIET_ACCESS=1 "$BIN" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" 2>"$OUT/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
CJ="$OUT/cookies"
curl -sf -c "$CJ" -X POST "$BASE/api/v1/auth/login" -d "{\"username\":\"district_admin\",\"password\":\"$PW\"}" >/dev/null
CSRF=$(curl -sf -b "$CJ" "$BASE/api/v1/auth/me" | sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
TOKEN=$(curl -sf -b "$CJ" -H "X-CSRF-Token: $CSRF" -X POST "$BASE/api/v1/auth/tokens" \
        -d '{"label":"soak","days":2}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

# what soak.lua draws from: residents to read, residents to edit, communities' first pages and
# summaries, grids to add residents to
sqlite3 "$DB" "SELECT id FROM persons WHERE deleted_at IS NULL ORDER BY random() LIMIT 20000" > "$OUT/person-ids"
sqlite3 "$DB" "SELECT id FROM persons WHERE deleted_at IS NULL ORDER BY random() LIMIT 4000" > "$OUT/patch-ids"
sqlite3 "$DB" "SELECT '/api/v1/persons?org_id=' || id || '&per_page=20' FROM org_units WHERE level = 'community'" > "$OUT/list-paths"
sqlite3 "$DB" "SELECT id FROM org_units WHERE level = 'grid'" > "$OUT/grid-ids"
sqlite3 "$DB" "SELECT '/api/v1/stats/summary?org_id=' || id FROM org_units WHERE level = 'community'" > "$OUT/summary-paths"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rss_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$SERVER/status"; }
vmrss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status"; }
field() { sed -nE "s/.*[ ]$1=([^ ]+).*/\1/p" <<<"$2"; }
# one wrk run: soak_wrk SECONDS RUN [RATE]; prints its SOAK line
soak_wrk() {
  SOAK_DIR="$OUT" SOAK_TOKEN="$TOKEN" SOAK_RUN=$2 SOAK_RATE=${3:-0} SOAK_THREADS=$THREADS \
    wrk -t$THREADS -c"$CONN" -d"$1s" --timeout 10s -s bench/soak.lua "$BASE" > "$OUT/wrk.out" 2>&1 || true
  grep '^SOAK ' "$OUT/wrk.out" || { cat "$OUT/wrk.out" >&2; echo "SOAK requests=0 rps=0 p99_ms=0 s5xx=0 socket_errors=1"; }
}

echo "== capacity: the mixed workload as fast as it goes, 20 s"
CAP_LINE=$(soak_wrk 20 0)
CAP=$(field rps "$CAP_LINE")
RATE=$(awk -v c="$CAP" -v f="$LOAD" 'BEGIN { printf "%d", c * f }')
echo "   $CAP_LINE"
echo "   capacity $CAP req/s; the soak runs at $RATE req/s ($LOAD of it) for $MINUTES minutes, warm-up $WARM"

RSS0=$(rss_kb)
rows=() p99s=() rsss=() fivexx=0 sockerr=0 total=0
printf '   %-6s %-9s %-8s %-8s %-8s %-7s %-6s %-5s %-10s\n' minute req/s p50_ms p99_ms max_ms 409/412 5xx errs "RssAnon MiB median (max), VmRSS"
for m in $(seq 1 "$MINUTES"); do
  while kill -0 "$SERVER" 2>/dev/null; do echo "$(rss_kb) $(vmrss_kb)"; sleep 1; done > "$OUT/rss-$m" &
  sampler=$!
  line=$(soak_wrk 60 "$m" "$RATE")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  rss=$(median $(cut -d' ' -f1 "$OUT/rss-$m"))
  rss_max=$(cut -d' ' -f1 "$OUT/rss-$m" | sort -n | tail -1)
  vmrss=$(median $(cut -d' ' -f2 "$OUT/rss-$m"))
  rps=$(field rps "$line"); p50=$(field p50_ms "$line"); p99=$(field p99_ms "$line"); mx=$(field max_ms "$line")
  s5=$(field s5xx "$line"); se=$(field socket_errors "$line"); cf="$(field s409 "$line")/$(field s412 "$line")"
  fivexx=$((fivexx + s5)); sockerr=$((sockerr + se)); total=$((total + $(field requests "$line")))
  mib=$(awk -v k="$rss" -v x="$rss_max" -v v="$vmrss" 'BEGIN { printf "%.1f (%.1f) %.1f", k / 1024, x / 1024, v / 1024 }')
  printf '   %-6s %-9s %-8s %-8s %-8s %-7s %-6s %-5s %-10s\n' "$m" "$rps" "$p50" "$p99" "$mx" "$cf" "$s5" "$se" "$mib"
  rows+=("| $m | $rps | $p50 | $p99 | $mx | $cf | $(field s4xx "$line") | $s5 | $se | ${mib% *} | ${mib##* } |")
  p99s+=("$p99"); rsss+=("$rss")
done
kill -0 "$SERVER" 2>/dev/null || { echo "the server died"; tail -20 "$OUT/serve.log"; exit 1; }

# the verdicts
after=("${p99s[@]:$WARM}") rafter=("${rsss[@]:$WARM}")
[ ${#after[@]} -eq 0 ] && after=("${p99s[@]}") rafter=("${rsss[@]}")
third=$(( (${#after[@]} + 2) / 3 ))
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s / NR }'; }
RSS_W=$(mean "${rafter[@]:0:$third}"); RSS_END=$(mean "${rafter[@]: -$third}")
GROWTH=$(awk -v a="$RSS_W" -v b="$RSS_END" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
P99_FIRST=$(median "${after[@]:0:$third}")
P99_LAST=$(median "${after[@]: -$third}")
P99_MED=$(median "${after[@]}")
P99_MAX=$(printf '%s\n' "${after[@]}" | sort -g | tail -1)
TREND=$(awk -v a="$P99_FIRST" -v b="$P99_LAST" 'BEGIN { printf "%.2f", b / a }')
SPIKE=$(awk -v a="$P99_MED" -v b="$P99_MAX" 'BEGIN { printf "%.2f", b / a }')
ok() { awk "BEGIN { exit !($1) }" && echo met || echo "NOT met"; }
V_5XX=$([ "$fivexx" = 0 ] && [ "$sockerr" = 0 ] && echo met || echo "NOT met")
V_RSS=$(ok "$GROWTH < 5")
V_P99=$(ok "$TREND <= 1.5 && $SPIKE <= 4")
SERVER_CPU=$(awk '{ printf "%.0f", ($14 + $15) / 100 }' "/proc/$SERVER/stat")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

SUMMARY=$(cat <<TXT
| check | figure | target | |
|---|---|---|---|
| 5xx answers and socket errors in $total requests | $fivexx and $sockerr | 0 | $V_5XX |
| resident memory (RssAnon) after warm-up: mean of the per-minute medians, first third -> last third | $(awk -v k="$RSS_W" 'BEGIN { printf "%.1f", k / 1024 }') -> $(awk -v k="$RSS_END" 'BEGIN { printf "%.1f", k / 1024 }') MiB, $GROWTH % (after the capacity run: $(awk -v k="$RSS0" 'BEGIN { printf "%.1f", k / 1024 }') MiB) | < 5 % | $V_RSS |
| p99 trend: median p99 of the last third / the first third after warm-up | $P99_LAST / $P99_FIRST ms = $TREND | <= 1.5 | $V_P99 |
| p99 spikes: the worst minute / the median minute after warm-up | $P99_MAX / $P99_MED ms = $SPIKE | <= 4 | |
TXT
)
echo
echo "$SUMMARY"

{
  echo "# Soak"
  echo
  echo "Written by \`make soak\` ($(date -u +%Y-%m-%d), SOAK_MINUTES=$MINUTES, a fresh demo district of $SCALE residents on SQLite,"
  echo "$(nproc) cores shared by the server, the load generator and other work: load average $LOAD_START at the start,"
  echo "$LOAD_END at the end; the server used $SERVER_CPU CPU seconds). bench/soak.sh measures the capacity of the"
  echo "mixed workload for 20 s with wrk (bench/soak.lua as fast as it goes: $CAP req/s, $CONN connections), then"
  echo "runs it paced at $RATE req/s ($LOAD of that) for $MINUTES one-minute wrk runs: 60 % GET /persons/{id},"
  echo "20 % a community's first page, 4 % a community's GET /stats/summary, 15 % PATCH /persons/{id} with"
  echo "If-Match, 1 % POST /persons, as a district administrator's API token. 409/412 are the generator's"
  echo "own races (two connections editing one record), answered as they should be. Resident memory is"
  echo "the server's RssAnon (its own memory; VmRSS adds the database file's pages SQLite maps, which come and go"
  echo "with the kernel's page cache) read every second, a minute's median (and max); the first $WARM minute(s) are warm-up. Latency counts"
  echo "from when a request was sent (wrk), not from its slot in the schedule: a stall shows in req/s too."
  echo
  echo "$SUMMARY"
  echo
  echo "| minute | req/s | p50 ms | p99 ms | max ms | 409/412 | other 4xx | 5xx | socket errors | RssAnon MiB, median (max) | VmRSS MiB, median |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ -f docs/BENCHMARKS-soak-notes.md ]; then echo; cat docs/BENCHMARKS-soak-notes.md; fi
} > docs/BENCHMARKS-soak.md
bash scripts/doc-section.sh docs/BENCHMARKS.md "# Soak" docs/BENCHMARKS-soak.md
echo "written to docs/BENCHMARKS-soak.md and docs/BENCHMARKS.md"
[ "$V_5XX" = met ] && [ "$V_RSS" = met ] && [ "$V_P99" = met ]
