# pg-cluster.sh (sourced, not run): a throwaway PostgreSQL cluster from Debian's packages in a
# private temporary directory, for make test-pg, make cluster-demo and make bench. No system
# service and no root needed by the server itself: initdb refuses root, so when the caller is root
# the server runs as the unprivileged `postgres` user. It listens on 127.0.0.1 at a free port and
# on a unix socket inside the directory; trust authentication for the role `shequ` (nothing but
# this machine's 127.0.0.1 reaches it, and it is gone when the caller stops).
#
#   source scripts/pg-cluster.sh
#   pg_cluster_start [EXTRA_SERVER_OPTIONS]  # sets PG_DIR, PG_PORT, PG_ADMIN_URL (the "postgres" db)
#   pg_cluster_createdb NAME                 # prints postgresql://shequ@127.0.0.1:PORT/NAME
#   pg_cluster_stop                          # stops the server, removes PG_DIR; safe to call twice
#
# pg_cluster_start prints what went wrong and returns non-zero; the caller decides how to fail.

pg_cluster_bin() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    echo "PostgreSQL server binaries missing (Debian package postgresql; scripts/deps.sh installs it)" >&2
    return 1
  fi
}

# A port nobody listens on now, on 127.0.0.1.
pg_cluster_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pg_cluster_start() {
  local extra=${1:-}
  pg_cluster_bin || return 1
  PG_DIR=$(mktemp -d /tmp/shequ-pg.XXXXXX)
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    chown postgres "$PG_DIR"
    PG_AS=(runuser -u postgres --)
  fi
  chmod 700 "$PG_DIR"
  PG_PORT=$(pg_cluster_free_port)
  if ! "${PG_AS[@]}" "$PGBIN/initdb" -D "$PG_DIR/data" -U shequ --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  local opts="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR $extra"
  if ! "${PG_AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "$opts" -w start >/dev/null; then
    cat "$PG_DIR/server.log" >&2
    return 1
  fi
  PG_ADMIN_URL="postgresql://shequ@127.0.0.1:$PG_PORT/postgres"
  PG_VERSION=$("$PGBIN/postgres" --version | awk '{print $3}')
}

pg_cluster_createdb() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"$1\"" >/dev/null || return 1
  echo "postgresql://shequ@127.0.0.1:$PG_PORT/$1"
}

pg_cluster_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  [ -f "$PG_DIR/data/postmaster.pid" ] && "${PG_AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}

# Errors from the server's log (for a failed run's report), duplicates left out: tests make them.
pg_cluster_errors() {
  [ -f "${PG_DIR:-}/server.log" ] || return 0
  grep -E 'ERROR|FATAL|PANIC' "$PG_DIR/server.log" | grep -v 'duplicate key value' | tail -30 | sed 's/^/  /'
}
