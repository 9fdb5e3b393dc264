#!/usr/bin/env bash
# make bench: the foundation's speed figures, each beside its reference measured in the same run,
# on a demo district of $SCALE residents (default 1,000,000). Prints a table and writes it to
# docs/BENCHMARKS.md. Only 127.0.0.1 is ever targeted.
#   SCALE=N     residents in the benchmark database (reused from bench/out/ unless FRESH=1)
#   DUR=S       seconds per wrk run (default 10); RUNS=K  runs per figure, median reported (default 3)
#   IMPORT=N    rows in the import benchmark (default 1,000,000; median of RUNS imports)
#   PG=0        leaves out the PostgreSQL block (the same district moved there by migrate-data: one
#               server and two, beside pgbench; about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
BIN="$PWD/$BUILD/shequ"
OUT="$PWD/bench/out"
SCALE=${SCALE:-1000000}
DUR=${DUR:-10}
RUNS=${RUNS:-3}
IMPORT=${IMPORT:-1000000}
CONN=64
PW=Bench2026pass
PORT=18901
NGINX_PORT=18902
mkdir -p "$OUT/www"
# every request of the benchmark comes from 127.0.0.1: the servers it starts get request rate
# limits it never reaches (the defaults would answer 429 past 100 a second; the limiter still
# runs for every request, so its cost is in the figures)
export SHEQU_RATE_LIMIT_RPS=10000000 SHEQU_RATE_LIMIT_BURST=10000000 SHEQU_AUTH_RATE_PER_MIN=1000000 SHEQU_AUTH_RATE_BURST=1000000
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
DB="$OUT/bench-$SCALE.db"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -f "$DB" ] || [ -n "${FRESH:-}" ]; then
  rm -f "$DB" "$DB"-* "$DB.key"
  echo "== building the demo district with $SCALE residents"
  "$BIN" demo --db "sqlite:$DB" --password "$PW" --scale "$SCALE" | tail -3
fi

echo "== starting shequ and nginx on 127.0.0.1"
SHEQU_QUIET_ACCESS=1 "$BIN" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" 2>"$OUT/serve.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
CJ="$OUT/cookies"
curl -sf -c "$CJ" -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -d "{\"username\":\"district_admin\",\"password\":\"$PW\"}" >/dev/null
CSRF=$(curl -sf -b "$CJ" "http://127.0.0.1:$PORT/api/v1/auth/me" | sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
TOKEN=$(curl -sf -b "$CJ" -H "X-CSRF-Token: $CSRF" -X POST "http://127.0.0.1:$PORT/api/v1/auth/tokens" \
        -d '{"label":"bench","days":1}' | sed -E 's/.*"token":"([^"]+)".*/\1/')

# paths: 10,000 random residents; every community's first page of 20
sqlite3 "$DB" "SELECT '/api/v1/persons/' || id FROM persons WHERE deleted_at IS NULL ORDER BY random() LIMIT 10000" > "$OUT/person-paths"
sqlite3 "$DB" "SELECT '/api/v1/persons?org_id=' || id || '&per_page=20' FROM org_units WHERE level = 'community'" > "$OUT/list-paths"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$(head -1 "$OUT/person-paths")" > "$OUT/www/person.json"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$(head -1 "$OUT/list-paths")" > "$OUT/www/list.json"
PERSON_BYTES=$(stat -c %s "$OUT/www/person.json")
LIST_BYTES=$(stat -c %s "$OUT/www/list.json")

cat > "$OUT/nginx.conf" <<NGX
worker_processes $(nproc);
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  types { application/json json; }
  server { listen 127.0.0.1:$NGINX_PORT; root $OUT/www; }
}
NGX
nginx -c "$OUT/nginx.conf" -p "$OUT"
sleep 0.3

