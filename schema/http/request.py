"""A GraphQL request as it arrives over HTTP (GET query string or POST JSON body), checked before any work.

Everything a client sends is bounded and typed here, so that what reaches parsing and execution is well formed:
bodies over the cap, bodies that are not a JSON object in UTF-8, JSON nested deeper than orjson's limit (1,024),
lone surrogates and over-long operation names each get a 4xx with a clear message and `BAD_USER_INPUT`.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from schema.http.errors import HttpError

# GraphQL names are identifiers; no real operation is named with more than a few dozen characters.
MAX_OPERATION_NAME_LENGTH = 128
MAX_DOCUMENT_ID_LENGTH = 200
MAX_QUERY_STRING_FIELDS = 16
PARAMETERS = ("query", "variables", "operationName", "extensions", "documentId")


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    # Trusted documents: GraphQL-over-HTTP's `documentId`, or `id` as Relay's persisted queries send it.
    document_id: str | None


def _bad(message: str, status: int = 400) -> HttpError:
    return HttpError(status=status, message=message)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _bad(f"{what} is not valid JSON in UTF-8 ({error.msg}).") from error


def _optional(payload: dict[str, Any], key: str, kind: type, kind_name: str) -> Any:
    value = payload.get(key)
    if value is not None and not isinstance(value, kind):
        raise _bad(f"`{key}` must be {kind_name} or null.")
    return value


def _params(payload: dict[str, Any]) -> GraphQLParams:
    operation_name = _optional(payload, "operationName", str, "a string")
    if operation_name is not None and len(operation_name) > MAX_OPERATION_NAME_LENGTH:
        # Never echo it: a client could make every error response (and log line) as large as it likes.
        raise _bad(f"`operationName` is longer than {MAX_OPERATION_NAME_LENGTH} characters.")
    document_id = _optional(payload, "documentId", str, "a string")
    if document_id is None and isinstance(payload.get("id"), str):
        document_id = payload["id"]
    if document_id is not None and len(document_id) > MAX_DOCUMENT_ID_LENGTH:
        raise _bad(f"`documentId` is longer than {MAX_DOCUMENT_ID_LENGTH} characters.")
    return GraphQLParams(
        query=_optional(payload, "query", str, "a string"),
        variables=_optional(payload, "variables", dict, "an object"),
        operation_name=operation_name or None,
        extensions=_optional(payload, "extensions", dict, "an object"),
        document_id=document_id,
    )


def params_from_query_string(query_string: bytes) -> GraphQLParams:
    """GET: every parameter a URL-encoded UTF-8 string; `variables` and `extensions` JSON-encoded."""
    try:
        pairs = parse_qsl(
            query_string.decode("ascii"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_QUERY_STRING_FIELDS,
        )
    except (UnicodeError, ValueError) as error:
        raise _bad("The query string is not valid URL-encoded UTF-8 (or has too many fields).") from error
    payload: dict[str, Any] = {}
    for key, value in pairs:
        if key in payload:
            raise _bad(f"`{key[:40]}` is given more than once.")
        payload[key] = value
    for key in ("variables", "extensions"):
        if payload.get(key):
            payload[key] = _json(payload[key], f"`{key}`")
        else:
            payload.pop(key, None)
    return _params(payload)


def params_from_body(*, content_type: str, body: bytes) -> GraphQLParams:
    """POST: a JSON object (GraphQL-over-HTTP's application/json request)."""
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != "application/json":
        raise HttpError(status=415, message="Send the request as application/json.")
    charset = parameters.strip().lower().removeprefix("charset=").strip('"')
    if parameters.strip() and charset not in {"utf-8", "utf8"}:
        raise HttpError(status=415, message="The request body must be UTF-8.")
    payload = _json(body, "The request body")
    if not isinstance(payload, dict):
        raise _bad("The request body must be a JSON object with a `query` (or a persisted document id).")
    return _params(payload)
