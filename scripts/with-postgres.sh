#!/usr/bin/env bash
# Run a command (the test suite) against PostgreSQL: DATABASE_URL when set; else the server at 127.0.0.1:5432
# (started first when it is a local cluster that is down); else the embedded server of scripts/embedded_postgres.py,
# started for the command and stopped after it. LOCAL_POSTGRES_PORT moves the local probe to another port
# (LOCAL_POSTGRES_PORT=1: behave as on a machine without PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi
if ./scripts/ensure-postgres.sh; then
  port="${LOCAL_POSTGRES_PORT:-5432}"
  [ "$port" = 5432 ] || export DATABASE_URL="postgres://postgres@127.0.0.1:$port/deltacrown"
  exec "$@"
fi
echo "No PostgreSQL server: running on the embedded one (scripts/embedded_postgres.py, data in .pgdata/)" >&2
exec .venv/bin/python scripts/embedded_postgres.py run -- "$@"
