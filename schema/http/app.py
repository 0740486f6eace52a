"""The /graphql/ endpoint as a plain ASGI application: GraphQL over HTTP without Django's request machinery.

A request goes through: method and media type, the body read under its cap, the parameters checked, the
viewer (token or session, only when sent), the operation prepared from cache, then execution under the
deadline while the client is watched for disconnecting. Every refusal is a GraphQL error with a code.
"""

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from time import perf_counter
from typing import Any

import orjson
from django.conf import settings
from graphql import ExecutionResult, GraphQLError

from apps.persisted_queries.resolver import PersistedQueryError, ResolvedDocument, persisted_document_resolve
from apps.user_profile.metrics import observe_graphql_request
from config.db_router import replica_reads
from schema.context import Context
from schema.cost import maximum_cost
from schema.db import RequestDatabase, request_database
from schema.execution import (
    UNAVAILABLE,
    Operation,
    RequestError,
    error_code,
    format_error,
    operation_execute,
    operation_of,
    refuse_over_cost,
)
from schema.http.auth import Viewer, viewer_of
from schema.http.budget import budget_charge_or_refuse, budget_key, rate_limit_extension, rate_limit_headers
from schema.http.errors import HttpError
from schema.http.negotiation import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate_media_type
from schema.http.read_your_writes import viewer_reads_from_primary, viewer_wrote
from schema.http.request import GraphQLParams, params_from_body, params_from_query_string

logger = logging.getLogger("deltacrown.api")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

FREE_FORM_LABEL = "free-form"
RETRY_AFTER_UNAVAILABLE = "5"


class Response:
    __slots__ = ("headers", "payload", "status")

    def __init__(self, status: int, payload: dict[str, Any], media_type: str, headers: dict[str, str]) -> None:
        self.status = status
        self.payload = payload
        self.headers = {"content-type": f"{media_type}; charset=utf-8", **headers}

    def set_extension(self, key: str, value: Any) -> None:
        self.payload.setdefault("extensions", {})[key] = value

    async def send(self, send: Send) -> None:
        body = orjson.dumps(self.payload)
        raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    if not raw:
        return {}
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:  # a malformed Cookie header means no usable session, not an error
        return {}
    return {key: morsel.value for key, morsel in cookie.items()}


