"""Errors the API reports to clients as they are; anything else is masked outside DEBUG.

Every error the API returns carries one of ERROR_CODES as `extensions.code`.
"""

from graphql import GraphQLError

ERROR_CODE_MEANINGS: dict[str, str] = {
    "BAD_USER_INPUT": "An argument or variable value is invalid (bad id, cursor, date, page size, list); fix it.",
    "NOT_FOUND": "The object asked for does not exist (or is not visible to the viewer).",
    "FORBIDDEN": "The viewer is signed in but may not see or do this.",
    "UNAUTHENTICATED": "This needs a signed-in viewer (a session or a Bearer token), and there is none.",
    "GRAPHQL_PARSE_FAILED": "The document is not valid GraphQL syntax.",
    "GRAPHQL_VALIDATION_FAILED": "The document does not match the schema (unknown field, wrong argument type…).",
    "QUERY_TOO_COMPLEX": "The document exceeds the depth, alias or token limits.",
    "RATE_LIMITED": "Too many requests from this client; retry after the delay the response gives.",
    "TIMEOUT": "The operation took longer than the server allows and was stopped.",
    "SERVICE_UNAVAILABLE": "The server cannot answer right now (database or cache down); retry later.",
    "PERSISTED_QUERY_NOT_FOUND": "The persisted query hash is unknown: send the full document with it once.",
    "PERSISTED_QUERY_NOT_SUPPORTED": "This endpoint does not accept persisted queries.",
    "TRUSTED_DOCUMENT_REQUIRED": "Only registered (trusted) documents may run here; send a known document id.",
    "INTERNAL_SERVER_ERROR": "An unexpected server fault; the message is masked and the fault is logged.",
}
# Every `extensions.code` the API uses, in the order of ERROR_CODE_MEANINGS (which says what each means).
ERROR_CODES: tuple[str, ...] = tuple(ERROR_CODE_MEANINGS)


class ClientError(Exception):
    """A problem with the request the client can fix: its message reaches the client even in production."""

    code = "BAD_USER_INPUT"


class BadInputError(ClientError):
    code = "BAD_USER_INPUT"


class UnauthenticatedError(ClientError):
    code = "UNAUTHENTICATED"


class PermissionDeniedError(ClientError):
    code = "FORBIDDEN"


class NotFoundError(ClientError):
    code = "NOT_FOUND"


class InvalidValueError(BadInputError, GraphQLError):
    """A value a scalar refuses while coercing a variable or a literal (before any resolver runs).

    graphql-core reports a GraphQLError raised in a scalar with its own message (any other exception gets
    wrapped in a generic one), and carries its extensions over to the error it reports: the code is set
    here as well, for errors raised where no resolver is there to add it.
    """

    def __init__(self, message: str) -> None:
        GraphQLError.__init__(self, message, extensions={"code": self.code})
