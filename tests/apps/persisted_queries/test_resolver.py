import hashlib
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import DocumentNode, print_ast
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.persisted_queries.models import TrustedDocument
from apps.persisted_queries.resolver import (
    APQ_CACHE_ALIAS,
    PersistedQueryError,
    PersistedQueryHashMismatch,
    PersistedQueryInvalid,
    PersistedQueryNotFound,
    PersistedQueryNotSupported,
    ResolvedDocument,
    TrustedDocumentNotFound,
    TrustedDocumentRequired,
    persisted_document_resolve,
)
from apps.persisted_queries.services import trusted_documents_load

pytestmark = pytest.mark.django_db

TRUSTED = "query Viewer { me { id username } }"
TRUSTED_SHA = hashlib.sha256(TRUSTED.encode()).hexdigest()
FREE = "query Free { me { username } }"
FREE_SHA = hashlib.sha256(FREE.encode()).hexdigest()


def resolve(
    *,
    query: str | None = None,
    sha256: str | None = None,
    document_id: str | None = None,
    staff: bool = False,
    extensions: dict[str, Any] | None = None,
) -> ResolvedDocument:
    if sha256 is not None:
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
    return async_to_sync(persisted_document_resolve)(
        query=query, extensions=extensions, document_id=document_id, viewer_is_staff=staff
    )


def error_of(**kwargs: Any) -> PersistedQueryError:
    with pytest.raises(PersistedQueryError) as raised:
        resolve(**kwargs)
    return raised.value


@pytest.fixture
def trusted() -> None:
    trusted_documents_load(manifest={"viewer-1": TRUSTED}, client_name="web")


def test_free_form_query_runs_as_sent() -> None:
    # when
    resolved = resolve(query=FREE)

    # then
    assert resolved == ResolvedDocument(query=FREE, document_id=None, trusted=False)
    assert resolved.document is None


def test_hash_miss_answers_apollos_not_found() -> None:
    # when
    error = error_of(sha256=FREE_SHA)

    # then
    assert isinstance(error, PersistedQueryNotFound)
    assert error.as_error() == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    assert (error.http_status, dict(error.headers)) == (200, {"Cache-Control": "private, no-cache, must-revalidate"})


def test_hash_with_query_registers_it_for_hash_only_requests() -> None:
    # given
    registered = resolve(query=FREE, sha256=FREE_SHA)
    from apps.persisted_queries.resolver import lru

    lru.clear()  # as in another worker: only the shared store knows the hash

    # when
    resolved = resolve(sha256=FREE_SHA)

    # then
    assert registered == resolved == ResolvedDocument(query=FREE, document_id=None, trusted=False)
    assert caches[APQ_CACHE_ALIAS].get(FREE_SHA) == FREE


def test_hash_that_is_not_the_querys_is_refused_and_not_stored() -> None:
    # when
    error = error_of(query=FREE, sha256=TRUSTED_SHA)

    # then
    assert isinstance(error, PersistedQueryHashMismatch)
    assert error.as_error() == {
        "message": "provided sha does not match query",
        "extensions": {"code": "BAD_USER_INPUT"},
    }
    assert caches[APQ_CACHE_ALIAS].get(TRUSTED_SHA) is None


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        ({"version": 2, "sha256Hash": FREE_SHA}, "Unsupported persisted query version: only version 1 is."),
        (
            {"version": 1, "sha256Hash": FREE_SHA.upper()},
            "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits.",
        ),
        (
            {"version": 1, "sha256Hash": FREE_SHA + "0"},
            "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits.",
        ),
        ("abc", "extensions.persistedQuery must be an object {version, sha256Hash}."),
    ],
)
def test_malformed_apq_extension_is_refused(extension: Any, message: str) -> None:
    # when
    error = error_of(query=FREE, extensions={"persistedQuery": extension})

    # then
    assert isinstance(error, PersistedQueryInvalid)
    assert (error.code, error.message, error.http_status) == ("BAD_USER_INPUT", message, 400)


