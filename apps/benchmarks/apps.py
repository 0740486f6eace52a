from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Realistic platform data at scale, for benchmarks and load tests."""

    name = "apps.benchmarks"
    label = "benchmarks"
