#!/usr/bin/env bash
# A streaming-replication standby of the local PostgreSQL cluster, for the read-replica tests and
# benchmarks (ADR 0048, docs/scale.md §5). Idempotent:
#
#   scripts/pg-standby.sh start     create it if missing (pg_basebackup -R), start it, wait until it streams
#   scripts/pg-standby.sh stop      stop it (the primary is not touched)
#   scripts/pg-standby.sh status    running/stopped, in recovery, streaming
#   scripts/pg-standby.sh destroy   stop it and remove its data directory
#
# Environment: PRIMARY_PORT (5432), STANDBY_PORT (5433), STANDBY_DATA
# (/var/lib/postgresql/<version>/jc-standby). The primary is never restarted: if it lacks what
# replication needs (wal_level, max_wal_senders) the script says so and stops. The one change it may
# make to the primary: a pg_hba.conf line allowing replication connections from 127.0.0.1 for the
# user postgres (the cluster already trusts that user from there for every database), and, when it is
# unlimited, max_slot_wal_keep_size = 4GB (ALTER SYSTEM), both applied with a reload. The standby
# streams through the replication slot jc_standby, so the WAL it still needs is kept while it is
# stopped for a moment (a busy primary recycles it within seconds otherwise); the cap means a standby
# left stopped holds at most 4 GB of WAL on the primary, after which the slot is invalidated and
# `start` rebuilds the standby. `destroy` drops the slot.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
STANDBY_PORT=${STANDBY_PORT:-5433}
HOST=127.0.0.1
VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}
BIN=/usr/lib/postgresql/$VERSION/bin
DATA=${STANDBY_DATA:-/var/lib/postgresql/$VERSION/jc-standby}
LOG=${STANDBY_LOG:-/var/log/postgresql/postgresql-$VERSION-jc-standby.log}
SLOT=${STANDBY_SLOT:-jc_standby}
MARK="# jointcredit scripts/pg-standby.sh: replication connections for the local standby"

say() { echo "pg-standby: $*" >&2; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
primary_sql() { psql -h "$HOST" -p "$PRIMARY_PORT" -U postgres -XAtqc "$1"; }
standby_sql() { psql -h "$HOST" -p "$STANDBY_PORT" -U postgres -d postgres -XAtqc "$1"; }
running() { as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
streaming() { [ "$(standby_sql "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'" 2>/dev/null)" = 1 ]; }

check_primary() {
  pg_isready -h "$HOST" -p "$PRIMARY_PORT" -q || { say "the primary on port $PRIMARY_PORT is not running"; exit 1; }
  local level senders
  level=$(primary_sql "SHOW wal_level")
  senders=$(primary_sql "SHOW max_wal_senders")
  if [ "$level" = minimal ] || [ "$senders" -lt 2 ]; then
    say "the primary has wal_level=$level, max_wal_senders=$senders: streaming replication needs"
    say "wal_level=replica and max_wal_senders >= 2, which take a restart of the primary. Not done here."
    exit 1
  fi
  if ! psql "host=$HOST port=$PRIMARY_PORT user=postgres replication=true dbname=replication" \
      -XAtqc "IDENTIFY_SYSTEM" >/dev/null 2>&1; then
    local hba
    hba=$(primary_sql "SHOW hba_file")
    if ! grep -qF "$MARK" "$hba"; then
      say "allowing replication connections from $HOST in $hba (reload, no restart)"
      printf '%s\nhost    replication     postgres        %s/32            trust\n' "$MARK" "$HOST" >>"$hba"
    fi
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    sleep 1
  fi
  if [ "$(primary_sql "SHOW max_slot_wal_keep_size")" = "-1" ]; then
    say "capping the WAL a replication slot may hold on the primary: max_slot_wal_keep_size = 4GB (reload)"
    primary_sql "ALTER SYSTEM SET max_slot_wal_keep_size = '4GB'" >/dev/null
    primary_sql "SELECT pg_reload_conf()" >/dev/null
  fi
}

drop_slot() {
  primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
               WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
}

slot_lost() {
  [ "$(primary_sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT' AND wal_status <> 'lost'")" = 0 ]
}

create() {
  say "base backup of the primary into $DATA"
  rm -rf "$DATA"
  install -d -o postgres -g postgres -m 700 "$DATA"
  drop_slot
  # -R writes primary_conninfo (with the slot) and standby.signal; -C -S creates the slot the backup
  # starts from; -X stream copies the WAL of the backup itself; -c fast does not wait for the next
  # scheduled checkpoint.
  as_postgres "$BIN/pg_basebackup" -h "$HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast \
    -C -S "$SLOT"
  # A hot standby needs at least the primary's values of these.
  local conns workers prepared locks senders
  conns=$(primary_sql "SHOW max_connections")
  workers=$(primary_sql "SHOW max_worker_processes")
  prepared=$(primary_sql "SHOW max_prepared_transactions")
  locks=$(primary_sql "SHOW max_locks_per_transaction")
  senders=$(primary_sql "SHOW max_wal_senders")
  # Debian keeps the configuration outside the data directory, so the copy has none: its own, small.
  as_postgres tee "$DATA/postgresql.conf" >/dev/null <<EOF
port = $STANDBY_PORT
listen_addresses = '$HOST'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
# Long reads on the standby (extracts) are not cancelled by the primary's vacuum.
hot_standby_feedback = on
max_connections = $conns
max_worker_processes = $workers
max_prepared_transactions = $prepared
max_locks_per_transaction = $locks
max_wal_senders = $senders
shared_buffers = 32MB
ssl = off
EOF
  as_postgres tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local   all   all                 trust
host    all   all   $HOST/32      trust
EOF
  as_postgres rm -f "$DATA/postmaster.opts"
}

start_server() {
  [ -f "$LOG" ] || { touch "$LOG"; [ "$(id -u)" != 0 ] || chown postgres:postgres "$LOG"; }
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 600 start >/dev/null
}

wait_streaming() {
  for _ in $(seq 1 "${1:-30}"); do
    streaming && return 0
    sleep 1
  done
  return 1
}

start() {
  check_primary
  if running && streaming; then
    say "running on port $STANDBY_PORT, streaming from port $PRIMARY_PORT"
    return 0
  fi
  if [ ! -f "$DATA/standby.signal" ] || slot_lost; then
    running && as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1
    create
  fi
  running || start_server
  if ! wait_streaming 30; then
    # Typically the WAL it needs to resume is gone from the primary (no slot holds it): start afresh.
    say "not streaming after 30 s (see $LOG): rebuilding"
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    create
    start_server
    wait_streaming 60 || { say "the new standby does not stream either; see $LOG"; exit 1; }
  fi
  say "running on port $STANDBY_PORT, streaming from port $PRIMARY_PORT"
}

stop() {
  if running; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  say "stopped"
}

status() {
  if ! running; then
    echo "stopped"
    return 3
  fi
  echo "running port=$STANDBY_PORT in_recovery=$(standby_sql 'SELECT pg_is_in_recovery()')" \
    "receiver=$(standby_sql 'SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), '"'none'"')')"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  destroy) stop; drop_slot; rm -rf "$DATA" "$LOG"; say "removed $DATA and the slot $SLOT" ;;
  *) echo "usage: $0 start|stop|status|destroy" >&2; exit 2 ;;
esac
