"""Property: whatever players do through the real services, stored stats equal a recomputation from the
events, and recording every source a second time changes nothing."""

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.teams.models import Team, TeamMembership
from apps.teams.services import team_create, team_member_add, team_member_remove
from apps.tournaments import services as tournaments
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import Achievement, UserAchievement, UserActivity, UserProfileStats
from apps.user_profile.services import activity
from apps.user_profile.services.achievements import achievement_unlock
from apps.user_profile.services.stats import empty_stats, stats_drift, stats_expected_from_events
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PLAYERS, TEAMS, ACHIEVEMENTS = 4, 3, 2
T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)

index = st.integers(min_value=0, max_value=7)
enter = st.tuples(st.just("enter"), index, index, st.booleans(), st.booleans())
match = st.tuples(st.just("match"), index, index, index, st.sampled_from(["a", "b", "draw"]), st.booleans())
# Entering and playing are listed three times: one_of picks its branches evenly, and most histories worth
# checking need several registrations and matches in one tournament.
action = st.one_of(
    enter,
    enter,
    match,
    match,
    st.tuples(st.just("tournament"), st.sampled_from([Tournament.Format.SOLO, Tournament.Format.TEAM])),
    enter,
    st.tuples(st.just("confirm"), index),
    st.tuples(st.just("check_in"), index),
    st.tuples(
        st.just("close"),
        index,
        st.sampled_from([Registration.Status.CANCELLED, Registration.Status.NO_SHOW, Registration.Status.DISQUALIFIED]),
    ),
    match,
    st.tuples(st.just("result"), index, index, st.integers(min_value=1, max_value=6)),
    st.tuples(st.just("complete"), index),
    st.tuples(st.just("start"), index),
    st.tuples(st.just("join"), index, index),
    st.tuples(st.just("leave"), index, index),
    st.tuples(st.just("coins"), index, st.integers(min_value=-400, max_value=400).filter(bool)),
    st.tuples(st.just("achievement"), index, index),
)
steps = st.lists(st.tuples(action, st.integers(min_value=1, max_value=180)), min_size=20, max_size=45)
# Rosters at the start (player, team): overlapping teams are where team events go wrong first.
rosters = st.lists(st.tuples(index, index), max_size=8)


@dataclass
class Platform:
    """The world one example acts on; indexes from the strategy pick among what exists."""

    players: list[Any]
    teams: list[Team]
    achievements: list[Achievement]
    cups: list[Tournament] = field(default_factory=list)
    clock: datetime = T0 + timedelta(minutes=1)

    def pick(self, items: list[Any], n: int) -> Any:
        return items[n % len(items)] if items else None

    def registrations(self, cup: Tournament) -> list[Registration]:
        return list(Registration.objects.filter(tournament=cup).order_by("id"))

    def apply(self, step: tuple[Any, ...]) -> None:
        kind, *args = step
        at = self.clock
        if kind == "tournament":
            self.cups.append(
                tournaments.tournament_create(
                    name=f"Cup {len(self.cups)}", game="Valorant", starts_at=at, format=args[0]
                )
            )
            return
        if kind in ("join", "leave"):
            player, team = self.pick(self.players, args[0]), self.pick(self.teams, args[1])
            if kind == "join":
                team_member_add(team=team, user=player, at=at)
            else:
                team_member_remove(team=team, user=player, at=at)
            return
        if kind == "coins":
            transaction_create(
                user=self.pick(self.players, args[0]),
                amount=args[1],
                reason=DeltaCrownTransaction.Reason.ADJUSTMENT,
                created_at=at,
            )
            return
        if kind == "achievement":
            achievement_unlock(
                user=self.pick(self.players, args[0]), achievement=self.pick(self.achievements, args[1]), unlocked_at=at
            )
            return
        for cup in self.cups:
            cup.refresh_from_db()
        # Enter open tournaments and play in those with two entries: picking among all would mostly miss.
        if kind == "enter":
            candidates = [c for c in self.cups if c.status == Tournament.Status.REGISTRATION_OPEN]
        elif kind == "match":
            candidates = [c for c in self.cups if len(self.registrations(c)) >= 2]
        else:
            candidates = self.cups
        cup = self.pick(candidates, args[0])
        if cup is None:
            return
        if kind == "enter":
            participant = self.pick(self.teams if cup.is_team else self.players, args[1])
            registration = tournaments.registration_create(
                tournament=cup, registered_at=at, **({"team": participant} if cup.is_team else {"user": participant})
            )
            if args[2]:
                tournaments.registration_confirm(registration=registration, at=at)
                if args[3]:
                    tournaments.registration_check_in(registration=registration, at=at)
            return
        if kind == "complete":
            tournaments.tournament_complete(tournament=cup, at=at)
            return
        if kind == "start":
            tournaments.tournament_start(tournament=cup)
            return
        entries = self.registrations(cup)
        registration = self.pick(entries, args[0])
        if registration is None:
            return
        if kind == "confirm":
            tournaments.registration_confirm(registration=registration, at=at)
        elif kind == "check_in":
            tournaments.registration_check_in(registration=registration, at=at)
        elif kind == "close":
            tournaments.registration_set_status(registration=registration, status=args[1])
        elif kind == "result":
            tournaments.tournament_result_record(
                tournament=cup, registration=self.pick(entries, args[1]), placement=args[2], at=at
            )
        elif kind == "match":
            a = args[1] % len(entries)
            side_a, side_b = entries[a], entries[(a + 1 + args[2] % (len(entries) - 1)) % len(entries)]
            match = tournaments.match_create(tournament=cup, side_a=side_a, side_b=side_b)
            winner = {"a": side_a, "b": side_b, "draw": None}[args[3]]
            tournaments.match_complete(match=match, winner=winner, is_forfeit=args[4] and winner is not None, at=at)


