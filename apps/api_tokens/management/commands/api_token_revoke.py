from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.api_tokens.models import ApiToken
from apps.api_tokens.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke a personal API token, given the start of it shown in the admin (its prefix)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, prefix: str, **options: Any) -> None:
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} active tokens start with {prefix!r}; expected exactly one.")
        api_token_revoke(token=tokens[0])
        self.stdout.write(f"Revoked {tokens[0]}.")
