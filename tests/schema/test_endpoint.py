import pytest
from django.test import Client, override_settings
from django.utils import timezone

from apps.api_tokens.models import ApiToken
from apps.api_tokens.services import api_token_create, api_token_revoke
from tests.asgi import AsgiClient
from tests.factories import UserFactory
from tests.schema.conftest import error_messages, graphql

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ me { id ", None),  # does not parse
        ("{ nope }", None),  # does not validate
        ("query Q($id: ID!) { user(id: $id) { id } }", {"id": None}),  # the variable fails coercion
        ("{ leaderboard(metric: NOT_A_METRIC) { edges { rank } } }", None),  # unknown enum
    ],
)
def test_request_errors_are_400_without_data_in_graphql_response_json(client: Client, query, variables) -> None:
    # when a bad document is sent accepting the GraphQL media type
    response = AsgiClient(client).post(
        "/graphql/",
        {"query": query, "variables": variables or {}},
        content_type="application/json",
        HTTP_ACCEPT=GRAPHQL_RESPONSE,
    )

    # then it is a 400 in that media type, with errors and no data
    assert response.status_code == 400
    assert response["Content-Type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"]


def test_request_errors_are_200_in_plain_json(client: Client) -> None:
    # when a document that does not validate is sent by a legacy client
    response = AsgiClient(client).post("/graphql/", {"query": "{ nope }"}, content_type="application/json")

    # then it is a 200 application/json answer with data null
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["data"] is None


def test_field_errors_keep_status_200_in_graphql_response_json(client: Client) -> None:
    # when a valid document fails in a resolver
    response = AsgiClient(client).get(
        "/graphql/", {"query": '{ user(id: "bad") { id } }'}, HTTP_ACCEPT=GRAPHQL_RESPONSE
    )

    # then the request executed: 200 with data
    assert response.status_code == 200
    assert response.json()["data"] == {"user": None}
    assert "Invalid ID 'bad'" in response.json()["errors"][0]["message"]


def test_unacceptable_media_type_is_406(client: Client) -> None:
    response = AsgiClient(client).post(
        "/graphql/", {"query": "{ me { id } }"}, content_type="application/json", HTTP_ACCEPT="text/xml"
    )
    assert response.status_code == 406


def test_mutations_over_get_are_refused(client: Client) -> None:
    # given a staff member
    client.force_login(UserFactory(is_staff=True))

    # when a mutation is sent with GET
    response = AsgiClient(client).get("/graphql/", {"query": "mutation { reconcileUserStats { usersChecked } }"})

    # then it is refused and nothing ran
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "only accepted in POST" in response.json()["errors"][0]["message"]


def test_anonymous_post_query_needs_no_csrf_token() -> None:
    # given a client that enforces CSRF like a browser
    client = Client(enforce_csrf_checks=True)

    # when an anonymous query is posted without a token
    body = graphql(client, "{ me { id } }")

    # then it runs
    assert body == {"data": {"me": None}, "_status": 200}


def test_session_mutation_needs_the_csrf_token() -> None:
    # given a signed-in staff member in a browser-like client
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True))
    mutation = "mutation { reconcileUserStats { usersChecked } }"

    # when the mutation is posted without, then with, the CSRF token
    without = AsgiClient(client).post("/graphql/", {"query": mutation}, content_type="application/json")
    AsgiClient(client).get("/graphql/", {"query": "{ me { id } }"})  # any page; then set the cookie the SPA would read
    token = "a" * 32
    client.cookies["csrftoken"] = token
    with_token = AsgiClient(client).post(
        "/graphql/", {"query": mutation}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    # then only the second runs
    assert without.status_code == 403
    assert "CSRF" in without.json()["errors"][0]["message"]
    assert with_token.status_code == 200
    assert with_token.json()["data"]["reconcileUserStats"]["usersChecked"] >= 1


def test_session_queries_need_no_csrf_token(caplog: pytest.LogCaptureFixture) -> None:
    # given a signed-in browser session without the CSRF token
    client = Client(enforce_csrf_checks=True)
    user = UserFactory(username="sam")
    client.force_login(user)
    # when it posts a query
    with caplog.at_level("WARNING", logger="django.security.csrf"):
        body = graphql(client, "{ me { username } }")
    # then the query runs, and no CSRF check ran for it (a failed one logs a warning per request)
    assert body["data"] == {"me": {"username": "sam"}}
    assert [record.getMessage() for record in caplog.records if record.name == "django.security.csrf"] == []


def test_bearer_token_authenticates_and_records_use(client: Client) -> None:
    # given a token
    user = UserFactory(username="mobile")
    token, raw = api_token_create(user=user, name="Phone")

    # when it is used
    body = graphql(client, "{ me { username } }", HTTP_AUTHORIZATION=f"Bearer {raw}")

    # then the request is the token's user, and the use is recorded; the raw token is not stored
    assert body["data"] == {"me": {"username": "mobile"}}
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert raw not in {token.digest, token.prefix}


def test_token_mutations_need_no_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    _, raw = api_token_create(user=UserFactory(is_staff=True), name="Ops script")
    body = graphql(client, "mutation { reconcileUserStats { usersChecked } }", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert body["_status"] == 200
    assert body["data"]["reconcileUserStats"]["usersChecked"] >= 1


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer dct_unknown", "Invalid API token."),
        ("Bearer", "The Authorization header must be 'Bearer <API token>'."),
        ("Basic abc", "The Authorization header must be 'Bearer <API token>'."),
    ],
)
def test_bad_tokens_are_401_never_anonymous(client: Client, header, message) -> None:
    response = AsgiClient(client).get("/graphql/", {"query": "{ me { id } }"}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}


def test_revoked_token_is_401(client: Client) -> None:
    token, raw = api_token_create(user=UserFactory(), name="Old phone")
    api_token_revoke(token=token, at=timezone.now())
    response = AsgiClient(client).get("/graphql/", {"query": "{ me { id } }"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "This API token has been revoked."
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None


def test_graphiql_is_served_to_browsers_and_can_be_turned_off(client: Client) -> None:
    # when a browser opens the endpoint with GraphiQL on, then off
    with override_settings(GRAPHIQL_ENABLED=True):
        on = client.get("/graphql/", HTTP_ACCEPT="text/html")
    with override_settings(GRAPHIQL_ENABLED=False):
        off = client.get("/graphql/", HTTP_ACCEPT="text/html")

    # then it is served only when on
    assert on.status_code == 200
    assert b"GraphiQL" in on.content
    assert off.status_code == 404


def test_alias_and_token_limits(client: Client) -> None:
    # given a deep but legitimate document, and documents over the alias and token limits
    nested = "{ leaderboard(metric: MATCHES_WON, first: 5) { edges { node { activities(first: 5) { edges { node { match { tournament { name } } } } } } } } }"
    many_aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(25)) + " }"
    many_tokens = "{ me { " + " ".join("id" for _ in range(2100)) + " } }"

    # then the legitimate one runs and the others are refused with a clear message
    assert "errors" not in graphql(client, nested)
    assert "25 aliases found. Allowed: 20" in " ".join(error_messages(graphql(client, many_aliases)))
    assert "Document contains more than 2000 tokens" in " ".join(error_messages(graphql(client, many_tokens)))
