"""HTTP load for the read benchmark: uvicorn servers to measure and wrk to drive them.

wrk (Debian's `wrk`, C, epoll) is the generator, so the client is never what is measured: one small Lua
script per target sets the method, body and headers, and its `done()` prints wrk's exact percentiles and
error counts as one JSON line. Every run is bounded in time (`-d`).
"""

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# The same for the product and the bare floor in a run (uvloop and httptools: what uvicorn[standard] picks).
DEFAULT_UVICORN_OPTIONS = "--loop uvloop --http httptools --no-access-log --log-level warning"
DEFAULT_PRODUCT_APP = "config.asgi:application"
BARE_APP = "bench.bare:app"
RESULT_MARK = "BENCH_RESULT "

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    MARK, summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Request:
    """One HTTP request, as wrk and httpx send it."""

    method: str
    path: str  # with its query string
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Load:
    """One wrk run: `connections` clients for `duration_s`."""

    connections: int
    threads: int
    requests: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["requests_per_second"] = round(self.requests_per_second, 1)
        data["error_count"] = self.error_count
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in data.items()}


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for printable text


def lua_script(request: Request) -> str:
    lines = [f"wrk.method = {_lua_string(request.method)}", f"MARK = {_lua_string(RESULT_MARK)}"]
    if request.body is not None:
        lines.append(f"wrk.body = {_lua_string(request.body)}")
    for name, value in request.headers:
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    return "\n".join(lines) + "\n" + LUA_DONE


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, request: Request, *, connections: int, threads: int, duration_s: float) -> Load:
    """`wrk -t -c -d` against one request; status errors are responses with a status of 400 or more."""
    threads = max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(request))
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration_s))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            base_url + request.path,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 60, check=False)
    finally:
        os.unlink(script.name)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result ({done.returncode}): {done.stderr[-500:]} {done.stdout[-500:]}")
    raw = json.loads(line[len(RESULT_MARK) :])
    return Load(
        connections=connections,
        threads=threads,
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors={key: raw[key] for key in ("connect", "read", "write", "status", "timeout") if raw[key]},
    )


def run_sequential(base_url: str, request: Request, *, count: int) -> Load:
    """One client, one keep-alive connection, `count` requests in a row (httpx): the previous method."""
    samples: list[float] = []
    failed = 0
    with httpx.Client(base_url=base_url, headers=dict(request.headers), timeout=30) as client:
        started_all = time.perf_counter()
        for _ in range(count):
            started = time.perf_counter()
            response = client.request(request.method, request.path, content=request.body)
            samples.append(time.perf_counter() - started)
            failed += response.status_code >= 400
        elapsed = time.perf_counter() - started_all
    from bench.stats import Latency

    latency = Latency.of(samples)
    return Load(
        connections=1,
        threads=1,
        requests=count,
        duration_s=elapsed,
        p50_ms=latency.p50_ms,
        p95_ms=latency.p95_ms,
        p99_ms=latency.p99_ms,
        max_ms=max(samples) * 1000,
        errors={"status": failed} if failed else {},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base_url: str
    pid: int
    command: str


@contextmanager
def uvicorn_server(app: str, *, env: dict[str, str], workers: int, options: str, probe: Request) -> Iterator[Server]:
    """`uvicorn APP --workers N OPTIONS` on a free port, serving once `probe` gets an answer (any status)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *shlex.split(options),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    shown = "uvicorn " + " ".join(shlex.quote(part) for part in command[3:])
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{shown} exited with status {server.returncode} before serving")
            try:
                httpx.request(
                    probe.method, base_url + probe.path, content=probe.body, headers=dict(probe.headers), timeout=5
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{shown} did not start serving within 60 s") from None
                time.sleep(0.2)
        if workers > 1:
            time.sleep(1.0)  # the first worker answered; give the others their start-up too
        yield Server(base_url=base_url, pid=server.pid, command=shown)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
