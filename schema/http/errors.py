"""Refusals of the HTTP layer: each one a status, a GraphQL error with a code, and headers."""

from dataclasses import dataclass, field


@dataclass
class HttpError(Exception):
    """A request the endpoint answers without executing: the status, the message and its `extensions.code`."""

    status: int
    message: str
    code: str = "BAD_USER_INPUT"
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message