# wrk, median of RUNS runs: prints "req/s p50_ms p99_ms". usage: wrk_median URL [PATHS_FILE TOKEN]
wrk_median() {
  local url=$1; shift
  local script=()
  [ $# -gt 0 ] && script=(-s bench/wrk-paths.lua "$url" -- "$@") || script=("$url")
  local results=()
  for _ in $(seq "$RUNS"); do
    local o
    o=$( { TIMEFORMAT='%U %S'; time wrk -t2 -c$CONN -d"${DUR}s" --latency "${script[@]}"; } 2>"$OUT/wrk-time")
    echo "$(awk '/ requests in / {print $1}' <<<"$o") $(tail -1 "$OUT/wrk-time")" >> "$OUT/wrk-acct"   # cpu_per_request
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$o")
    p50=$(awk '$1=="50%" {print $2}' <<<"$o")
    p99=$(awk '$1=="99%" {print $2}' <<<"$o")
    results+=("$rps $(ms "$p50") $(ms "$p99")")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
# CPU accounting (the PostgreSQL notes): what one request costs each process, in microseconds of
# CPU (user + system). pid_ticks PID: clock ticks a live process used; cpu_per_request S0 S1 P0 P1
# after a wrk_median (whose runs append "requests wrk_user_s wrk_sys_s" to $OUT/wrk-acct): the
# server's ticks S0->S1 and PostgreSQL's P0->P1 over those requests; prints "shequ postgres wrk".
HZ=$(getconf CLK_TCK)
pid_ticks() { sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
cpu_per_request() {
  awk -v s="$(( $2 - $1 ))" -v p="$(( $4 - $3 ))" -v hz="$HZ" '{ n += $1; w += $2 + $3 }
    END { if (!n) { print "n/a n/a n/a"; exit } printf "%.1f %.1f %.1f", s / hz / n * 1e6, p / hz / n * 1e6, w / n * 1e6 }' "$OUT/wrk-acct"
  rm -f "$OUT/wrk-acct"
}
ms() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'; }

echo "== GET /api/v1/persons/{id} ($PERSON_BYTES bytes) vs nginx static file of the same size"
NGX_P=$(wrk_median "http://127.0.0.1:$NGINX_PORT/person.json")
rm -f "$OUT/wrk-acct"; s0=$(pid_ticks "${pids[0]}")
SQ_P=$(wrk_median "http://127.0.0.1:$PORT" "$OUT/person-paths" "$TOKEN")
SQ_CPU=$(cpu_per_request "$s0" "$(pid_ticks "${pids[0]}")" 0 0)
echo "   nginx: $NGX_P   shequ: $SQ_P"
echo "== 20-row list filtered by community ($LIST_BYTES bytes) vs nginx"
NGX_L=$(wrk_median "http://127.0.0.1:$NGINX_PORT/list.json")
SQ_L=$(wrk_median "http://127.0.0.1:$PORT" "$OUT/list-paths" "$TOKEN")
echo "   nginx: $NGX_L   shequ: $SQ_L"
cleanup
pids=()

# ---- PostgreSQL: the same two API figures on one server and on two, beside pgbench ----
# The same district moved by `shequ migrate-data` from the SQLite file above into a private
# PostgreSQL (scripts/pg-cluster.sh; the bearer token moves with it); the servers reach it by its
# unix socket. One server, then two (a wrk of half the connections against each at once, summed;
# then the same load through haproxy, scripts/haproxy-config.sh), beside pgbench running the
# statement a GET of one resident runs (bench/pgbench-person.sql), prepared, in the same run.
# PG=0 skips this block.
PG_MIG_S=n/a PG_P1="n/a 0 0" PG_L1="n/a 0 0" PG_P2=n/a PG_L2=n/a PG_PH="n/a 0 0" PG_LH="n/a 0 0" PGB=n/a PG_VERSION=
PG_CPU="n/a n/a n/a" PGB_CPU="n/a n/a n/a"
if [ "${PG:-1}" != 0 ]; then
  source scripts/pg-cluster.sh
  trap 'cleanup; pg_cluster_stop' EXIT
  pg_cluster_start "-c max_connections=200 -c shared_buffers=1GB" || { echo "cannot start PostgreSQL"; exit 1; }
  PGDB=$(pg_cluster_createdb bench)
  PGSOCK="postgresql://shequ@/bench?host=$PG_DIR&port=$PG_PORT"
  echo "== PostgreSQL $PG_VERSION: shequ migrate-data of the district"
  t0=$(date +%s.%N)
  "$BIN" migrate-data --from "sqlite:$DB" --to "$PGDB" > "$OUT/migrate-data.out" 2>&1 || { cat "$OUT/migrate-data.out"; exit 1; }
  t1=$(date +%s.%N)
  PG_MIG_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  PG_ROWS=$(sed -nE 's/^moved ([0-9]+) rows.*/\1/p' "$OUT/migrate-data.out")
  echo "   $PG_ROWS rows in $PG_MIG_S s"
  PG_KEY=$(cat "$DB.key")
  # CPU ticks of this cluster: the postmaster (with the backends it has reaped) and its live children
  pg_ticks() {
    local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '{ pid = $1; sub(/^.*\) /, "") }
      pid == pm { t += $12 + $13 + $14 + $15 } $2 == pm { t += $12 + $13 } END { print t + 0 }'
  }
  pg_serve() { SHEQU_SECRET_KEY=$PG_KEY SHEQU_QUIET_ACCESS=1 "$BIN" serve --db "$PGSOCK" --listen "127.0.0.1:$1" 2>"$OUT/serve-pg-$1.log" & pids+=($!)
               for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/api/v1/health" >/dev/null && break; sleep 0.1; done; }
  # two wrk at once, one thread and half the connections each, against two servers; prints summed req/s
  wrk_pair_median() {
    local a=$1 b=$2 paths=$3 results=()
    for _ in $(seq "$RUNS"); do
      wrk -t1 -c$((CONN / 2)) -d"${DUR}s" -s bench/wrk-paths.lua "$a" -- "$paths" "$TOKEN" > "$OUT/wrk-a" &
      local w=$!
      wrk -t1 -c$((CONN / 2)) -d"${DUR}s" -s bench/wrk-paths.lua "$b" -- "$paths" "$TOKEN" > "$OUT/wrk-b"
      wait "$w"
      results+=("$(awk '/Requests\/sec/ {s += $2} END {printf "%.2f", s}' "$OUT/wrk-a" "$OUT/wrk-b")")
    done
    printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
  }
  PG1=18911 PG2=18912 PGH=18913
  pg_serve $PG1
  echo "== PostgreSQL, one server: GET /api/v1/persons/{id}, then the community list"
  rm -f "$OUT/wrk-acct"; s0=$(pid_ticks "${pids[-1]}"); p0=$(pg_ticks)
  PG_P1=$(wrk_median "http://127.0.0.1:$PG1" "$OUT/person-paths" "$TOKEN")
  PG_CPU=$(cpu_per_request "$s0" "$(pid_ticks "${pids[-1]}")" "$p0" "$(pg_ticks)")
  PG_L1=$(wrk_median "http://127.0.0.1:$PG1" "$OUT/list-paths" "$TOKEN")
  echo "   person: $PG_P1   list: $PG_L1"
  echo "== pgbench: the same SELECT of one resident, prepared, 8 clients"
  MAXID=$(psql -X -A -t -d "$PGDB" -c "SELECT max(id) FROM persons")
  LO=$(psql -X -A -t -d "$PGDB" -c "SELECT o.org_path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.username = 'district_admin'")
  HI="${LO%/}0"                     # the scope's upper bound, as scope.c writes it ('0' follows '/')
  pgb_runs=()
  rm -f "$OUT/wrk-acct"; p0=$(pg_ticks)
  for _ in $(seq "$RUNS"); do
    t=$( { TIMEFORMAT='%U %S'; time pgbench -n -M prepared -c 8 -j 2 -T "$DUR" -f bench/pgbench-person.sql -D maxid="$MAXID" -D lo="$LO" -D hi="$HI" \
                  -h "$PG_DIR" -p "$PG_PORT" -U shequ bench > "$OUT/pgbench.out" 2>&1; } 2>&1 )
    pgb_runs+=("$(awk '/^tps/ {printf "%.2f", $3}' "$OUT/pgbench.out")")
    echo "$(awk '/actually processed/ {print $NF}' "$OUT/pgbench.out") $t" >> "$OUT/wrk-acct"
  done
  PGB_CPU=$(cpu_per_request 0 0 "$p0" "$(pg_ticks)")
  PGB=$(printf '%s\n' "${pgb_runs[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  echo "   pgbench: $PGB tps"
  echo "   CPU a request, us (shequ postgres loadgen): SQLite GET $SQ_CPU; PostgreSQL GET $PG_CPU; pgbench $PGB_CPU"
  pg_serve $PG2
  echo "== PostgreSQL, two servers (wrk against each at once, then through haproxy)"
  PG_P2=$(wrk_pair_median "http://127.0.0.1:$PG1" "http://127.0.0.1:$PG2" "$OUT/person-paths")
  PG_L2=$(wrk_pair_median "http://127.0.0.1:$PG1" "http://127.0.0.1:$PG2" "$OUT/list-paths")
  bash scripts/haproxy-config.sh $PGH $PG1 $PG2 > "$OUT/haproxy.cfg"
  haproxy -db -f "$OUT/haproxy.cfg" 2>"$OUT/haproxy.log" &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PGH/api/v1/health" >/dev/null && break; sleep 0.1; done
  PG_PH=$(wrk_median "http://127.0.0.1:$PGH" "$OUT/person-paths" "$TOKEN")
  PG_LH=$(wrk_median "http://127.0.0.1:$PGH" "$OUT/list-paths" "$TOKEN")
  echo "   person: $PG_P2 (haproxy: $PG_PH)   list: $PG_L2 (haproxy: $PG_LH)"
  cleanup
  pids=()
  pg_cluster_stop
fi
# ---- end of the PostgreSQL block ----

# ---- console: the persons list's first page in chromium (bench/console-first-page.mjs) ----
# a server that also serves the console (build/web); warm = a click on 居民 in the menu, cold = a
# full load of /r/persons in a fresh browser context; both until the first row is painted
echo "== console: persons list first page in chromium, median of 5 (warm: menu click, cold: full load)"
WEB_PORT=18903
SHEQU_QUIET_ACCESS=1 "$BIN" serve --db "sqlite:$DB" --listen "127.0.0.1:$WEB_PORT" --web "$PWD/build/web" 2>"$OUT/serve-web.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$WEB_PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
CONSOLE=$(node bench/console-first-page.mjs "http://127.0.0.1:$WEB_PORT" district_admin "$PW" 5 | tail -1) || CONSOLE=""
echo "   ${CONSOLE:-console measurement failed}"
CONSOLE_warm_ms=n/a CONSOLE_cold_ms=n/a CONSOLE_api_ms=n/a CONSOLE_load_ms=n/a CONSOLE_total=?
for kv in $CONSOLE; do declare "CONSOLE_${kv%%=*}=${kv#*=}"; done
cleanup
pids=()
# ---- end of the console block ----

# the import row (bench/import.sh, which also runs alone): sets IMP_S, REF_S, IMP_RPS, REF_RPS
source bench/import.sh

read -r np50 _ _ <<<"$NGX_P"; read -r sp50 sp_p50 sp_p99 <<<"$SQ_P"
read -r nl50 _ _ <<<"$NGX_L"; read -r sl50 _ sl_p99 <<<"$SQ_L"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN{ if ((dir=="ge" && v>=t) || (dir=="le" && v<=t)) print "met"; else print "NOT met" }'; }
R_P=$(ratio "$sp50" "$np50"); R_L=$(ratio "$sl50" "$nl50")
read -r pp1 _ _ <<<"$PG_P1"; read -r pl1 _ _ <<<"$PG_L1"; read -r ph _ _ <<<"$PG_PH"; read -r lh _ _ <<<"$PG_LH"
TABLE=$(cat <<TXT
| figure | shequ | reference (same run) | ratio | target | |
|---|---|---|---|---|---|
| GET /api/v1/persons/{id}, req/s ($CONN connections) | $sp50 | nginx, static file of $PERSON_BYTES bytes: $np50 | $R_P | >= 0.6 | $(verdict "$R_P" 0.6 ge) |
| 20-row list filtered by community, req/s | $sl50 | nginx, static file of $LIST_BYTES bytes: $nl50 | $R_L | >= 0.4 | $(verdict "$R_L" 0.4 ge) |
| p99 latency of GET /persons/{id} at $CONN connections, ms | $sp_p99 | (p50 $sp_p50 ms) | | <= 10 | $(verdict "$sp_p99" 10 le) |
| p99 latency of the community list, ms | $sl_p99 | | | | |
| import of $IMPORT residents from CSV, rows/s (median of $RUNS) | $IMP_RPS (${IMP_S} s) | sqlite3 shell .import of the same file: $REF_RPS (${REF_S} s) | $(ratio "$IMP_RPS" "$REF_RPS") | >= 200,000 | $(verdict "$IMP_RPS" 200000 ge) |
| persons list in the console: first row painted, ms, cold full load / warm menu click (chromium, $CONSOLE_total residents) | $CONSOLE_cold_ms / $CONSOLE_warm_ms | the same list request by fetch: $CONSOLE_api_ms ms; sign-in page to its load event: $CONSOLE_load_ms ms | | <= 1000 | $([ "$CONSOLE_cold_ms" = n/a ] && echo "not measured" || verdict "$CONSOLE_cold_ms" 1000 le) |
TXT
)
# "a + b + c = T" of a "shequ postgres loadgen" triple (a "-" for none); the Nth value of one; and the
# ceiling they set on the ratio to SQLite when the CPU is the limit: SQLite's CPU a GET over
# PostgreSQL's, and the same with no cost in shequ beyond its SQLite one (PostgreSQL's share as
# pgbench measured it)
cpu_sum() { awk -v v="$1" 'BEGIN { split(v, a, " "); if (a[1] == "n/a") { print "n/a"; exit }
  t = a[1] + a[2] + a[3]; printf "%s + %s + %s = %.1f", a[1], (a[2] > 0 ? a[2] : "-"), a[3], t }'; }
cpu_part() { awk -v v="$1" -v i="$2" 'BEGIN { split(v, a, " "); print a[i] }'; }
cpu_ceiling() { awk -v sq="$SQ_CPU" -v pg="$PG_CPU" -v pb="$PGB_CPU" 'BEGIN { split(sq, s, " "); split(pg, p, " "); split(pb, b, " ")
  if (s[1] == "n/a" || p[1] == "n/a" || b[2] == "n/a") { print "n/a"; exit }
  ts = s[1] + s[3]; tp = p[1] + p[2] + p[3]
  printf "at most %.2f of SQLite while the cores are the limit (%.2f if shequ cost no more than on SQLite)", ts / tp, ts / (ts + b[2]) }'; }
PG_TABLE=
if [ "$PG_P1" != "n/a 0 0" ]; then
PG_TABLE=$(cat <<TXT
| figure, PostgreSQL $PG_VERSION (the same district moved by migrate-data: $PG_ROWS rows in ${PG_MIG_S} s; servers on its unix socket) | shequ | reference (same run) | ratio | target | |
|---|---|---|---|---|---|
| GET /api/v1/persons/{id}, one server, req/s | $pp1 | the SQLite server above: $sp50; pgbench, the same SELECT prepared (8 clients): $PGB tps | $(ratio "$pp1" "$sp50") of SQLite, $(ratio "$pp1" "$PGB") of pgbench | >= 0.5 of SQLite | $(verdict "$(ratio "$pp1" "$sp50")" 0.5 ge) |
| CPU a resident GET costs, µs: shequ + PostgreSQL + wrk (2 cores give 2,000,000 µs a second) | $(cpu_sum "$PG_CPU") | SQLite: $(cpu_sum "$SQ_CPU"); pgbench, the statement alone: PostgreSQL $(cpu_part "$PGB_CPU" 2) + pgbench $(cpu_part "$PGB_CPU" 3) | $(cpu_ceiling) | | |
| GET /api/v1/persons/{id}, two servers, req/s (wrk against each; through haproxy: $ph) | $PG_P2 | one server: $pp1 | $(ratio "$PG_P2" "$pp1") | >= 1.6 where cores allow | $(verdict "$(ratio "$PG_P2" "$pp1")" 1.6 ge) |
| 20-row community list, one server, req/s | $pl1 | the SQLite server above: $sl50 | $(ratio "$pl1" "$sl50") | >= 0.5 of SQLite | $(verdict "$(ratio "$pl1" "$sl50")" 0.5 ge) |
| 20-row community list, two servers, req/s (through haproxy: $lh) | $PG_L2 | one server: $pl1 | $(ratio "$PG_L2" "$pl1") | >= 1.6 where cores allow | $(verdict "$(ratio "$PG_L2" "$pl1")" 1.6 ge) |
TXT
)
fi
echo
echo "$TABLE"
if [ -n "$PG_TABLE" ]; then echo; echo "$PG_TABLE"; fi
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(date -u +%Y-%m-%d), $(nproc) cores shared with the load generator, SCALE=$SCALE residents,"
  echo "wrk -t2 -c$CONN, median of $RUNS runs of ${DUR}s each). Every figure stands beside its reference measured in"
  echo "the same run on the same machine; the machine is shared and noisy, so read the ratios."
  echo "Load average when the run started: $LOAD_START, when it ended: $(cut -d' ' -f1-3 /proc/loadavg) (anything above 0 is other work on the same 2 cores)."
  echo
  echo "$TABLE"
  echo
  if [ -n "$PG_TABLE" ]; then
    echo "On PostgreSQL (the same run; \`PG=0\` leaves this out):"
    echo
    echo "$PG_TABLE"
    echo
  fi
  if [ -f docs/BENCHMARKS-notes.md ]; then cat docs/BENCHMARKS-notes.md; fi
  if [ -f docs/BENCHMARKS-dispatch.md ]; then echo; cat docs/BENCHMARKS-dispatch.md; fi
  if [ -f docs/BENCHMARKS-fuzz.md ]; then echo; cat docs/BENCHMARKS-fuzz.md; fi   # make fuzz
  if [ -f docs/BENCHMARKS-soak.md ]; then echo; cat docs/BENCHMARKS-soak.md; fi   # make soak
} > docs/BENCHMARKS.md
echo
echo "written to docs/BENCHMARKS.md"
