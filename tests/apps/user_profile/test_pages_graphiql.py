import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>[^"]+)"')


def test_graphiql_loads_every_script_and_style_from_our_static_files(client: Client):
    # when a browser opens the endpoint
    response = client.get("/graphql/", headers={"accept": "text/html"})
    # then the IDE page names only local assets, each present and matching its integrity hash
    html = response.content.decode()
    assert response.status_code == 200
    assert "DeltaCrown GraphiQL" in html
    assets = ASSET.findall(html)
    assert len(assets) == 7
    for url, integrity in assets:
        assert url.startswith("/static/graphiql/"), url
        found = finders.find(url.removeprefix("/static/"))
        assert found is not None, url
        digest = base64.b64encode(hashlib.sha384(Path(found).read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}", url
    assert not re.search(r'(?:src|href)="https?://', html)


def test_graphiql_page_sets_the_csrf_cookie_for_mutations(client: Client):
    # when
    response = client.get("/graphql/", headers={"accept": "text/html"})
    # then the IDE can send the token with session mutations
    assert response.cookies["csrftoken"].value
    assert 'Cookies.get("csrftoken") || "' in response.content.decode()


def test_graphiql_opens_with_a_working_example_of_every_capability(client: Client):
    from graphql import OperationDefinitionNode, parse

    from tests.asgi import AsgiClient
    from tests.factories import UserFactory

    # given the demo's player, signed in as staff so that every example is theirs to run
    client.force_login(UserFactory(username="alice", is_staff=True))
    # when the IDE opens
    html = client.get("/graphql/", headers={"accept": "text/html"}).content.decode()
    # then its first document names each capability and says how to send a token
    match = re.search(r"const EXAMPLE_QUERY = `(?P<document>[^`]*)`;", html)
    assert match is not None
    document = match["document"]
    assert "Welcome to GraphiQL" not in html
    assert '{"Authorization": "Bearer <token>"}' in document
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    names = [operation.name.value for operation in operations if operation.name]
    assert names == [
        "Stats",
        "Feed",
        "History",
        "CalendarStreaksForm",
        "Economy",
        "Leaderboard",
        "Analytics",
        "RateLimit",
        "Reconcile",
    ]
    # and every one of them runs without an error
    api = AsgiClient(client)
    for name in names:
        response = api.post("/graphql/", {"query": document, "operationName": name})
        body = response.json()
        assert (name, response.status_code, body.get("errors")) == (name, 200, None)
        assert body["data"], name
    # and the inline script keeps the page's CSP nonce
    assert re.search(r'<script nonce="[^"]+">\s*// The first document', html)