def test_too_long_a_query_is_refused(settings: SettingsWrapper) -> None:
    # given
    settings.GRAPHQL_MAX_QUERY_LENGTH = 20
    query = "query Long { me { id username } }"

    # when
    error = error_of(query=query, sha256=hashlib.sha256(query.encode()).hexdigest())

    # then
    assert isinstance(error, PersistedQueryInvalid)
    assert error.message == "The query is longer than 20 characters."
    assert caches[APQ_CACHE_ALIAS].get(hashlib.sha256(query.encode()).hexdigest()) is None


def test_apq_disabled_answers_not_supported_but_trusted_hashes_still_run(
    settings: SettingsWrapper, trusted: None
) -> None:
    # given
    settings.GRAPHQL_APQ_ENABLED = False

    # when
    hash_only = error_of(sha256=FREE_SHA)
    with_query = error_of(query=FREE, sha256=FREE_SHA)
    trusted_hash = resolve(sha256=TRUSTED_SHA)

    # then
    assert isinstance(hash_only, PersistedQueryNotSupported)
    assert isinstance(with_query, PersistedQueryNotSupported)
    assert hash_only.as_error() == {
        "message": "PersistedQueryNotSupported",
        "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
    }
    assert (trusted_hash.query, trusted_hash.document_id, trusted_hash.trusted) == (TRUSTED, "viewer-1", True)
    assert caches[APQ_CACHE_ALIAS].get(FREE_SHA) is None


def test_trusted_document_by_id_comes_parsed(trusted: None) -> None:
    # when
    resolved = resolve(document_id="viewer-1")

    # then
    assert (resolved.query, resolved.document_id, resolved.trusted) == (TRUSTED, "viewer-1", True)
    assert isinstance(resolved.document, DocumentNode)
    assert print_ast(resolved.document) == "query Viewer {\n  me {\n    id\n    username\n  }\n}"


def test_sha256_ids_are_found_with_or_without_prefix_and_for_any_stored_id(trusted: None) -> None:
    # when
    prefixed = resolve(document_id=f"sha256:{TRUSTED_SHA}")
    bare = resolve(document_id=TRUSTED_SHA)

    # then: the document stored as "viewer-1" has that hash
    assert prefixed.document_id == bare.document_id == "viewer-1"


def test_unknown_document_id() -> None:
    # when
    error = error_of(document_id="sha256:" + "0" * 64)

    # then
    assert isinstance(error, TrustedDocumentNotFound)
    assert (error.code, error.http_status) == ("NOT_FOUND", 404)


def test_document_id_and_query_together_are_refused(trusted: None) -> None:
    # when
    error = error_of(document_id="viewer-1", query=TRUSTED)

    # then
    assert isinstance(error, PersistedQueryInvalid)
    assert error.message == "Send either a documentId or a query, not both."


def test_nothing_to_run_is_refused() -> None:
    # when
    error = error_of(query="", extensions={"other": 1})

    # then
    assert isinstance(error, PersistedQueryInvalid)
    assert error.message == "No query: send a query, a documentId or extensions.persistedQuery."


ALLOWED = "allowed"
REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"


