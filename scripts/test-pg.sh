#!/usr/bin/env bash
# make test-pg: the API tests (tests/api) against PostgreSQL from Debian's packages. Initialises a
# throwaway cluster in a temporary directory (initdb refuses root, so the server runs as the
# unprivileged `postgres` user when this runs as root), listens on 127.0.0.1 at a free port and on
# a unix socket in that directory, runs the suite with SHEQU_TEST_PG pointing at it (each test
# server gets a fresh database, tests/api/lib.mjs), then stops the server and removes the
# directory whatever happens. Ends with "N passed, N failed" like make test.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/asan}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "test-pg: PostgreSQL server binaries missing (Debian package postgresql; scripts/deps.sh installs it)"
  echo "0 passed, 1 failed"
  exit 1
fi

dir=$(mktemp -d /tmp/shequ-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
chmod 700 "$dir"

stop() {
  [ -f "$dir/data/postmaster.pid" ] && "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT INT TERM

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') in $dir, 127.0.0.1:$port"
if ! "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U shequ --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log"; echo "0 passed, 1 failed"; exit 1
fi
# a test cluster: durability off (nothing here outlives the run), room for every test's servers
opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300"
opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=128MB"
if ! "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w start >/dev/null; then
  cat "$dir/server.log"; echo "0 passed, 1 failed"; exit 1
fi

export SHEQU_TEST_PG="postgresql://shequ@127.0.0.1:$port/postgres"
SUITES=api bash scripts/test.sh "$BUILD"
rc=$?
if [ "$rc" != 0 ]; then
  echo "-- PostgreSQL server log (errors):"
  grep -E 'ERROR|FATAL|PANIC' "$dir/server.log" | grep -v 'duplicate key value' | tail -30 | sed 's/^/  /'
fi
exit $rc
