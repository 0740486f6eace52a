"""Bad input at the HTTP layer: each gets a 4xx with a GraphQL error and a code, never a 500 or an HTML page."""

import json

import pytest
from django.test import Client

from tests.asgi import AsgiClient

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"


def post_raw(body: bytes, content_type: str = "application/json", **headers: str):
    return AsgiClient().post("/graphql/", body, content_type=content_type, HTTP_ACCEPT=GRAPHQL_RESPONSE, **headers)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"null", 400, "The request body must be a JSON object"),
        (b'"{ me { id } }"', 400, "The request body must be a JSON object"),
        (b"[]", 400, "The request body must be a JSON object"),
        (b"\xff\xfe{}", 400, "The request body is not valid JSON in UTF-8"),
        (b'{"query": "{ me { id } }"', 400, "The request body is not valid JSON in UTF-8"),
        (b"", 400, "The request body is not valid JSON in UTF-8"),
        (b'{"query": "\\ud800"}', 400, "The request body is not valid JSON in UTF-8"),
        (b'{"query": 42}', 400, "`query` must be a string or null"),
        (b'{"query": "{ me { id } }", "variables": [1]}', 400, "`variables` must be an object or null"),
        (b'{"query": "{ me { id } }", "extensions": "x"}', 400, "`extensions` must be an object or null"),
        (b'{"query": "{ me { id } }", "operationName": 7}', 400, "`operationName` must be a string or null"),
        (b"{}", 400, "Send a GraphQL document in `query`."),
        (b'{"query": "   "}', 400, "Send a GraphQL document in `query`."),
    ],
)
def test_malformed_bodies_are_client_errors(body: bytes, status: int, message: str) -> None:
    # when the body is sent
    response = post_raw(body)

    # then a JSON GraphQL error with a code explains it
    assert response.status_code == status
    assert response["Content-Type"].startswith(GRAPHQL_RESPONSE)
    error = response.json()["errors"][0]
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_variables_nested_100_000_deep_are_refused_by_the_parser(settings) -> None:
    # given a cap large enough to let the body in
    settings.GRAPHQL_MAX_BODY_BYTES = 10_000_000
    body = b'{"query": "{ me { id } }", "variables": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001

    # when it is sent
    response = post_raw(body)

    # then the JSON parser's depth limit answers, not a RecursionError
    assert response.status_code == 400
    assert "depth limit exceeded" in response.json()["errors"][0]["message"]


def test_a_huge_operation_name_is_refused_without_being_echoed() -> None:
    # given a 1 MB operation name (under a raised body cap, so the name check itself is what answers)
    name = "A" * 1_000_000

    # when it is sent
    response = post_raw(json.dumps({"query": "query A { me { id } }", "operationName": name}).encode())

    # then the answer is short and does not repeat it
    assert response.status_code in {400, 413}
    assert len(response.content) < 300
    assert name[:1000] not in response.content.decode()


def test_operation_name_over_the_limit_is_refused(settings) -> None:
    settings.GRAPHQL_MAX_BODY_BYTES = 10_000_000
    response = post_raw(json.dumps({"query": "query A { me { id } }", "operationName": "A" * 129}).encode())
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "`operationName` is longer than 128 characters."


def test_bodies_over_the_cap_are_413_in_json(settings) -> None:
    # given a small cap
    settings.GRAPHQL_MAX_BODY_BYTES = 1000

    # when a larger body is sent, with and without a truthful Content-Length
    declared = post_raw(json.dumps({"query": "{ me { id } }", "variables": {"x": "y" * 2000}}).encode())

    # then it is refused before being read, as JSON with a code
    assert declared.status_code == 413
    assert declared.json()["errors"][0] == {
        "message": "The request body is larger than 1,000 bytes.",
        "extensions": {"code": "BAD_USER_INPUT"},
    }


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("application/json; charset=latin-1", 415)],
)
def test_other_media_types_are_415(content_type: str, status: int) -> None:
    response = post_raw(b'{"query": "{ me { id } }"}', content_type=content_type)
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        (b"query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%ED%A0%80", "not valid URL-encoded UTF-8"),
        (b"query=%FF", "not valid URL-encoded UTF-8"),
        (b"query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%5B1%5D", "`variables` must be an object"),
        (b"query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%7B", "`variables` is not valid JSON"),
        (b"query=a&query=b", "`query` is given more than once"),
    ],
)
def test_malformed_query_strings_are_client_errors(query_string: bytes, message: str) -> None:
    response = AsgiClient().request("GET", "/graphql/", query_string=query_string, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_lone_surrogate_in_a_variable_is_refused() -> None:
    # given a variable holding half of a surrogate pair (valid JSON escape, not a valid string)
    body = b'{"query": "query($u: String!) { user(username: $u) { id } }", "variables": {"u": "\\udc00"}}'

    # when it is sent, then it never reaches the database
    response = post_raw(body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ me { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("query A { me { id } } query B { me { id } }", "BAD_USER_INPUT"),
    ],
)
def test_request_errors_carry_their_code(query: str, code: str) -> None:
    response = post_raw(json.dumps({"query": query}).encode())
    assert response.status_code == 400
    assert {error["extensions"]["code"] for error in response.json()["errors"]} == {code}


def test_unknown_methods_are_405_with_allow(client: Client) -> None:
    response = AsgiClient(client).request("PUT", "/graphql/", headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
