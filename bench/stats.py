"""Latency summaries and the machine a run happened on."""

import os
import platform
import statistics
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Latency:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> "Latency":
        if len(seconds) < 2:
            raise ValueError("A latency summary needs at least two samples.")
        cuts = statistics.quantiles(seconds, n=100, method="inclusive")
        return cls(
            count=len(seconds),
            p50_ms=cuts[49] * 1000,
            p95_ms=cuts[94] * 1000,
            p99_ms=cuts[98] * 1000,
            mean_ms=statistics.fmean(seconds) * 1000,
        )

    def as_dict(self) -> dict[str, Any]:
        return {key: round(value, 3) if isinstance(value, float) else value for key, value in asdict(self).items()}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(postgres_version: str) -> dict[str, Any]:
    import django

    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "postgresql": postgres_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        # Other work on the machine skews latencies: the 1-minute load average when the reads started.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
