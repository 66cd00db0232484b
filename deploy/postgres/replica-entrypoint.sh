#!/bin/bash
# A hot standby: cloned from the primary on first start (pg_basebackup -R writes standby.signal and the
# connection), then PostgreSQL streams from it. Read-only: Awn sends it the reports' reads only.
set -euo pipefail
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres "$PGDATA" && chmod 700 "$PGDATA"
  until gosu postgres pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -P; do
    echo "waiting for the primary"; sleep 2
  done
fi
exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on -c max_connections=200
