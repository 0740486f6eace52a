"""One GraphQL operation from its text to its result: cached parsing and validation, the operation and its
variables checked before anything runs, execution on graphql-core, and every error given a code.

This is the whole pipeline of the API (the HTTP endpoint is its only caller besides tests); Strawberry
provides the schema and its resolvers, graphql-core runs them.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from django.conf import settings
from django.db import OperationalError as DjangoOperationalError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import MaxIntrospectionDepthRule
from psycopg import OperationalError as PsycopgOperationalError
from psycopg.errors import QueryCanceled
from psycopg_pool import PoolTimeout
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema import schema
from schema.cost import Pricing, actual_cost_of, maximum_cost, pricing, requested_cost_of
from schema.db import RequestCancelledError
from schema.errors import ClientError

logger = logging.getLogger("deltacrown.api")

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 20
MAX_TOKENS = 2000
# No list argument takes more (eventTypes, the longest, has one item per event type).
MAX_VARIABLE_LIST_ITEMS = 100
# Clients send the same few documents: parsing and validating cost more than executing a small one.
DOCUMENT_CACHE_SIZE = 512
MASKED_MESSAGE = "Unexpected error."

VALIDATION_RULES = (
    *specified_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
    # The cost model counts introspection lists once; this bounds how deep introspection may nest.
    MaxIntrospectionDepthRule,
    *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A parsed document and the result of validating it (errors empty when valid)."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    code: str | None  # GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED when errors


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def prepare_document(query: str) -> PreparedDocument:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return PreparedDocument(document=None, errors=(error,), code="GRAPHQL_PARSE_FAILED")
    errors = validate(schema._schema, document, VALIDATION_RULES)
    if errors:
        return PreparedDocument(document=None, errors=tuple(errors), code="GRAPHQL_VALIDATION_FAILED")
    return PreparedDocument(document=document, errors=(), code=None)


class RequestError(Exception):
    """The request cannot execute: GraphQL errors without a path, and the code they share."""

    def __init__(self, errors: list[GraphQLError], code: str, **extensions: Any) -> None:
        super().__init__(errors[0].message)
        self.errors = errors
        self.code = code
        self.extensions = extensions


@dataclass(frozen=True, slots=True)
class Operation:
    query: str
    document: DocumentNode
    definition: OperationDefinitionNode
    variables: dict[str, Any]  # coerced
    raw_variables: dict[str, Any]

    @property
    def name(self) -> str | None:
        return self.definition.name.value if self.definition.name else None

    @property
    def is_mutation(self) -> bool:
        return self.definition.operation == OperationType.MUTATION

    def requested_cost(self) -> int:
        return requested_cost_of(self._pricing().pricing)

    def actual_cost(self, data: dict[str, Any] | None) -> int:
        return actual_cost_of(self._pricing().pricing, data)

    def _pricing(self) -> "_PricingOfDocument":
        return _pricing(self.query, self.name, orjson.dumps(self.raw_variables, option=orjson.OPT_SORT_KEYS))


@dataclass(frozen=True, slots=True)
class _PricingOfDocument:
    document: DocumentNode  # kept alive with its pricing, which is keyed by its nodes
    pricing: Pricing | None


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _pricing(query: str, operation_name: str | None, variables_json: bytes) -> _PricingOfDocument:
    # Keyed by the text and the variables as sent: a client repeating an operation is priced once, and its
    # responses are walked with the per-selection plans worked out the first time.
    document = prepare_document(query).document
    assert document is not None  # operation_of validated it
    coerced = get_variable_values(
        schema._schema,
        _operation_definition(document, operation_name).variable_definitions or (),
        orjson.loads(variables_json),
    )
    variables = coerced.coerced if not isinstance(coerced, list) else {}
    found = pricing(schema=schema._schema, document=document, operation_name=operation_name, variables=variables)
    return _PricingOfDocument(document=document, pricing=found)


def _operation_definition(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    definition = get_operation_ast(document, operation_name)
    assert definition is not None  # operation_of found it
    return definition


def refuse_over_cost(*, requested: int) -> None:
    """RequestError QUERY_TOO_COMPLEX when an operation's static cost is over the maximum (docs/api-cost.md)."""
    maximum = maximum_cost()
    if requested > maximum:
        message = (
            f"This operation costs {requested:,} points, over the maximum of {maximum:,} a request: ask for "
            "smaller pages (`first`) or fewer nested lists. docs/api-cost.md shows how the cost is computed."
        )
        raise RequestError([GraphQLError(message)], "QUERY_TOO_COMPLEX", cost=requested, maximum=maximum)


