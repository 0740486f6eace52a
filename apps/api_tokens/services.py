"""Personal API tokens: create (shown once), revoke, and authenticate a Bearer token."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from apps.api_tokens.models import ApiToken

TOKEN_PREFIX = "dct_"
# Recording every use would turn each read into a write; a minute's precision is enough to spot stale tokens.
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidApiTokenError(Exception):
    """A Bearer token that is unknown, malformed or revoked."""


def api_token_digest(*, raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the raw token, which is not stored and cannot be shown again."""
    if not name.strip():
        raise ValueError("An API token needs a name saying what it is for.")
    raw_token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw_token[:12], digest=api_token_digest(raw_token=raw_token)
    )
    return token, raw_token


def api_token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, raw_token: str) -> User:
    """The active user a Bearer token stands for, recording its use; InvalidApiTokenError otherwise."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=api_token_digest(raw_token=raw_token)).first()
        if raw_token.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None:
        raise InvalidApiTokenError("Invalid API token.")
    if token.revoked_at is not None:
        raise InvalidApiTokenError("This API token has been revoked.")
    if not token.user.is_active:
        raise InvalidApiTokenError("The account of this API token is disabled.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
