"""Schema extensions: limits on what one document may ask, error masking and per-operation latency."""

from collections.abc import Callable, Iterator
from time import perf_counter
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from apps.user_profile.metrics import observe_graphql_request
from schema.errors import InvalidValueError, should_mask_error

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 20
MAX_TOKENS = 2000
# No list argument means anything with more items (eventTypes, the longest, has one per event type).
MAX_VARIABLE_LIST_ITEMS = 100
# Clients choose operation names; cap the label so a hostile client cannot grow the metric without bound.
MAX_OPERATION_NAME_LENGTH = 64


class OperationLatency(SchemaExtension):
    """Observes how long each operation takes, labelled by its name (the prometheus histogram)."""

    def on_operation(self) -> Iterator[None]:
        started = perf_counter()
        yield
        name = (self.execution_context.operation_name or "anonymous")[:MAX_OPERATION_NAME_LENGTH]
        observe_graphql_request(name, perf_counter() - started)


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


class VariableListLimiter(SchemaExtension):
    """Refuses variables holding a list longer than any argument takes, before graphql-core coerces them.

    Coercing is per item (100,000 enum values take most of a second): an oversized list is refused as
    BAD_USER_INPUT up front, and the operation does not run. Literal lists are bounded by MAX_TOKENS.
    """

    def on_execute(self) -> Iterator[None]:
        for name, value in (self.execution_context.variables or {}).items():
            size = _oversized_list(value)
            if size is not None:
                error = InvalidValueError(
                    f"Variable '${name}' holds a list of {size} items: a list takes at most {MAX_VARIABLE_LIST_ITEMS}."
                )
                self.execution_context.result = GraphQLExecutionResult(data=None, errors=[error])
                break
        yield


# Limiters keep no per-operation state, so one instance serves every request; sharing it also keeps their
# validation rules identical between requests, which is what lets ValidationCache hit.
_LIMITERS: tuple[SchemaExtension, ...] = (
    QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
    MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    MaxTokensLimiter(max_token_count=MAX_TOKENS),
)
# Parsing and validating a document cost more than executing a small one: clients send the same few
# documents, so both are cached (bounded, so unique documents cannot grow memory).
DOCUMENT_CACHE_SIZE = 256


def _shared(extension: SchemaExtension) -> Callable[[], SchemaExtension]:
    return lambda: extension


def _mask_errors() -> SchemaExtension:
    # Unexpected exceptions become "Unexpected error."; permission, validation and not-found errors pass.
    return MaskErrors(should_mask_error=should_mask_error)


def schema_extensions() -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """Factories, so extensions that keep per-operation state get a fresh instance each time."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        *(_shared(limiter) for limiter in _LIMITERS),
        VariableListLimiter,  # per operation: it reads the operation's variables
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        OperationLatency,
        _mask_errors,
    ]
    return extensions
