"""The end-to-end tests run against the ASGI application under uvicorn."""

from tests.live.conftest import live_server_factory  # noqa: F401  (the fixture)
