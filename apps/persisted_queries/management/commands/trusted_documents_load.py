import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.persisted_queries.services import ManifestError, trusted_documents_load


class Command(BaseCommand):
    help = (
        "Load a client's persisted-documents manifest as trusted documents: Relay's persisted-queries.json or "
        "GraphQL Codegen's persisted-documents.json ({id: document}). Every document is validated against the "
        "schema; any problem refuses the whole file. Loading the same file again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The manifest (JSON object of id -> GraphQL document).")
        parser.add_argument(
            "--client", help="The app the manifest belongs to, e.g. 'web' or 'ios' (default: the file's name)."
        )

    def handle(self, *args: Any, file: str, client: str | None, **options: Any) -> None:
        path = Path(file)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path} is not a JSON manifest: {error}") from error
        if not isinstance(manifest, dict):
            raise CommandError(f"{path} must hold a JSON object of id -> GraphQL document.")
        try:
            report = trusted_documents_load(manifest=manifest, client_name=client or path.stem)
        except ManifestError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Trusted documents of {report.client_name!r}: {report.added} added, "
            f"{report.already_present} already present."
        )
