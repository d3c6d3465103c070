#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the test suite's second pass.
# initdb refuses to run as root, so the cluster belongs to the postgres user.
# Prints the SQLAlchemy URL on stdout; the server runs until the machine's session ends
# or scripts/stop-postgres.sh is called with the same directory.
set -euo pipefail
PGDIR=${1:-$(mktemp -d /tmp/groupguard-pg.XXXXXX)}
PORT=${PGPORT_TEST:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed; installing Debian's package" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  chown postgres "$PGDIR"
  RUN_AS=(runuser -u postgres --)
fi
"${RUN_AS[@]}" "$BIN/initdb" -D "$PGDIR/data" -U postgres -A trust --no-sync >/dev/null
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
  -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null
"${RUN_AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres groupguard_test
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/groupguard_test"
