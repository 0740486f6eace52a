"""Trusted documents at the endpoint: by id for everyone, free-form only for staff in trusted-only mode, and
only trusted operations name a latency series."""

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from apps.persisted_queries.resolver import lru
from apps.persisted_queries.services import trusted_documents_load
from tests.asgi import AsgiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WHO = "query TrustedWho { me { username } }"
FREE_FORM = "{ me { username } }"


@pytest.fixture(autouse=True)
def _stored() -> None:
    lru.clear()
    trusted_documents_load(manifest={"who-1": WHO}, client_name="web")


def _observed(name: str) -> float:
    value = REGISTRY.get_sample_value("deltacrown_graphql_request_duration_seconds_count", {"operation_name": name})
    return value or 0.0


@pytest.mark.parametrize("mode", [False, True])
def test_a_stored_document_runs_by_id_for_anyone(settings, mode: bool) -> None:
    settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY = mode
    response = AsgiClient().post("/graphql/", {"documentId": "who-1"})
    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}


def test_by_id_over_get_too_for_cdn_caching() -> None:
    response = AsgiClient().get("/graphql/", {"documentId": "who-1"}, HTTP_ACCEPT="text/html,application/json")
    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}


@pytest.mark.parametrize(
    ("viewer", "status", "code"),
    [
        ("anonymous", 403, "TRUSTED_DOCUMENT_REQUIRED"),
        ("player", 403, "TRUSTED_DOCUMENT_REQUIRED"),
        ("staff", 200, None),
    ],
)
def test_trusted_only_mode_refuses_free_form_documents_except_for_staff(
    settings, client: Client, viewer: str, status: int, code: str | None
) -> None:
    # given trusted-only mode and a viewer
    settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY = True
    if viewer != "anonymous":
        client.force_login(UserFactory(is_staff=viewer == "staff"))

    # when a free-form document is sent
    response = AsgiClient(client).post("/graphql/", {"query": FREE_FORM})

    # then only staff may run it
    assert response.status_code == status
    if code is not None:
        assert response.json()["errors"][0]["extensions"]["code"] == code


def test_an_unknown_document_id_is_404() -> None:
    response = AsgiClient().post("/graphql/", {"documentId": "nope"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_only_trusted_operations_name_a_latency_series() -> None:
    # given the counts so far
    trusted_before, free_before = _observed("TrustedWho"), _observed("free-form")

    # when the same operation runs once by id and once free-form
    AsgiClient().post("/graphql/", {"documentId": "who-1"})
    AsgiClient().post("/graphql/", {"query": WHO})

    # then the trusted run is labelled by its name, the free-form one shares the free-form series
    assert _observed("TrustedWho") == trusted_before + 1
    assert _observed("free-form") == free_before + 1
