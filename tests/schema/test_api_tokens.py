from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.api_tokens.models import ApiToken
from apps.api_tokens.services import (
    InvalidApiTokenError,
    api_token_authenticate,
    api_token_create,
    api_token_digest,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates() -> None:
    # given a new token
    user = UserFactory()
    token, raw = api_token_create(user=user, name="  Phone  ")

    # then only its digest and a short prefix are stored, and it authenticates its user
    assert token.name == "Phone"
    assert token.digest == api_token_digest(raw_token=raw) != raw
    assert raw.startswith(token.prefix)
    assert len(token.prefix) < len(raw)
    assert api_token_authenticate(raw_token=raw) == user


def test_last_use_is_recorded_at_most_once_a_minute() -> None:
    # given a token used long ago
    token, raw = api_token_create(user=UserFactory(), name="Script")
    long_ago = timezone.now() - timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)

    # when it is used twice in a row
    api_token_authenticate(raw_token=raw)
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    api_token_authenticate(raw_token=raw)

    # then the first use is recorded and the second, seconds later, does not write again
    assert first_use is not None
    assert first_use > long_ago
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use


def test_disabled_account_and_unknown_tokens_are_refused() -> None:
    user = UserFactory()
    _, raw = api_token_create(user=user, name="Phone")
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(InvalidApiTokenError, match="disabled"):
        api_token_authenticate(raw_token=raw)
    with pytest.raises(InvalidApiTokenError, match="Invalid API token"):
        api_token_authenticate(raw_token="not-even-our-format")


def test_a_token_needs_a_name() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        api_token_create(user=UserFactory(), name=" ")


def test_management_commands_create_and_revoke() -> None:
    # given a player
    UserFactory(username="cli")
    out = StringIO()

    # when a token is created, then revoked by its prefix
    call_command("api_token_create", "cli", name="CI", stdout=out)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(digest=api_token_digest(raw_token=raw))
    call_command("api_token_revoke", token.prefix, stdout=StringIO())

    # then it no longer authenticates
    with pytest.raises(InvalidApiTokenError, match="revoked"):
        api_token_authenticate(raw_token=raw)
    with pytest.raises(CommandError, match="No user named"):
        call_command("api_token_create", "nobody", name="CI")
    with pytest.raises(CommandError, match="0 active tokens"):
        call_command("api_token_revoke", token.prefix)
