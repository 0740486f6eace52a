"""Schema extensions: limits on what one document may ask, error masking and per-operation latency."""

from collections.abc import Callable, Iterator
from time import perf_counter

from django.conf import settings
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from apps.user_profile.metrics import observe_graphql_request
from schema.errors import should_mask_error

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 20
MAX_TOKENS = 2000
# Clients choose operation names; cap the label so a hostile client cannot grow the metric without bound.
MAX_OPERATION_NAME_LENGTH = 64


class OperationLatency(SchemaExtension):
    """Observes how long each operation takes, labelled by its name (the prometheus histogram)."""

    def on_operation(self) -> Iterator[None]:
        started = perf_counter()
        yield
        name = (self.execution_context.operation_name or "anonymous")[:MAX_OPERATION_NAME_LENGTH]
        observe_graphql_request(name, perf_counter() - started)


def _mask_errors() -> SchemaExtension:
    # Unexpected exceptions become "Unexpected error."; permission, validation and not-found errors pass.
    return MaskErrors(should_mask_error=should_mask_error)


def schema_extensions() -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """Factories, so each operation gets fresh extension instances (some keep per-operation state)."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        OperationLatency,
    ]
    if not settings.DEBUG:
        extensions.append(_mask_errors)
    return extensions