def operation_of(
    *, query: str, operation_name: str | None, variables: dict[str, Any] | None, subscription: bool = False
) -> Operation:
    """The operation a request asks to run, valid and with coerced variables; RequestError otherwise.

    A subscription only with `subscription` (the live transports, schema/http/ws.py and sse.py), which take
    nothing else."""
    prepared = prepare_document(query)
    if prepared.document is None:
        raise RequestError(list(prepared.errors), prepared.code or "GRAPHQL_VALIDATION_FAILED")
    definition = get_operation_ast(prepared.document, operation_name)
    if definition is None:
        message = (
            f"Unknown operation named '{operation_name}'."
            if operation_name
            else "Must provide operation name if query contains multiple operations."
        )
        raise RequestError([GraphQLError(message)], "BAD_USER_INPUT")
    if (definition.operation == OperationType.SUBSCRIPTION) != subscription:
        message = (
            "Only subscriptions are served here: send queries and mutations over HTTP."
            if subscription
            else "Subscriptions are not served over this endpoint: use a WebSocket (graphql-transport-ws) or "
            "Accept: text/event-stream (docs/realtime.md)."
        )
        raise RequestError([GraphQLError(message)], "BAD_USER_INPUT")
    raw_variables = variables or {}
    refuse_oversized_lists(raw_variables)
    coerced = get_variable_values(schema._schema, definition.variable_definitions or (), raw_variables, max_errors=5)
    if isinstance(coerced, list):
        raise RequestError(coerced, "BAD_USER_INPUT")
    return Operation(
        query=query,
        document=prepared.document,
        definition=definition,
        variables=coerced.coerced,
        raw_variables=raw_variables,
    )


async def operation_execute(operation: Operation, *, context: Any) -> ExecutionResult:
    result = execute(
        schema._schema,
        operation.document,
        context_value=context,
        variable_values=operation.raw_variables,
        operation_name=operation.name,
        executor_class=schema.execution_context_class,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        operation_extensions=None,
    )
    if optimized_is_awaitable(result):
        result = await result  # type: ignore[misc]
    return result  # type: ignore[return-value]


def _oversized_list(value: Any) -> int | None:
    """The length of a list inside `value` longer than MAX_VARIABLE_LIST_ITEMS, if there is one."""
    pending = [value]
    while pending:  # a loop, not recursion: variables may nest as deep as the request body allows
        item = pending.pop()
        if isinstance(item, list):
            if len(item) > MAX_VARIABLE_LIST_ITEMS:
                return len(item)
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return None


def refuse_oversized_lists(variables: dict[str, Any]) -> None:
    """Variables holding a list longer than any argument takes are refused before graphql-core coerces them
    item by item (100,000 enum values took most of a second). Literal lists are bounded by MAX_TOKENS."""
    for name, value in variables.items():
        size = _oversized_list(value)
        if size is not None:
            message = (
                f"Variable '${name}' holds a list of {size} items: a list takes at most {MAX_VARIABLE_LIST_ITEMS}."
            )
            raise RequestError([GraphQLError(message)], "BAD_USER_INPUT")


# --- errors -------------------------------------------------------------------------------------------------

UNAVAILABLE = (DjangoOperationalError, PsycopgOperationalError, PoolTimeout)


def _root_cause(error: BaseException | None) -> BaseException | None:
    # Django wraps psycopg's errors: the cause says which.
    while error is not None and error.__cause__ is not None and isinstance(error, DjangoOperationalError):
        error = error.__cause__
    return error


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` of an execution error (request errors carry theirs in RequestError)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return "BAD_USER_INPUT" if original is not None else "INTERNAL_SERVER_ERROR"
    if isinstance(original, ClientError):
        return original.code
    cause = _root_cause(original)
    if isinstance(cause, QueryCanceled | RequestCancelledError):
        return "TIMEOUT"
    if isinstance(original, UNAVAILABLE):
        return "SERVICE_UNAVAILABLE"
    return "INTERNAL_SERVER_ERROR"


def format_error(error: GraphQLError, *, code: str, request_id: str) -> dict[str, Any]:
    """The error as the client sees it; unexpected ones are logged with their traceback, masked outside DEBUG."""
    formatted: dict[str, Any] = error.formatted  # type: ignore[assignment]
    extensions = dict(formatted.get("extensions") or {})
    # An error raised with its own code (e.g. schema.scalars' InvalidValueError) keeps it.
    extensions.setdefault("code", code)
    code = extensions["code"]
    if code == "INTERNAL_SERVER_ERROR":
        extensions["requestId"] = request_id
        logger.error(
            "Unexpected error in a GraphQL operation (request %s): %s",
            request_id,
            error.message,
            exc_info=error.original_error or error,
        )
        if not settings.DEBUG:
            formatted = {key: value for key, value in formatted.items() if key in {"locations", "path"}}
            formatted = {"message": MASKED_MESSAGE, **formatted}
    elif code == "SERVICE_UNAVAILABLE":
        logger.warning(
            "Database unavailable (request %s): %s", request_id, error.message, exc_info=error.original_error
        )
    else:
        # Expected: the client's to fix. No traceback, so nobody can flood the log with them.
        logger.info("GraphQL %s (request %s): %s", code, request_id, error.message[:200])
    formatted["extensions"] = extensions
    return formatted
