#!/usr/bin/env bash
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
if [ "$(id -u)" = "0" ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$1/data" -m fast stop
else
  "$BIN/pg_ctl" -D "$1/data" -m fast stop
fi