@pytest.mark.parametrize(
    ("viewer", "request_kind", "outcome"),
    [
        ("anonymous", "free-form", REQUIRED),
        ("anonymous", "trusted id", ALLOWED),
        ("anonymous", "trusted hash", ALLOWED),
        ("anonymous", "trusted hash with query", ALLOWED),
        ("anonymous", "registered hash", REQUIRED),
        ("anonymous", "new hash with query", REQUIRED),
        ("player", "free-form", REQUIRED),
        ("player", "trusted id", ALLOWED),
        ("player", "trusted hash", ALLOWED),
        ("player", "trusted hash with query", ALLOWED),
        ("player", "registered hash", REQUIRED),
        ("player", "new hash with query", REQUIRED),
        ("staff", "free-form", ALLOWED),
        ("staff", "trusted id", ALLOWED),
        ("staff", "trusted hash", ALLOWED),
        ("staff", "trusted hash with query", ALLOWED),
        ("staff", "registered hash", ALLOWED),
        ("staff", "new hash with query", ALLOWED),
    ],
)
def test_trusted_only_mode(
    settings: SettingsWrapper, trusted: None, viewer: str, request_kind: str, outcome: str
) -> None:
    # given: a free-form query registered in the APQ store by staff, then trusted-only mode on
    resolve(query=FREE, sha256=FREE_SHA, staff=True)
    settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY = True
    # the resolver sees only whether the viewer is staff: anonymous and players are both non-staff
    staff = viewer == "staff"
    new_query = "query New { me { id } }"
    kwargs: dict[str, Any] = {
        "free-form": {"query": new_query},
        "trusted id": {"document_id": "viewer-1"},
        "trusted hash": {"sha256": TRUSTED_SHA},
        "trusted hash with query": {"sha256": TRUSTED_SHA, "query": TRUSTED},
        "registered hash": {"sha256": FREE_SHA},
        "new hash with query": {"sha256": hashlib.sha256(new_query.encode()).hexdigest(), "query": new_query},
    }[request_kind]

    # when
    try:
        result: str = "allowed" if resolve(staff=staff, **kwargs).query else "empty"
    except PersistedQueryError as error:
        result = error.code

    # then
    assert result == outcome
    if outcome == REQUIRED:
        assert caches[APQ_CACHE_ALIAS].get(hashlib.sha256(new_query.encode()).hexdigest()) is None


def test_trusted_only_refusal_reads_as_such(settings: SettingsWrapper) -> None:
    # given
    settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY = True

    # when
    error = error_of(query=FREE)

    # then
    assert isinstance(error, TrustedDocumentRequired)
    assert error.as_error() == {
        "message": "This API runs trusted documents only: send the documentId of a document from your app's manifest.",
        "extensions": {"code": "TRUSTED_DOCUMENT_REQUIRED"},
    }
    assert error.http_status == 403


def test_repeated_id_or_hash_is_served_from_the_lru_without_io(trusted: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: each seen once
    first = resolve(document_id="viewer-1")
    resolve(query=FREE, sha256=FREE_SHA)
    resolve(sha256=TRUSTED_SHA)

    def no_cache(*args: Any) -> None:
        raise AssertionError("the APQ store was read")

    monkeypatch.setattr("apps.persisted_queries.resolver._apq_get", no_cache)

    # when
    with CaptureQueriesContext(connection) as queries:
        by_id = resolve(document_id="viewer-1")
        by_hash = resolve(sha256=FREE_SHA)
        by_trusted_hash = resolve(sha256=TRUSTED_SHA)

    # then
    assert len(queries) == 0
    assert by_id.document is first.document
    assert (by_hash.query, by_trusted_hash.query) == (FREE, TRUSTED)


def test_lru_is_bounded(settings: SettingsWrapper) -> None:
    # given
    from apps.persisted_queries.resolver import lru

    settings.GRAPHQL_PERSISTED_LRU_SIZE = 2
    queries = [f"query Q{n} {{ me {{ id }} }}" for n in range(3)]

    # when
    for query in queries:
        resolve(query=query, sha256=hashlib.sha256(query.encode()).hexdigest())

    # then
    assert len(lru) == 2
    assert lru.get(("sha256", hashlib.sha256(queries[0].encode()).hexdigest())) is None


def test_a_deleted_trusted_document_stops_running_once_its_lru_entry_expires(
    settings: SettingsWrapper, trusted: None
) -> None:
    # given
    settings.GRAPHQL_PERSISTED_LRU_TTL = 0
    resolve(document_id="viewer-1")
    TrustedDocument.objects.all().delete()

    # when
    error = error_of(document_id="viewer-1")

    # then
    assert isinstance(error, TrustedDocumentNotFound)
