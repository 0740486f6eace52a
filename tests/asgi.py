"""The in-process ASGI client, for tests (config/asgi_client.py)."""

from config.asgi_client import AsgiClient, AsgiResponse

__all__ = ["AsgiClient", "AsgiResponse"]
