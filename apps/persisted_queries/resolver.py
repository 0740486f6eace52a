"""From a request's `query`, `extensions` and `documentId` to the GraphQL document to run.

Three ways in, checked in this order:

* `documentId` (trusted documents, GraphQL-over-HTTP; Relay sends it as `id`): a document loaded from a client
  manifest with `manage.py trusted_documents_load`. Always allowed.
* `extensions.persistedQuery = {version: 1, sha256Hash}` (Apollo's automatic persisted queries): the hash alone
  runs a known document (trusted documents first, then the APQ store) or answers PersistedQueryNotFound; the
  hash with the query checks the hash, registers the query in the APQ store and runs it.
* `query`: a free-form document.

With GRAPHQL_TRUSTED_DOCUMENTS_ONLY on, anonymous and non-staff viewers may run trusted documents only (by id,
or by the SHA-256 of their text through the APQ extension); the APQ store is neither read nor written for them,
so registering a hash cannot smuggle a free-form document past the allowlist. Staff keep free-form queries and
APQ.

A bounded in-process LRU sits in front of the database and the APQ cache: a repeated id or hash costs no I/O,
and trusted documents come with their parsed (load-time validated) DocumentNode.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Q
from graphql import DocumentNode, parse

from apps.persisted_queries.models import TrustedDocument
from apps.persisted_queries.services import (
    DOCUMENT_ID_MAX_LENGTH,
    SHA256_HEX,
    SHA256_PREFIX,
    document_id_normalize,
)
from config.caches import shared_cache

APQ_CACHE_ALIAS = "persisted_queries"
APQ_VERSION = 1
# Responses to a hash miss must not be cached by a CDN: the very next request registers the query.
NO_CACHE = {"Cache-Control": "private, no-cache, must-revalidate"}


@dataclass(frozen=True)
class ResolvedDocument:
    query: str
    document_id: str | None
    # A stored trusted document: its operation name can label metrics, and `document` is set.
    trusted: bool
    # Trusted documents only: parsed once per process and validated when loaded, so the caller may skip
    # parse and validate. Shared between requests: never mutate it.
    document: DocumentNode | None = field(default=None, compare=False, repr=False)


class PersistedQueryError(Exception):
    """A request whose document cannot be resolved. Report it as `{"errors": [self.as_error()]}` with
    `http_status` and `headers`; nothing was executed."""

    code: ClassVar[str] = "BAD_REQUEST"
    default_message: ClassVar[str] = "Bad persisted query request."
    http_status: ClassVar[int] = 400
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def as_error(self) -> dict[str, Any]:
        return {"message": self.message, "extensions": {"code": self.code}}


class PersistedQueryNotFound(PersistedQueryError):
    """APQ hash unknown: the client retries with the query (Apollo's exact message and code). 200, as Apollo
    Server answers, and never cached."""

    code = "PERSISTED_QUERY_NOT_FOUND"
    default_message = "PersistedQueryNotFound"
    http_status = 200
    headers = NO_CACHE


class PersistedQueryNotSupported(PersistedQueryError):
    """APQ disabled (and the hash is no trusted document): the client stops hashing and sends queries."""

    code = "PERSISTED_QUERY_NOT_SUPPORTED"
    default_message = "PersistedQueryNotSupported"
    http_status = 200
    headers = NO_CACHE


class PersistedQueryHashMismatch(PersistedQueryError):
    code = "BAD_USER_INPUT"
    default_message = "provided sha does not match query"


class PersistedQueryInvalid(PersistedQueryError):
    """A malformed request: bad APQ extension or version, a hash that is not 64 lowercase hex, an id or a
    query too long, both a documentId and a query, or nothing to run."""

    code = "BAD_USER_INPUT"
    default_message = "Invalid persisted query request."


class TrustedDocumentRequired(PersistedQueryError):
    code = "TRUSTED_DOCUMENT_REQUIRED"
    default_message = (
        "This API runs trusted documents only: send the documentId of a document from your app's manifest."
    )
    http_status = 403


class TrustedDocumentNotFound(PersistedQueryError):
    code = "NOT_FOUND"
    default_message = "Unknown documentId: no trusted document has this id."
    http_status = 404


@dataclass(frozen=True)
class _Entry:
    resolved: ResolvedDocument
    expires_at: float


class DocumentLru:
    """A bounded, thread-safe LRU of resolved documents with a per-entry time to live.

    The TTL bounds how long a trusted document deleted in the admin stays runnable in a running process.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> ResolvedDocument | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires_at <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.resolved

    def put(self, key: tuple[str, str], resolved: ResolvedDocument) -> None:
        max_size = settings.GRAPHQL_PERSISTED_LRU_SIZE
        if max_size <= 0:
            return
        with self._lock:
            self._entries[key] = _Entry(resolved, time.monotonic() + settings.GRAPHQL_PERSISTED_LRU_TTL)
            self._entries.move_to_end(key)
            while len(self._entries) > max_size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


lru = DocumentLru()


def _trusted_only_for(viewer_is_staff: bool) -> bool:
    return bool(settings.GRAPHQL_TRUSTED_DOCUMENTS_ONLY) and not viewer_is_staff


def _check_query_length(query: str) -> None:
    if len(query) > settings.GRAPHQL_MAX_QUERY_LENGTH:
        raise PersistedQueryInvalid(f"The query is longer than {settings.GRAPHQL_MAX_QUERY_LENGTH} characters.")


def _trusted(document: TrustedDocument) -> ResolvedDocument:
    return ResolvedDocument(
        query=document.body, document_id=document.document_id, trusted=True, document=parse(document.body)
    )


def _trusted_by_id(document_id: str) -> ResolvedDocument | None:
    """By stored id; a 'sha256:<hex>' id also finds a document stored under another id (e.g. Relay's MD5)
    whose text has that hash."""
    condition = Q(document_id=document_id)
    if document_id.startswith(SHA256_PREFIX):
        condition |= Q(sha256=document_id[len(SHA256_PREFIX) :])
    documents = sorted(TrustedDocument.objects.filter(condition)[:2], key=lambda d: d.document_id != document_id)
    return _trusted(documents[0]) if documents else None


def _trusted_by_sha256(sha256: str) -> ResolvedDocument | None:
    document = TrustedDocument.objects.filter(sha256=sha256).order_by("pk").first()
    return _trusted(document) if document else None


def _apq_get(sha256: str) -> str | None:
    query = shared_cache(APQ_CACHE_ALIAS).get(sha256)
    return query if isinstance(query, str) else None


def _apq_set(sha256: str, query: str) -> None:
    shared_cache(APQ_CACHE_ALIAS).set(sha256, query, timeout=settings.GRAPHQL_APQ_TTL)


async def _resolve_document_id(document_id: str) -> ResolvedDocument:
    if not document_id or len(document_id) > DOCUMENT_ID_MAX_LENGTH:
        raise PersistedQueryInvalid(f"A documentId is 1 to {DOCUMENT_ID_MAX_LENGTH} characters.")
    normalized = document_id_normalize(document_id)
    key = ("id", normalized)
    resolved = lru.get(key)
    if resolved is None:
        resolved = await sync_to_async(_trusted_by_id)(normalized)
        if resolved is None:
            raise TrustedDocumentNotFound()
        lru.put(key, resolved)
    return resolved


def _apq_hash(extension: Any) -> str:
    if not isinstance(extension, Mapping):
        raise PersistedQueryInvalid("extensions.persistedQuery must be an object {version, sha256Hash}.")
    if extension.get("version") != APQ_VERSION:
        raise PersistedQueryInvalid(f"Unsupported persisted query version: only version {APQ_VERSION} is.")
    sha256 = extension.get("sha256Hash")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise PersistedQueryInvalid("extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits.")
    return sha256


async def _resolve_apq(sha256: str, query: str | None, *, trusted_only: bool) -> ResolvedDocument:
    if query is not None:
        _check_query_length(query)
        if hashlib.sha256(query.encode()).hexdigest() != sha256:
            raise PersistedQueryHashMismatch()
    key = ("sha256", sha256)
    resolved = lru.get(key)
    if resolved is not None and (resolved.trusted or not trusted_only):
        return resolved
    if resolved is None:
        resolved = await sync_to_async(_trusted_by_sha256)(sha256)
        if resolved is not None:
            lru.put(key, resolved)
            return resolved
    if trusted_only:
        raise TrustedDocumentRequired()
    if not settings.GRAPHQL_APQ_ENABLED:
        raise PersistedQueryNotSupported()
    if resolved is not None:  # a free-form document registered earlier, in this process's LRU
        return resolved
    if query is None:
        query = await sync_to_async(_apq_get)(sha256)
        if query is None:
            raise PersistedQueryNotFound()
    else:
        await sync_to_async(_apq_set)(sha256, query)
    resolved = ResolvedDocument(query=query, document_id=None, trusted=False)
    lru.put(key, resolved)
    return resolved


async def persisted_document_resolve(
    *,
    query: str | None,
    extensions: Mapping[str, Any] | None,
    document_id: str | None,
    viewer_is_staff: bool,
) -> ResolvedDocument:
    """The document a request runs, from its `query`, `extensions` and `documentId` (or Relay's `id`).

    Raises a PersistedQueryError subclass (its `as_error()`, `http_status` and `headers` make the response).
    Empty strings count as absent. `extensions` other than `persistedQuery` are ignored here.
    """
    query = query or None
    trusted_only = _trusted_only_for(viewer_is_staff)
    if document_id:
        if query is not None:
            raise PersistedQueryInvalid("Send either a documentId or a query, not both.")
        return await _resolve_document_id(document_id)
    extension = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    if extension is not None:
        return await _resolve_apq(_apq_hash(extension), query, trusted_only=trusted_only)
    if query is None:
        raise PersistedQueryInvalid("No query: send a query, a documentId or extensions.persistedQuery.")
    if trusted_only:
        raise TrustedDocumentRequired()
    _check_query_length(query)
    return ResolvedDocument(query=query, document_id=None, trusted=False)
