"""Trusted documents: load a client's persisted-documents manifest, validated against the schema."""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from graphql import (
    DocumentNode,
    OperationDefinitionNode,
)

from apps.persisted_queries.models import TrustedDocument

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SHA256_PREFIX = "sha256:"
DOCUMENT_ID_MAX_LENGTH = 200
# Manifests are written by build tools: a document this long is a mistake, not a query.
DOCUMENT_MAX_LENGTH = 100_000
# The refusal lists this many problems, then how many more there were.
PROBLEMS_SHOWN = 20


class ManifestError(Exception):
    """A manifest refused as a whole: nothing of it was stored."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:PROBLEMS_SHOWN]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(
            f"Manifest refused, nothing stored: {len(problems)} problem(s).\n  " + "\n  ".join(shown) + more
        )


@dataclass(frozen=True)
class LoadReport:
    client_name: str
    added: int
    already_present: int
    added_ids: list[str] = field(default_factory=list, compare=False)

    @property
    def total(self) -> int:
        return self.added + self.already_present


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def document_id_normalize(document_id: str) -> str:
    """The stored form of a client's id: SHA-256 ids as 'sha256:<hex>' (with or without the prefix, any
    case), any other id (Relay's MD5, a custom one) unchanged."""
    candidate = document_id.strip()
    bare = candidate[len(SHA256_PREFIX) :] if candidate.lower().startswith(SHA256_PREFIX) else candidate
    if SHA256_HEX.fullmatch(bare.lower()):
        return SHA256_PREFIX + bare.lower()
    return candidate


def document_parse_and_validate(body: str) -> tuple[DocumentNode | None, list[str]]:
    """The parsed document and why it cannot be a trusted document ([] when it can): it must define an
    operation and pass exactly what a request's document passes (schema.execution.prepare_document)."""
    from schema.execution import prepare_document  # the schema imports every app's models: not at import time

    if len(body) > DOCUMENT_MAX_LENGTH:
        return None, [f"longer than {DOCUMENT_MAX_LENGTH} characters"]
    prepared = prepare_document(body)
    if prepared.document is None:
        verb = "does not parse" if prepared.code == "GRAPHQL_PARSE_FAILED" else "invalid"
        return None, [f"{verb}: {error.message}" for error in prepared.errors]
    if not any(isinstance(definition, OperationDefinitionNode) for definition in prepared.document.definitions):
        return prepared.document, ["defines no operation"]
    return prepared.document, []


def document_problems(body: str) -> list[str]:
    return document_parse_and_validate(body)[1]


def trusted_documents_load(*, manifest: Mapping[str, str], client_name: str) -> LoadReport:
    """Store every document of a Relay (`persisted-queries.json`) or GraphQL Codegen
    (`persisted-documents.json`) manifest, `{id: document text}`, as trusted documents of `client_name`.

    All or nothing: ManifestError (nothing stored) when any id is malformed, a SHA-256 id is not the hash of
    its body, a document does not parse or validate, or an id is already stored with another body.
    Idempotent: documents already stored count as already present.
    """
    client_name = client_name.strip()
    if not client_name or len(client_name) > TrustedDocument._meta.get_field("client_name").max_length:  # type: ignore[operator]
        raise ManifestError([f"client name {client_name!r} must be 1 to 100 characters"])
    problems: list[str] = []
    documents: dict[str, str] = {}
    for raw_id, body in manifest.items():
        if not isinstance(raw_id, str) or not isinstance(body, str):
            problems.append(f"{raw_id!r}: ids and documents must be strings")
            continue
        document_id = document_id_normalize(raw_id)
        if not document_id or len(document_id) > DOCUMENT_ID_MAX_LENGTH or any(c.isspace() for c in document_id):
            problems.append(f"{raw_id!r}: an id must be 1 to {DOCUMENT_ID_MAX_LENGTH} characters without spaces")
            continue
        if document_id.startswith(SHA256_PREFIX) and document_id != SHA256_PREFIX + body_sha256(body):
            problems.append(f"{raw_id}: the SHA-256 of the document is {body_sha256(body)}, not the id")
            continue
        if documents.get(document_id, body) != body:
            problems.append(f"{raw_id}: listed twice with different documents")
            continue
        problems.extend(f"{raw_id}: {problem}" for problem in document_problems(body))
        documents[document_id] = body
    if not documents and not problems:
        problems.append("the manifest lists no documents")

    with transaction.atomic():
        stored = dict(
            TrustedDocument.objects.select_for_update()
            .filter(document_id__in=list(documents))
            .values_list("document_id", "body")
        )
        problems.extend(
            f"{document_id}: already stored with a different document"
            for document_id, body in documents.items()
            if stored.get(document_id, body) != body
        )
        if problems:
            raise ManifestError(problems)
        new = [
            TrustedDocument(document_id=document_id, sha256=body_sha256(body), body=body, client_name=client_name)
            for document_id, body in documents.items()
            if document_id not in stored
        ]
        TrustedDocument.objects.bulk_create(new)
    return LoadReport(
        client_name=client_name,
        added=len(new),
        already_present=len(documents) - len(new),
        added_ids=[document.document_id for document in new],
    )
