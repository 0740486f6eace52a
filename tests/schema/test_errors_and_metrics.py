import logging

import pytest
from django.test import Client
from graphql import GraphQLError
from prometheus_client import REGISTRY

from schema.errors import BadInputError, PermissionDeniedError
from schema.execution import MASKED_MESSAGE, error_code, format_error
from tests.factories import UserFactory
from tests.schema.conftest import error_messages, graphql

pytestmark = pytest.mark.django_db


def _client_message(error: GraphQLError, code: str | None = None) -> str:
    """The message a client gets for an execution error (or a request error with its `code`)."""
    return format_error(error, code=code or error_code(error), request_id="r")["message"]


def test_only_unexpected_errors_are_masked(settings) -> None:
    settings.DEBUG = False
    assert _client_message(GraphQLError("boom", original_error=RuntimeError("password=secret"))) == MASKED_MESSAGE
    assert _client_message(GraphQLError("no", original_error=PermissionDeniedError("no"))) == "no"
    assert _client_message(GraphQLError("bad", original_error=BadInputError("bad"))) == "bad"
    validation = GraphQLError("Cannot query field 'x'")
    assert _client_message(validation, "GRAPHQL_VALIDATION_FAILED") == "Cannot query field 'x'"


def test_unexpected_exception_reaches_the_client_masked(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    # given production settings and a selector that fails unexpectedly
    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError('relation "secret_table" does not exist')

    monkeypatch.setattr("schema.dataloaders.tournament_history_pages", broken)
    UserFactory(username="masked")

    # when a client asks for it
    body = graphql(client, '{ user(username: "masked") { username tournamentHistory { edges { cursor } } } }')

    # then the client gets a generic message, no SQL and no trace, and the rest of the data
    assert body["_status"] == 200
    assert error_messages(body) == ["Unexpected error."]
    assert "secret_table" not in str(body)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert len(body["errors"][0]["extensions"]["requestId"]) == 16
    assert body["data"] == {"user": None}  # the non-null field's error nulls its nullable parent


def test_free_form_operations_share_one_latency_series(client: Client) -> None:
    # given the current counts (clients choose operation names: only trusted documents are labelled by theirs)
    def observed(name: str) -> float:
        value = REGISTRY.get_sample_value("deltacrown_graphql_request_duration_seconds_count", {"operation_name": name})
        return value or 0.0

    before = observed("free-form")

    # when a free-form operation runs twice
    graphql(client, "query WhoAmI { me { id } }")
    graphql(client, "query WhoAmI { me { id } }")

    # then both are observed under the shared label, and its made-up name creates no series
    assert observed("free-form") == before + 2
    assert observed("WhoAmI") == 0.0


def test_debug_shows_unexpected_errors_to_developers(client: Client, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    settings.DEBUG = True

    def broken(**kwargs):
        raise RuntimeError("a developer wants to see this")

    monkeypatch.setattr("schema.dataloaders.tournament_history_pages", broken)
    UserFactory(username="dev")
    body = graphql(client, '{ user(username: "dev") { tournamentHistory { edges { cursor } } } }')
    assert error_messages(body) == ["a developer wants to see this"]


def test_client_errors_are_logged_at_info_without_a_traceback(client: Client, caplog) -> None:
    # when a client sends a document that does not validate, and one with a bad id
    with caplog.at_level(logging.INFO, logger="deltacrown.api"):
        graphql(client, "{ nope }")
        graphql(client, '{ user(id: "bad") { id } }')

    # then each is one INFO line with its code, and no traceback
    records = [r for r in caplog.records if r.name == "deltacrown.api"]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    assert "GRAPHQL_VALIDATION_FAILED" in records[0].getMessage()
    assert "BAD_USER_INPUT" in records[1].getMessage()
    assert all(r.exc_info is None for r in records)


def test_unexpected_errors_are_logged_with_traceback_and_the_request_id_the_client_got(
    client: Client, monkeypatch: pytest.MonkeyPatch, settings, caplog
) -> None:
    # given production settings and a resolver that fails unexpectedly
    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("schema.dataloaders.tournament_history_pages", broken)
    UserFactory(username="unlucky")

    # when a client asks for it
    with caplog.at_level(logging.INFO, logger="deltacrown.api"):
        body = graphql(client, '{ user(username: "unlucky") { tournamentHistory { edges { cursor } } } }')

    # then the log has the traceback and the same request id as the masked answer
    request_id = body["errors"][0]["extensions"]["requestId"]
    (record,) = [r for r in caplog.records if r.name == "deltacrown.api"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert request_id in record.getMessage()
    assert "the disk is on fire" not in str(body)
