"""A small platform with two games, two seasons and ledger lines at chosen moments, built through the services."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User

from apps.analytics.models import Season
from apps.analytics.services import season_create
from apps.economy.services import transaction_create
from tests.factories import UserFactory, enter, finish, make_tournament, play

MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 12, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass
class Platform:
    ada: User
    bob: User
    cy: User
    spring: Season  # March to May, every game
    march_valorant: Season  # March, Valorant only


def platform() -> Platform:
    """ada: Valorant in March (1 won, 1 lost, 1st), Rocket League in April (2 won, 1st); bob: the other side;
    cy: one Rocket League match in April (lost). Ledger lines for ada in March and April."""
    ada, bob, cy = UserFactory(username="ada"), UserFactory(username="bob"), UserFactory(username="cy")
    valorant = make_tournament(game="Valorant", starts_at=MARCH, name="March Valorant Cup")
    va, vb = enter(valorant, ada, at=MARCH), enter(valorant, bob, at=MARCH)
    play(valorant, va, vb, winner=va, at=MARCH + H)
    play(valorant, va, vb, winner=vb, at=MARCH + 2 * H)
    finish(valorant, [va, vb], at=MARCH + 3 * H)
    league = make_tournament(game="Rocket League", starts_at=APRIL, name="April League")
    la, lb, lc = enter(league, ada, at=APRIL), enter(league, bob, at=APRIL), enter(league, cy, at=APRIL)
    play(league, la, lb, winner=la, at=APRIL + H)
    play(league, la, lc, winner=la, at=APRIL + 2 * H)
    play(league, lb, lc, winner=None, at=APRIL + 3 * H)
    finish(league, [la, lb, lc], at=APRIL + 4 * H)
    transaction_create(user=ada, amount=40, reason="DAILY_REWARD", created_at=MARCH + 5 * H)
    transaction_create(user=ada, amount=-15, reason="ENTRY_FEE", created_at=APRIL + 5 * H)
    # 23:30 UTC on 31 March is 1 April in Kathmandu (+05:45): a month breakdown there moves it.
    transaction_create(user=ada, amount=5, reason="DAILY_REWARD", created_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    spring = season_create(
        name="Spring 2026", starts_at=datetime(2026, 3, 1, tzinfo=UTC), ends_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    march_valorant = season_create(
        name="March Valorant",
        starts_at=datetime(2026, 3, 1, tzinfo=UTC),
        ends_at=datetime(2026, 4, 1, tzinfo=UTC),
        game="Valorant",
    )
    return Platform(ada=ada, bob=bob, cy=cy, spring=spring, march_valorant=march_valorant)
