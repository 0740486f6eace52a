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
