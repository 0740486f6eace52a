import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.persisted_queries.models import TrustedDocument
from apps.persisted_queries.services import ManifestError, body_sha256, trusted_documents_load

FIXTURES = Path(__file__).parent / "fixtures"
RELAY = FIXTURES / "relay-persisted-queries.json"
CODEGEN = FIXTURES / "codegen-persisted-documents.json"
BAD = FIXTURES / "bad-persisted-documents.json"

pytestmark = pytest.mark.django_db


def load(path: Path, *args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("trusted_documents_load", str(path), *args, stdout=out)
    return out.getvalue()


def test_relay_manifest_is_stored_under_its_md5_ids() -> None:
    # given
    manifest = json.loads(RELAY.read_text())

    # when
    output = load(RELAY, "--client", "web")

    # then
    assert output.strip() == "Trusted documents of 'web': 2 added, 0 already present."
    stored = {d.document_id: (d.body, d.sha256, d.client_name) for d in TrustedDocument.objects.all()}
    assert stored == {document_id: (body, body_sha256(body), "web") for document_id, body in manifest.items()}


def test_codegen_manifest_ids_are_stored_with_the_sha256_prefix() -> None:
    # given
    manifest = json.loads(CODEGEN.read_text())
    bare_id = next(key for key in manifest if not key.startswith("sha256:"))

    # when
    output = load(CODEGEN)

    # then
    assert output.strip() == "Trusted documents of 'codegen-persisted-documents': 2 added, 0 already present."
    assert set(TrustedDocument.objects.values_list("document_id", flat=True)) == {
        "sha256:" + body_sha256(body) for body in manifest.values()
    }
    assert TrustedDocument.objects.get(document_id=f"sha256:{bare_id}").body == manifest[bare_id]


def test_loading_twice_stores_once() -> None:
    # given
    load(CODEGEN, "--client", "ios")

    # when
    output = load(CODEGEN, "--client", "ios")

    # then
    assert output.strip() == "Trusted documents of 'ios': 0 added, 2 already present."
    assert TrustedDocument.objects.count() == 2


def test_a_bad_manifest_is_refused_whole() -> None:
    # when
    with pytest.raises(CommandError) as refusal:
        load(BAD)

    # then
    message = str(refusal.value)
    assert message.startswith("Manifest refused, nothing stored: 3 problem(s).")
    assert (
        "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881: the SHA-256 of the document is"
        in message
    )
    assert "a1: does not parse: Syntax Error: Expected Name, found <EOF>." in message
    assert "a2: invalid: Cannot query field 'nope' on type 'User'." in message
    assert TrustedDocument.objects.count() == 0


def test_an_id_stored_with_another_body_is_refused() -> None:
    # given
    trusted_documents_load(manifest={"doc-1": "query A { me { id } }"}, client_name="web")

    # when
    with pytest.raises(ManifestError) as refusal:
        trusted_documents_load(
            manifest={"doc-1": "query A { me { username } }", "doc-2": "query B { me { id } }"}, client_name="web"
        )

    # then
    assert refusal.value.problems == ["doc-1: already stored with a different document"]
    assert list(TrustedDocument.objects.values_list("document_id", flat=True)) == ["doc-1"]


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({}, "the manifest lists no documents"),
        ({"x": "fragment F on User { id }"}, "x: invalid: Fragment 'F' is never used."),
        ({"has space": "query A { me { id } }"}, "'has space': an id must be 1 to 200 characters without spaces"),
    ],
)
def test_other_refusals(manifest: dict[str, str], problem: str) -> None:
    # when
    with pytest.raises(ManifestError) as refusal:
        trusted_documents_load(manifest=manifest, client_name="web")

    # then
    assert refusal.value.problems == [problem]


def test_a_file_that_is_not_a_json_object_is_refused(tmp_path: Path) -> None:
    # given
    path = tmp_path / "list.json"
    path.write_text("[]")

    # when
    with pytest.raises(CommandError) as refusal:
        load(path)

    # then
    assert str(refusal.value) == f"{path} must hold a JSON object of id -> GraphQL document."


def test_documents_are_held_to_the_request_limits() -> None:
    # given: one alias more than a request may use
    aliases = " ".join(f"a{n}: me {{ id }}" for n in range(21))

    # when
    with pytest.raises(ManifestError) as refusal:
        trusted_documents_load(manifest={"many-aliases": f"query Many {{ {aliases} }}"}, client_name="web")

    # then
    assert refusal.value.problems == ["many-aliases: invalid: 21 aliases found. Allowed: 20"]


def test_admin_shows_documents_read_only(admin_client: Any) -> None:
    # given
    trusted_documents_load(manifest={"doc-1": "query A { me { id } }"}, client_name="web")
    document = TrustedDocument.objects.get()

    # when
    changelist = admin_client.get("/admin/persisted_queries/trusteddocument/")
    change = admin_client.get(f"/admin/persisted_queries/trusteddocument/{document.pk}/change/")
    add = admin_client.get("/admin/persisted_queries/trusteddocument/add/")

    # then
    assert (changelist.status_code, change.status_code, add.status_code) == (200, 200, 403)
    assert "doc-1" in changelist.content.decode()
    assert "query A { me { id } }" in change.content.decode()
    assert 'name="body"' not in change.content.decode()
