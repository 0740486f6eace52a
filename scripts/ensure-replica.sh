#!/usr/bin/env bash
# Make sure a streaming read replica of the local PostgreSQL 15 cluster answers at 127.0.0.1:${REPLICA_PORT:-5433}
# (docs/scale-out.md). A no-op when it already runs and is in recovery; otherwise a Debian cluster "replica" is
# (re)made from the primary with pg_basebackup and started. The primary must accept replication connections from
# 127.0.0.1: a trust line is added to its pg_hba.conf once, when missing. Exits 1, saying why, where a replica
# cannot be made (no Debian PostgreSQL tools, not root or postgres, no local primary): the replica tests then skip.
set -euo pipefail
version="${PG_VERSION:-15}"
port="${REPLICA_PORT:-5433}"
primary_port="${PRIMARY_PORT:-5432}"
cluster="${REPLICA_CLUSTER:-replica}"

in_recovery() {
  [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'select pg_is_in_recovery()' 2>/dev/null)" = t ]
}
streaming() {
  [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
    "select count(*) from pg_stat_wal_receiver where status = 'streaming'" 2>/dev/null)" = 1 ]
}
if in_recovery && streaming; then exit 0; fi

fail() { echo "No read replica: $*" >&2; exit 1; }
for tool in pg_createcluster pg_ctlcluster pg_dropcluster pg_basebackup psql; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian's postgresql-common and postgresql-$version)."
done
[ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ] || fail "run as root or postgres to create a cluster."
pg_isready -q -h 127.0.0.1 -p "$primary_port" || fail "no primary answers at 127.0.0.1:$primary_port."
# From / : the postgres user may not enter the directory this runs from (a fresh clone under a private mktemp).
as_postgres() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# A cluster that exists but is stopped (a test stopped it, or the machine restarted): start it.
if [ -d "/etc/postgresql/$version/$cluster" ]; then
  cp "$(psql -h 127.0.0.1 -p "$primary_port" -U postgres -Atc 'show hba_file')" "/etc/postgresql/$version/$cluster/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload >/dev/null 2>&1 || true
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do in_recovery && streaming && exit 0; sleep 0.5; done
  echo "The $cluster cluster does not come up as a streaming replica: making it again." >&2
  pg_dropcluster --stop "$version" "$cluster" || true
fi

# Replication connections are matched by "replication" lines only ("all" does not cover them).
hba="$(psql -h 127.0.0.1 -p "$primary_port" -U postgres -Atc 'show hba_file')"
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust  # read replicas on this machine (scripts/ensure-replica.sh)" >>"$hba"
  psql -h 127.0.0.1 -p "$primary_port" -U postgres -Atqc 'select pg_reload_conf()' >/dev/null
fi

# A physical replication slot keeps the WAL the replica has not received yet, so a replica stopped for a while
# (the tests stop it) resumes streaming instead of finding its WAL recycled. Capped: past max_slot_wal_keep_size
# the primary drops what the slot holds rather than fill its disk (the replica is then remade by this script).
slot="${cluster}_${port}"
primary_sql() { psql -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -Atqc "$1"; }
if [ "$(primary_sql 'show max_slot_wal_keep_size')" = "-1" ]; then
  primary_sql "ALTER SYSTEM SET max_slot_wal_keep_size = '${REPLICA_SLOT_WAL_KEEP:-8GB}'" >/dev/null
  primary_sql 'select pg_reload_conf()' >/dev/null
fi
primary_sql "select pg_drop_replication_slot('$slot') from pg_replication_slots where slot_name = '$slot'" >/dev/null
primary_sql "select pg_create_physical_replication_slot('$slot')" >/dev/null

echo "Making the read replica: cluster $version/$cluster on port $port from the primary at port $primary_port" >&2
pg_createcluster "$version" "$cluster" --port "$port" >/dev/null
# The replica authenticates clients as the primary does.
cp "$hba" "/etc/postgresql/$version/$cluster/pg_hba.conf"
datadir="/var/lib/postgresql/$version/$cluster"
as_postgres find "$datadir" -mindepth 1 -delete
# -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile; checkpoint fast so
# the copy starts at once.
as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$datadir" -R -X stream -c fast -S "$slot"
pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
for _ in $(seq 1 60); do in_recovery && streaming && exit 0; sleep 0.5; done
fail "the $cluster cluster started but does not answer as a standby at port $port."
