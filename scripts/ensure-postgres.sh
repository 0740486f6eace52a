#!/usr/bin/env bash
# Make sure the machine's PostgreSQL answers at 127.0.0.1:${LOCAL_POSTGRES_PORT:-5432}: a no-op when it does; when
# it is a local cluster that is down, start it. Exits 1 when none answers (scripts/with-postgres.sh then uses the
# embedded server).
set -euo pipefail
port="${LOCAL_POSTGRES_PORT:-5432}"
answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}
if answers; then exit 0; fi
# (Only the default port is the local cluster's: LOCAL_POSTGRES_PORT=1 shows what happens with no server at all.)
if [ "$port" = 5432 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; then
  echo "PostgreSQL is down: starting the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do
    answers && exit 0
    sleep 1
  done
fi
echo "No PostgreSQL answers at 127.0.0.1:$port." >&2
exit 1
