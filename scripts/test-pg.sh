#!/usr/bin/env bash
# make test-pg: the API tests (tests/api) against PostgreSQL from Debian's packages, in a
# throwaway cluster (scripts/pg-cluster.sh: a temporary directory, 127.0.0.1 at a free port, a
# unix socket in that directory). Runs the suite with SHEQU_TEST_PG pointing at it (each test
# server gets a fresh database, tests/api/lib.mjs), then stops the server and removes the
# directory whatever happens. Ends with "N passed, N failed" like make test.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/asan}
source scripts/pg-cluster.sh

trap pg_cluster_stop EXIT INT TERM
# a test cluster: durability off (nothing here outlives the run), room for every test's servers
if ! pg_cluster_start "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=128MB"; then
  echo "test-pg: cannot start PostgreSQL"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "== PostgreSQL $PG_VERSION in $PG_DIR, 127.0.0.1:$PG_PORT"

export SHEQU_TEST_PG="$PG_ADMIN_URL"
SUITES=api bash scripts/test.sh "$BUILD"
rc=$?
if [ "$rc" != 0 ]; then
  echo "-- PostgreSQL server log (errors):"
  pg_cluster_errors
fi
exit $rc
