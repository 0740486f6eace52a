"""The cursor of a live subscription (defined with the stream's selectors)."""

from apps.user_profile.selectors.stream import StreamCursor

__all__ = ["StreamCursor"]
