#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests that need a real one (the shared payout journal,
# the notification inbox):
#
#   eval "$(bash scripts/postgres.sh start)"   # makes and starts it; exports its URL
#   cargo test --workspace                     # the PostgreSQL tests run (else they say skipped)
#   bash scripts/postgres.sh stop              # stops it and removes its folder
#
# `start` installs PostgreSQL from the distribution's packages when no server is found (as root,
# with apt-get), makes a cluster with initdb in a temporary folder (as the `postgres` user when run
# as root: the server refuses root), listening on 127.0.0.1 only, and prints
# `export INTELLECTMONEY_TEST_POSTGRES=postgres://intellectmoney@127.0.0.1:<port>/postgres`.
# Trust authentication: it is reachable from this machine alone, and removed by `stop`.
set -euo pipefail
dir="${INTELLECTMONEY_PG_DIR:-${TMPDIR:-/tmp}/intellectmoney-pg}"
port="${INTELLECTMONEY_PG_PORT:-55432}"

# The folder of the server's programs (initdb, pg_ctl), newest version first.
bin_dir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Runs a server program as a user the server accepts.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install_server() {
  echo "no PostgreSQL server found: installing it from the distribution's packages" >&2
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "cannot install PostgreSQL here (needs root and apt-get): install it, then run this again" >&2
    exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
}

start() {
  local bin
  bin=$(bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    install_server
    bin=$(bin_dir)
  fi
  if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "export INTELLECTMONEY_TEST_POSTGRES=postgres://intellectmoney@127.0.0.1:$port/postgres"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U intellectmoney -A trust --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export INTELLECTMONEY_TEST_POSTGRES=postgres://intellectmoney@127.0.0.1:$port/postgres"
}

stop() {
  local bin
  bin=$(bin_dir)
  if [ -n "$bin" ] && [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
