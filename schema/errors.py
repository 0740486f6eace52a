"""Errors the API reports to clients as they are; anything else is masked outside DEBUG."""

from django.conf import settings
from graphql import GraphQLError


class ClientError(Exception):
    """A problem with the request the client can fix: its message reaches the client even in production."""

    code = "BAD_USER_INPUT"


class BadInputError(ClientError):
    code = "BAD_USER_INPUT"


class PermissionDeniedError(ClientError):
    code = "FORBIDDEN"


class NotFoundError(ClientError):
    code = "NOT_FOUND"


def is_client_error(error: GraphQLError) -> bool:
    """Parse, validation and coercion errors carry no original error; ours are ClientError."""
    original = error.original_error
    return original is None or isinstance(original, ClientError | GraphQLError)


def should_mask_error(error: GraphQLError) -> bool:
    """Outside DEBUG, hide the message of anything unexpected (it may carry SQL or internals)."""
    return not settings.DEBUG and not is_client_error(error)
