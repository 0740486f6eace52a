#!/usr/bin/env bash
# The production server: one uvicorn worker process per core (the API is CPU-bound Python, one GIL per
# process), uvloop and httptools, no per-request access log (the proxy keeps one), and proxy headers left to
# TRUSTED_PROXIES (docs/deployment.md). Settings come from the environment (README, Configuration).
#   WORKERS   worker processes (default: the machine's cores)
#   HOST/PORT where to listen (default 0.0.0.0:8000)
set -euo pipefail
cd "$(dirname "$0")/.."
workers="${WORKERS:-$(nproc)}"
# The workers' metrics add up through one shared directory (prometheus_client's multiprocess mode).
if [ "$workers" -gt 1 ] && [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  export PROMETHEUS_MULTIPROC_DIR="${TMPDIR:-/tmp}/deltacrown-metrics-$$"
fi
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "${PYTHON:-.venv/bin/python}" -m uvicorn config.asgi:application \
  --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" --workers "$workers" \
  --loop uvloop --http httptools --no-access-log --no-proxy-headers