def platform_played_live(*, rosters: list[tuple[int, int]], steps: list[tuple[Any, int]]) -> Platform:
    """A platform whose history is played out through the live services, one step after another."""
    platform = Platform(
        players=[UserFactory() for _ in range(PLAYERS)],
        teams=[team_create(name=f"Team {n}") for n in range(TEAMS)],
        achievements=[Achievement.objects.create(code=f"a{n}", name=f"A{n}") for n in range(ACHIEVEMENTS)],
    )
    for format in (Tournament.Format.SOLO, Tournament.Format.TEAM):
        platform.apply(("tournament", format))
    for player_n, team_n in rosters:
        with suppress(ValidationError):
            team_member_add(
                team=platform.pick(platform.teams, team_n), user=platform.pick(platform.players, player_n), at=T0
            )
    for step, minutes in steps:
        platform.clock += timedelta(minutes=minutes)
        with suppress(ValidationError):
            platform.apply(step)
    return platform


def record_every_source_again() -> list[int]:
    """Run every source row through the activity service again; returns any ids newly inserted."""
    inserted: list[int] = []
    for registration in Registration.objects.select_related("tournament"):
        inserted += activity.record_tournament_registration(registration=registration)
    for cup in Tournament.objects.filter(status=Tournament.Status.COMPLETED):
        inserted += activity.record_tournament_completion(tournament=cup)
    for result in TournamentResult.objects.select_related("tournament", "registration"):
        inserted += activity.record_tournament_result(result=result)
    for match in Match.objects.select_related("tournament", "side_a", "side_b"):
        inserted += activity.record_match_result(match=match)
    for tx in DeltaCrownTransaction.objects.all():
        inserted += activity.record_economy_transaction(transaction=tx)
    for membership in TeamMembership.objects.select_related("team"):
        inserted += activity.record_team_membership(membership=membership)
    for unlock in UserAchievement.objects.select_related("achievement"):
        inserted += activity.record_achievement_unlock(unlock=unlock)
    return inserted


def stored_vs_expected(players: list[Any]) -> dict[int, dict[str, tuple[Any, Any]]]:
    expected = stats_expected_from_events(user_ids=[p.pk for p in players])
    drift = {}
    for player in players:
        stats = UserProfileStats.objects.get(user=player)
        drift[player.pk] = stats_drift(stats=stats, expected=expected.get(player.pk, empty_stats()))
    return drift


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rosters=rosters, steps=steps)
def test_stats_always_equal_the_recomputation_from_events(rosters, steps):
    with transaction.atomic():
        # given / when: every step happens some minutes after the one before; refused steps change nothing
        platform = platform_played_live(rosters=rosters, steps=steps)
        events_before = UserActivity.objects.count()
        # then
        assert stored_vs_expected(platform.players) == {p.pk: {} for p in platform.players}
        stats_before = [s.to_dict() for s in UserProfileStats.objects.filter(user__in=platform.players)]
        assert record_every_source_again() == []
        assert UserActivity.objects.count() == events_before
        assert [s.to_dict() for s in UserProfileStats.objects.filter(user__in=platform.players)] == stats_before
        transaction.set_rollback(True)
