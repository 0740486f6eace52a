from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from statistics import median

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apps.benchmarks.services.generate import platform_generate
from apps.benchmarks.services.plan import PlanError, platform_plan
from apps.benchmarks.services.writer import PlatformNotEmptyError
from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.models import UserAchievement, UserActivity, UserProfileStats
from apps.user_profile.services import sources
from apps.user_profile.services.reconcile import stats_reconcile

UNTIL = datetime(2026, 6, 1, tzinfo=UTC)
USERS = 250  # ten teams: enough for team tournaments of 8
EVENTS = 8_000


def _events_by_rules() -> Counter[str]:
    """What the product's event rules derive from every source row now in the database, by event type.

    Each source row goes through its live rule (the statement recording runs for a saved row); an event two
    source kinds both derive (a completion re-derives the registration's chain) counts once, by its key.
    """
    scopes = {
        "registration": Registration.objects.values_list("pk", flat=True),
        "completion": Tournament.objects.filter(status=Tournament.Status.COMPLETED).values_list("pk", flat=True),
        "match": Match.objects.values_list("pk", flat=True),
        "transaction": DeltaCrownTransaction.objects.values_list("pk", flat=True),
        "membership": TeamMembership.objects.values_list("pk", flat=True),
        "achievement": UserAchievement.objects.values_list("pk", flat=True),
    }
    keys = set()
    for kind, ids in scopes.items():
        for user_id, event_type, _, _, source_model, source_id in sources.source_events(kind=kind, ids=list(ids)):
            keys.add((user_id, source_model, source_id, event_type))
    return Counter(str(event_type) for _, _, _, event_type in keys)


def test_same_seed_plans_the_same_platform_and_another_seed_a_different_one() -> None:
    # given / when
    first = platform_plan(users=USERS, events=EVENTS, seed=7, until=UNTIL)
    again = platform_plan(users=USERS, events=EVENTS, seed=7, until=UNTIL)
    other = platform_plan(users=USERS, events=EVENTS, seed=8, until=UNTIL)

    # then
    assert [t.rows for t in first.tables] == [t.rows for t in again.tables]
    assert first.expected_events == again.expected_events
    assert [t.rows for t in first.tables] != [t.rows for t in other.tables]


def test_plan_is_skewed_few_very_active_players_many_occasional_ones() -> None:
    # given
    plan = platform_plan(users=1_000, events=50_000, seed=3, until=UNTIL)

    # when: how often each player appears in solo registrations and coin transactions
    appearances = Counter(dict.fromkeys(plan.user_weights, 0))
    appearances.update(row[2] for row in plan.rows_of(Registration) if row[2] is not None)
    appearances.update(row[1] for row in plan.rows_of(DeltaCrownTransaction))
    ranked = sorted(appearances.values(), reverse=True)

    # then: the busiest 1% of players make over 10% of it, and the busiest player dwarfs the median one
    assert sum(ranked[:10]) > 0.10 * sum(ranked)
    assert ranked[0] > 20 * median(ranked)
    assert median(ranked) >= 1


@pytest.mark.django_db
def test_generated_platform_has_the_planned_rows_and_the_events_the_rules_derive() -> None:
    # given
    plan = platform_plan(users=USERS, events=EVENTS, seed=11, until=UNTIL)

    # when
    report = platform_generate(users=USERS, events=EVENTS, seed=11, until=UNTIL, build_events=False)

    # then: every planned row is in the database
    assert User.objects.count() == USERS
    assert UserProfileStats.objects.count() == USERS
    assert report.rows_written["tournaments_match"] == Match.objects.count() == len(plan.rows_of(Match))
    assert TournamentResult.objects.count() == len(plan.rows_of(TournamentResult))
    assert Tournament.objects.filter(format=Tournament.Format.TEAM).exists()
    assert Tournament.objects.filter(format=Tournament.Format.SOLO).exists()
    assert Match.objects.filter(is_forfeit=True).exists()
    assert Registration.objects.filter(status=Registration.Status.NO_SHOW).exists()
    sizes = [t.registrations.count() for t in Tournament.objects.all()]
    assert min(sizes) >= 8
    assert max(sizes) <= 128
    # and the product's rules derive exactly the events the plan counted, about as many as asked for
    assert _events_by_rules() == Counter(report.expected_events)
    assert abs(report.expected_event_total - EVENTS) <= 0.1 * EVENTS
    # and the sequences moved past the planned ids: a normal insert works
    assert User.objects.create_user(username="newcomer").pk == USERS + 1


@pytest.mark.django_db
def test_generator_refuses_a_database_that_already_holds_a_platform() -> None:
    # given
    User.objects.create_user(username="existing")

    # when / then
    with pytest.raises(PlatformNotEmptyError, match="empty database"):
        platform_generate(users=USERS, events=EVENTS, seed=1, until=UNTIL, build_events=False)
    with pytest.raises(CommandError, match="empty database"):
        call_command("generate_platform", "--users", "20", "--events", "100", "--no-events")


@pytest.mark.parametrize(
    ("users", "events", "until", "message"),
    [
        (5, 1000, UNTIL, "at least 16 players"),
        (100, 10, UNTIL, "at least one event per player"),
        (100, 1000, datetime(2026, 6, 1), "timezone-aware"),  # noqa: DTZ001 - the bad input under test
    ],
)
def test_plan_rejects_arguments_that_describe_no_platform(
    users: int, events: int, until: datetime, message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        platform_plan(users=users, events=events, seed=1, until=until)


@pytest.mark.django_db
def test_generate_platform_command_builds_the_activity_log_with_the_backfill() -> None:
    # given: an empty database
    out = StringIO()

    # when
    call_command("generate_platform", "--users", str(USERS), "--events", str(EVENTS), "--seed", "5", stdout=out)

    # then: the backfill created every event the rules derive, and the stats agree with the log
    expected = _events_by_rules()
    assert UserActivity.objects.count() == sum(expected.values())
    assert f"{sum(expected.values()):,}" in out.getvalue()
    assert stats_reconcile(record_run=False).users_with_drift == 0
    busiest = UserProfileStats.objects.order_by("-matches_played").first()
    assert busiest is not None
    assert busiest.matches_played > 0
