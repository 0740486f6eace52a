"""The /graphql/ endpoint: Strawberry's async Django view with GraphQL-over-HTTP media types, Bearer tokens
and CSRF for cookie-session mutations."""

import json
from typing import Any, cast

from asgiref.sync import sync_to_async
from cross_web import HTTPException
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.django.views import AsyncGraphQLView
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError

from apps.api_tokens.services import InvalidApiTokenError, api_token_authenticate
from schema import schema
from schema.context import Context

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
CSRF_FAILURE = (
    "CSRF check failed: a mutation with a session cookie needs the csrftoken cookie's value in the "
    "X-CSRFToken header (or use an API token)."
)


def _accepted(accept: str) -> dict[str, float]:
    """Media type -> quality from an Accept header."""
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            qualities[media_type.lower()] = quality
    return qualities


def negotiate_media_type(accept: str | None) -> str | None:
    """The response media type for an Accept header, None when we can produce nothing it accepts.

    Without an Accept header, legacy clients get application/json (GraphQL-over-HTTP).
    """
    if not accept:
        return APPLICATION_JSON
    qualities = _accepted(accept)
    wildcard = max(qualities.get("*/*", 0.0), qualities.get("application/*", 0.0))
    graphql_response = qualities.get(GRAPHQL_RESPONSE_JSON, wildcard)
    plain_json = qualities.get(APPLICATION_JSON, wildcard)
    if graphql_response <= 0 and plain_json <= 0:
        return None
    # Prefer the GraphQL media type when the client names it at least as highly as plain JSON.
    if GRAPHQL_RESPONSE_JSON in qualities and graphql_response >= plain_json:
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON if plain_json > 0 else GRAPHQL_RESPONSE_JSON


def is_request_error(response_data: GraphQLHTTPResponse) -> bool:
    """A document that failed to parse or validate, or variables that failed coercion: no execution began,
    so no error has a path (field errors always do)."""
    errors = response_data.get("errors")
    if response_data.get("data") is not None or not errors:
        return False
    return all("path" not in error for error in cast(list[dict[str, Any]], errors))


def _error_response(status: int, message: str, media_type: str | None) -> HttpResponse:
    return HttpResponse(
        json.dumps({"errors": [{"message": message}]}),
        status=status,
        content_type=media_type or APPLICATION_JSON,
    )


def _csrf_failure(request: HttpRequest) -> str | None:
    def protected_view(request: HttpRequest) -> HttpResponse:  # a stand-in that is not csrf_exempt
        return HttpResponse()

    rejected = CsrfViewMiddleware(lambda request: HttpResponse()).process_view(request, protected_view, (), {})
    return CSRF_FAILURE if rejected is not None else None


class GraphQLView(AsyncGraphQLView[Context, None]):
    schema = schema

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("schema", schema)
        kwargs.setdefault("graphql_ide", "graphiql" if settings.GRAPHIQL_ENABLED else None)
        super().__init__(**kwargs)
        self.media_type: str | None = APPLICATION_JSON
        self.user: User | None = None
        self.csrf_failure: str | None = None

    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        self.media_type = negotiate_media_type(request.headers.get("accept"))
        wants_ide = request.method == "GET" and "query" not in request.GET
        if self.media_type is None and not (wants_ide and "text/html" in request.headers.get("accept", "")):
            return _error_response(406, f"Accept {APPLICATION_JSON} or {GRAPHQL_RESPONSE_JSON}.", None)
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, raw_token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not raw_token.strip():
                return self._unauthorized("The Authorization header must be 'Bearer <API token>'.")
            try:
                self.user = await sync_to_async(api_token_authenticate)(raw_token=raw_token.strip())
            except InvalidApiTokenError as error:
                return self._unauthorized(str(error))
        else:
            session_user = await request.auser()
            if session_user.is_authenticated:
                self.user = cast(User, session_user)
                # Cookies ride along on cross-site requests: only a session needs the CSRF token.
                if request.method == "POST":
                    self.csrf_failure = _csrf_failure(request)
        try:
            return await self.run(request=request)
        except HTTPException as error:
            response = _error_response(error.status_code, error.reason, self.media_type)
            if error.status_code == 405:
                response["Allow"] = "POST" if request.method == "GET" else "GET, POST"
            return response

    def _unauthorized(self, message: str) -> HttpResponse:
        response = _error_response(401, message, self.media_type)
        response["WWW-Authenticate"] = 'Bearer realm="graphql"'
        return response

    async def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(
            request=request,
            response=response,
            user=self.user,
            csrf_required=self.csrf_failure is not None,
            csrf_failure=self.csrf_failure,
        )

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        context: Context = kwargs["context"]
        request_data: GraphQLRequestData = kwargs["request_data"]
        if context.csrf_failure is not None and _is_mutation(request_data):
            raise HTTPException(403, context.csrf_failure)
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "Mutations are only accepted in POST requests.") from error
            raise

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: HttpResponse
    ) -> HttpResponseBase:
        media_type = self.media_type or APPLICATION_JSON
        if media_type == GRAPHQL_RESPONSE_JSON and isinstance(response_data, dict) and is_request_error(response_data):
            # GraphQL-over-HTTP: a request that never executed is a client error, and has no `data`.
            response_data = {"errors": response_data["errors"]}
            sub_response.status_code = 400
        response = super().create_response(response_data, sub_response)
        response["Content-Type"] = f"{media_type}; charset=utf-8"
        return response


def _is_mutation(request_data: GraphQLRequestData) -> bool:
    try:
        document = parse(request_data.query or "")
    except GraphQLError:
        return False  # the view reports the syntax error itself
    operation = get_operation_ast(document, request_data.operation_name)
    return operation is not None and operation.operation == OperationType.MUTATION