async def _read_body(receive: Receive, headers: dict[str, str]) -> bytes:
    limit: int = settings.GRAPHQL_MAX_BODY_BYTES
    too_large = HttpError(status=413, message=f"The request body is larger than {limit:,} bytes.")
    declared = headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _client_left(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _request_error_response(error: RequestError, media_type: str, request_id: str) -> Response:
    errors = [format_error(e, code=error.code, request_id=request_id) for e in error.errors]
    for formatted in errors:
        formatted["extensions"].update(error.extensions)
    if media_type == GRAPHQL_RESPONSE_JSON:
        # GraphQL-over-HTTP: a request that never executed is a client error, and has no `data`.
        return Response(400, {"errors": errors}, media_type, {})
    return Response(200, {"data": None, "errors": errors}, media_type, {})


def _http_error_response(error: HttpError, media_type: str | None) -> Response:
    payload = {"errors": [{"message": error.message, "extensions": {"code": error.code, **error.extensions}}]}
    return Response(error.status, payload, media_type or APPLICATION_JSON, error.headers)


class GraphQLEndpoint:
    """The ASGI callable serving GraphQL over HTTP (GET for queries, POST for everything)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = secrets.token_hex(8)
        headers = _headers(scope)
        media_type = negotiate_media_type(headers.get("accept"))
        with request_database() as database:
            try:
                response = await self._handle(scope, receive, headers, media_type, request_id, database)
            except HttpError as error:
                response = _http_error_response(error, media_type)
            except UNAVAILABLE:
                logger.warning("Database unavailable (request %s).", request_id, exc_info=True)
                response = _http_error_response(_unavailable(), media_type)
            except asyncio.CancelledError:
                database.cancel()
                response = None
            if response is not None:
                await response.send(send)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        media_type: str | None,
        request_id: str,
        database: RequestDatabase,
    ) -> Response | None:
        method = scope["method"]
        if method not in {"GET", "POST"}:
            raise HttpError(status=405, message="Use GET for queries or POST.", headers={"allow": "GET, POST"})
        if media_type is None:
            raise HttpError(status=406, message=f"Accept {APPLICATION_JSON} or {GRAPHQL_RESPONSE_JSON}.")
        if method == "GET":
            params = params_from_query_string(scope.get("query_string", b""))
        else:
            body = await _read_body(receive, headers)
            params = params_from_body(content_type=headers.get("content-type", ""), body=body)
        viewer = await viewer_of(scope=scope, headers=headers, cookies=_cookies(headers))
        document = await _document_of(params, viewer)
        try:
            operation = operation_of(
                query=document.query, operation_name=params.operation_name, variables=params.variables
            )
            requested = operation.requested_cost()
            refuse_over_cost(requested=requested)
        except RequestError as error:
            return _request_error_response(error, media_type, request_id)
        if operation.is_mutation and method == "GET":
            raise HttpError(
                status=405, message="Mutations are only accepted in POST requests.", headers={"allow": "POST"}
            )
        csrf_failure = viewer.csrf_failure() if operation.is_mutation else None
        if csrf_failure is not None:
            raise HttpError(status=403, message=csrf_failure, code="FORBIDDEN")
        key = budget_key(scope=scope, headers=headers, user_id=viewer.user.pk if viewer.user else None)
        budget = await budget_charge_or_refuse(key=key, cost=requested)
        context = Context(user=viewer.user, request_id=request_id, budget=budget, viewer_key=key)
        user_id = viewer.user.pk if viewer.user else None
        if operation.is_mutation and user_id is not None:
            await viewer_wrote(user_id=user_id)  # before it commits: no read of this viewer may miss the write
        replica_allowed = not operation.is_mutation and not await viewer_reads_from_primary(user_id=user_id)
        started = perf_counter()
        with replica_reads(allowed=replica_allowed):
            result = await self._execute_in_time(operation, context, receive, database)
        if result is None:
            return None  # the client left: nobody to answer
        # Clients choose operation names: only trusted documents' names label the metric (bounded by the store).
        label = (operation.name or "anonymous") if document.trusted else FREE_FORM_LABEL
        observe_graphql_request(label, perf_counter() - started)
        response = self._result_response(result, media_type, request_id)
        cost = {"requested": requested, "actual": operation.actual_cost(result.data), "maximum": maximum_cost()}
        response.set_extension("cost", cost)
        if budget is not None:
            response.set_extension("rateLimit", rate_limit_extension(budget))
            response.headers.update(rate_limit_headers(budget))
        return response

    async def _execute_in_time(
        self, operation: Operation, context: Context, receive: Receive, database: RequestDatabase
    ) -> ExecutionResult | None:
        deadline: float = settings.GRAPHQL_DEADLINE_SECONDS
        execution = asyncio.ensure_future(operation_execute(operation, context=context))
        watcher = asyncio.ensure_future(_client_left(receive))
        try:
            done, _ = await asyncio.wait({execution, watcher}, timeout=deadline, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
        if execution in done:
            return execution.result()
        # Cancel the SQL first: the task's thread keeps running its statement until PostgreSQL stops it.
        database.cancel()
        execution.cancel()
        if watcher in done:
            raise asyncio.CancelledError
        raise HttpError(
            status=504,
            message=f"The operation ran past its {deadline:g} s deadline and was cancelled.",
            code="TIMEOUT",
        )

    def _result_response(self, result: ExecutionResult, media_type: str, request_id: str) -> Response:
        payload: dict[str, Any] = {"data": result.data}
        status = 200
        if result.errors:
            codes = [error_code(error) for error in result.errors]
            payload["errors"] = [
                format_error(error, code=code, request_id=request_id)
                for error, code in zip(result.errors, codes, strict=True)
            ]
            if "SERVICE_UNAVAILABLE" in codes:
                return _http_error_response(_unavailable(), media_type)
        return Response(status, payload, media_type, {})


async def _document_of(params: GraphQLParams, viewer: Viewer) -> ResolvedDocument:
    """The document to run: the query sent, or a persisted one (APQ hash, trusted document id)."""
    query = params.query if params.query and params.query.strip() else None
    if query is None and params.document_id is None and not params.extensions:
        raise HttpError(status=400, message="Send a GraphQL document in `query`.")
    try:
        return await persisted_document_resolve(
            query=query,
            extensions=params.extensions,
            document_id=params.document_id,
            viewer_is_staff=viewer.user is not None and viewer.user.is_staff,
        )
    except PersistedQueryError as error:
        raise HttpError(
            status=error.http_status, message=error.message, code=error.code, headers=dict(error.headers)
        ) from error


def _unavailable() -> HttpError:
    return HttpError(
        status=503,
        message="The database is unavailable; try again shortly.",
        code="SERVICE_UNAVAILABLE",
        headers={"retry-after": RETRY_AFTER_UNAVAILABLE},
    )


graphql_endpoint = GraphQLEndpoint()


__all__ = ["GraphQLError", "graphql_endpoint"]
