"""Running one subscription operation for a live transport (schema/http/ws.py, schema/http/sse.py).

The same front door as the HTTP API (schema/execution.py): parse and validation limits (depth, aliases, tokens),
oversized variables refused, and the cost priced before anything runs; each pushed payload is the result of
one event, formatted with the API's error codes.
"""

import uuid
from collections.abc import AsyncIterator
from inspect import isawaitable
from typing import Any

from graphql import ExecutionResult, GraphQLError, subscribe

from schema import schema
from schema.context import Context
from schema.execution import RequestError, error_code, format_error, operation_of, refuse_over_cost
from schema.http.auth import Viewer
from schema.http.budget import budget_charge_or_refuse
from schema.http.errors import HttpError


def result_payload(result: ExecutionResult, *, request_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [format_error(e, code=error_code(e), request_id=request_id) for e in result.errors]
    return payload


def request_errors(error: RequestError) -> list[dict[str, Any]]:
    return [{**e.formatted, "extensions": {"code": error.code, **error.extensions}} for e in error.errors]


class SubscriptionRefused(Exception):
    """The operation cannot start: the GraphQL errors to send instead (each with its `extensions.code`)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("message", ""))
        self.errors = errors


async def subscription_start(
    *, query: Any, operation_name: Any, variables: Any, viewer: Viewer, budget_key: str
) -> AsyncIterator[dict[str, Any]]:
    """The payloads of a subscription; SubscriptionRefused when it cannot start (bad document, over cost, over
    the viewer's budget, bad arguments). Iterate it to receive; close it (aclose) to stop.

    Starting is charged to the viewer's budget like one query of the same cost (docs/api-budgets.md); the
    events it then receives are not: the subscription limits bound those."""
    request_id = uuid.uuid4().hex[:12]
    if not isinstance(query, str) or not query:
        raise SubscriptionRefused([_bad_input("The payload needs a `query` (a subscription document).")])
    if operation_name is not None and not isinstance(operation_name, str):
        raise SubscriptionRefused([_bad_input("`operationName` must be a string.")])
    if variables is not None and not isinstance(variables, dict):
        raise SubscriptionRefused([_bad_input("`variables` must be an object.")])
    try:
        operation = operation_of(query=query, operation_name=operation_name, variables=variables, subscription=True)
        requested = operation.requested_cost()
        refuse_over_cost(requested=requested)
        await budget_charge_or_refuse(key=budget_key, cost=requested)
    except RequestError as error:
        raise SubscriptionRefused(request_errors(error)) from error
    except HttpError as error:
        raise SubscriptionRefused(
            [{"message": error.message, "extensions": {"code": error.code, **error.extensions}}]
        ) from error
    context = Context(user=viewer.user, request_id=request_id)
    results = subscribe(
        schema._schema,
        operation.document,
        context_value=context,
        variable_values=operation.raw_variables,
        operation_name=operation.name,
        executor_class=schema.execution_context_class,
    )
    if isawaitable(results):
        results = await results
    if isinstance(results, ExecutionResult):
        raise SubscriptionRefused(result_payload(results, request_id=request_id).get("errors") or [])
    return _payloads(results, request_id=request_id)


async def _payloads(results: AsyncIterator[ExecutionResult], *, request_id: str) -> AsyncIterator[dict[str, Any]]:
    try:
        async for result in results:
            yield result_payload(result, request_id=request_id)
    finally:
        close = getattr(results, "aclose", None)
        if close is not None:
            await close()


def _bad_input(message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": "BAD_USER_INPUT"}}


__all__ = ["GraphQLError", "SubscriptionRefused", "request_errors", "result_payload", "subscription_start"]
