#!/usr/bin/env bash
# Start a local Redis when none answers at REDIS_URL's default (127.0.0.1:6379) and redis-server is installed:
# API budgets and automatic persisted queries are shared through it. Without one the suite's Redis tests skip
# and say so, and the app keeps budgets per process.
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then exit 0; fi
if command -v redis-server >/dev/null 2>&1; then
  echo "Redis is down: starting a local one (nothing kept on disk)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 20); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
    sleep 0.5
  done
fi
echo "No Redis at 127.0.0.1:6379: the tests that need one will be skipped." >&2
exit 0
