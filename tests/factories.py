"""Test data built through the real services, so every fixture has its events and stats."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from apps.privacy.services import privacy_settings_update
from apps.teams.models import Team
from apps.teams.services import team_create, team_member_add
from apps.tournaments import services as tournaments
from apps.tournaments.models import Match, Registration, Tournament


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"player{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    # A plain declaration so that _create receives it: a post-generation set_password would change only the
    # in-memory object (skip_postgeneration_save), leaving a user who cannot log in and a stale session hash.
    password = "pass12345"

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", None)
        user = model_class.objects.create_user(*args, **kwargs)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


_counter = iter(range(1, 10**9))


def make_tournament(
    *, format: str = Tournament.Format.SOLO, starts_at: datetime | None = None, **kwargs: Any
) -> Tournament:
    n = next(_counter)
    return tournaments.tournament_create(
        name=kwargs.pop("name", f"Cup {n}"),
        game=kwargs.pop("game", "Valorant"),
        starts_at=starts_at or timezone.now() - timedelta(days=1),
        format=format,
        **kwargs,
    )


def make_team(*, members: Sequence[User], name: str | None = None, joined_at: datetime | None = None) -> Team:
    team = team_create(name=name or f"Team {next(_counter)}")
    for member in members:
        team_member_add(team=team, user=member, at=joined_at)
    return team


def enter(
    tournament: Tournament,
    participant: User | Team,
    *,
    confirm: bool = True,
    check_in: bool = True,
    at: datetime | None = None,
) -> Registration:
    """Register a player or team; confirm and check in by default."""
    if isinstance(participant, Team):
        registration = tournaments.registration_create(tournament=tournament, team=participant, registered_at=at)
    else:
        registration = tournaments.registration_create(tournament=tournament, user=participant, registered_at=at)
    if confirm:
        registration = tournaments.registration_confirm(registration=registration, at=at)
    if confirm and check_in:
        registration = tournaments.registration_check_in(registration=registration, at=at)
    return registration


def play(
    tournament: Tournament,
    side_a: Registration,
    side_b: Registration,
    *,
    winner: Registration | None,
    is_forfeit: bool = False,
    at: datetime | None = None,
    round: int = 1,
) -> Match:
    match = tournaments.match_create(tournament=tournament, side_a=side_a, side_b=side_b, round=round)
    return tournaments.match_complete(match=match, winner=winner, is_forfeit=is_forfeit, at=at)


def finish(tournament: Tournament, placements: Sequence[Registration], *, at: datetime | None = None) -> Tournament:
    """Enter placements 1..n in order, then complete the tournament."""
    for placement, registration in enumerate(placements, start=1):
        tournaments.tournament_result_record(
            tournament=tournament, registration=registration, placement=placement, at=at
        )
    return tournaments.tournament_complete(tournament=tournament, at=at)


def set_privacy(user: User, *, economy_public: bool | None = None, activity_public: bool | None = None) -> None:
    """Set a player's privacy settings through the service (None leaves one as it is)."""
    privacy_settings_update(user=user, economy_public=economy_public, activity_public=activity_public)
