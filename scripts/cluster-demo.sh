#!/usr/bin/env bash
# make cluster-demo: the several-servers deployment on one machine. A throwaway PostgreSQL
# (scripts/pg-cluster.sh, in a temporary directory), the demo district loaded into it once, two
# `shequ serve` processes on it (127.0.0.1:8081 and :8082) and haproxy in front on
# 127.0.0.1:8080, sharing sessions, versions and the audit chain through the database alone.
# Ctrl-C stops haproxy, both servers and PostgreSQL and removes the directory.
#   SCALE=N           residents in the demo district (default 200,000; about 20 s to load)
#   SHEQU_DEMO_PASSWORD  the demo accounts' password (default shequ2026)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
BIN="$PWD/$BUILD/shequ"
SCALE=${SCALE:-200000}
PW=${SHEQU_DEMO_PASSWORD:-shequ2026}
FRONT=8080
BACKENDS=(8081 8082)
source scripts/pg-cluster.sh

command -v haproxy >/dev/null || { echo "cluster-demo: haproxy missing (Debian package haproxy; scripts/deps.sh installs it)"; exit 1; }
for p in "$FRONT" "${BACKENDS[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "cluster-demo: 127.0.0.1:$p is taken (a make demo still running?)"; exit 1; fi
done

pids=()
stop_all() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  pg_cluster_stop
  echo "cluster-demo: stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

pg_cluster_start "-c max_connections=100 -c shared_buffers=256MB" || { echo "cluster-demo: cannot start PostgreSQL"; exit 1; }
DB=$(pg_cluster_createdb shequ) || exit 1
echo "== PostgreSQL $PG_VERSION in $PG_DIR: $DB"

# every server needs the same data key; this one lives and dies with the demo
export SHEQU_SECRET_KEY
SHEQU_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

echo "== loading the demo district once ($SCALE residents)"
"$BIN" demo --db "$DB" --password "$PW" --scale "$SCALE" || exit 1

# haproxy on 127.0.0.1 names the client in X-Forwarded-For (scripts/haproxy-config.sh)
export SHEQU_TRUSTED_PROXIES=127.0.0.1
for i in "${!BACKENDS[@]}"; do
  port=${BACKENDS[$i]}
  "$BIN" serve --db "$DB" --listen "127.0.0.1:$port" 2> >(sed -u "s/^/[s$((i + 1))] /" >&2) &
  pids+=($!)
done
for port in "${BACKENDS[@]}"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
done

# round robin over both, health-checked, X-Served-By naming the server (scripts/haproxy-config.sh)
bash scripts/haproxy-config.sh "$FRONT" "${BACKENDS[@]}" > "$PG_DIR/haproxy.cfg"
haproxy -W -db -f "$PG_DIR/haproxy.cfg" &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$FRONT/api/v1/health" >/dev/null && break; sleep 0.1; done

cat <<TXT

== ready: http://127.0.0.1:$FRONT  (haproxy; servers s1 127.0.0.1:${BACKENDS[0]}, s2 127.0.0.1:${BACKENDS[1]})
   demo accounts as in make demo, password $PW; each answer's X-Served-By header names its server:
     curl -si http://127.0.0.1:$FRONT/api/v1/health | grep -i served
   Ctrl-C stops everything.
TXT
wait -n "${pids[@]}"
echo "cluster-demo: a process ended; stopping the rest"
