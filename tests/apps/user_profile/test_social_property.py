"""Property: head-to-head and the grouped feed equal straightforward recomputations, over generated histories.

The head-to-head oracle works from the platform's own rows (which registrations met in which match, who was on
which roster), not from the events; the grouped-feed oracle folds the raw events in Python with zoneinfo.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.economy.services import transaction_create
from apps.privacy import policy
from apps.tournaments import services as tournaments
from apps.tournaments.models import Match, Tournament
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.groups import GroupCursor, activity_group_page
from apps.user_profile.selectors.head_to_head import head_to_head_meetings, head_to_head_record
from tests.factories import UserFactory, make_team

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PLAYERS = 4
T0 = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # around the European DST change (29 March)
ZONES = ["UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/London", "Pacific/Kiritimati"]

player = st.integers(min_value=0, max_value=PLAYERS - 1)
step = st.one_of(
    # a match between two players (solo) or two of the teams, with side a / side b / nobody winning
    st.tuples(st.just("solo"), player, player, st.sampled_from(["a", "b", "draw"])),
    st.tuples(st.just("team"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(["a", "b", "draw"])),
    st.tuples(st.just("coins"), player, st.integers(min_value=-300, max_value=300).filter(bool)),
)
steps = st.lists(st.tuples(step, st.integers(min_value=1, max_value=600)), min_size=5, max_size=25)
# Fixed rosters (joined before anything happens): player 1 is on two teams, so some team matches have a player
# on both sides.
ROSTERS = [(0, 1), (2, 3), (1, 2)]


def _build(history):
    users = [UserFactory() for _ in range(PLAYERS)]
    teams = [make_team(members=[users[i] for i in roster], joined_at=T0 - timedelta(days=3)) for roster in ROSTERS]
    solo = tournaments.tournament_create(name="Solo", game="Chess", starts_at=T0 - timedelta(days=1))
    team = tournaments.tournament_create(
        name="Teams", game="Chess", starts_at=T0 - timedelta(days=1), format=Tournament.Format.TEAM
    )
    at = T0 - timedelta(days=2)
    solo_regs = [_enter(solo, user=u, at=at) for u in users]
    team_regs = [_enter(team, team=t, at=at) for t in teams]
    now = T0
    for (kind, *args), minutes in history:
        now += timedelta(minutes=minutes)
        if kind == "coins":
            who, amount = args
            transaction_create(user=users[who], amount=amount, reason="DAILY_REWARD", created_at=now)
            continue
        left, right, winner = args
        if left == right:
            continue
        regs = solo_regs if kind == "solo" else team_regs
        match = tournaments.match_create(
            tournament=solo if kind == "solo" else team, side_a=regs[left], side_b=regs[right]
        )
        won_by = {"a": regs[left], "b": regs[right], "draw": None}[winner]
        tournaments.match_complete(match=match, winner=won_by, at=now)
    return users, {reg.pk: {users[i].pk for i in ROSTERS[n]} for n, reg in enumerate(team_regs)} | {
        reg.pk: {users[n].pk} for n, reg in enumerate(solo_regs)
    }


def _enter(tournament, *, at, user=None, team=None):
    registration = tournaments.registration_create(tournament=tournament, user=user, team=team, registered_at=at)
    registration = tournaments.registration_confirm(registration=registration, at=at)
    return tournaments.registration_check_in(registration=registration, at=at)


def _oracle_meetings(a: int, b: int, sides: dict[int, set[int]]) -> list[tuple[int, str]]:
    """(match id, a's outcome) of every completed match with a on one side and b on the other, newest first."""
    found = []
    for match in Match.objects.filter(state=Match.State.COMPLETED).order_by("-completed_at", "-id"):
        side_a, side_b = sides[match.side_a_id], sides[match.side_b_id]
        for mine, theirs, reg in ((side_a, side_b, match.side_a_id), (side_b, side_a, match.side_b_id)):
            # on one side only (a player on both rosters has no outcome), the other player on the other only
            if a in mine and a not in theirs and b in theirs and b not in mine:
                outcome = (
                    "match_drawn"
                    if match.winner_id is None
                    else ("match_won" if match.winner_id == reg else "match_lost")
                )
                found.append((match.pk, outcome))
    return found


def _oracle_groups(owner_id: int, hidden: frozenset[str], zone: str) -> list[tuple[str, int, int, int | None]]:
    """(anchor, count, oldest id, amount) of each run of the visible feed, folded by hand."""
    tz = ZoneInfo(zone)
    events = [
        e
        for e in UserActivity.objects.filter(user_id=owner_id).order_by("-timestamp", "-id")
        if e.event_type not in hidden and e.event_type != "match_played"
    ]
    runs: list[tuple[str, list[UserActivity]]] = []
    for event in events:
        coin = event.event_type in ("coins_earned", "coins_spent")
        tournament = event.metadata.get("tournament_id")
        anchor = (
            f"{event.event_type}/day:{event.timestamp.astimezone(tz).date().isoformat()}"
            if coin or tournament is None
            else f"{event.event_type}/tournament:{tournament}"
        )
        if runs and runs[-1][0] == anchor:
            runs[-1][1].append(event)
        else:
            runs.append((anchor, [event]))
    return [
        (
            anchor,
            len(members),
            members[-1].pk,
            sum(m.amount for m in members) if members[0].event_type.startswith("coins") else None,
        )
        for anchor, members in runs
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=steps,
    zone=st.sampled_from(ZONES),
    page=st.integers(min_value=1, max_value=4),
    viewer_is_owner=st.booleans(),
)
def test_head_to_head_and_groups_equal_their_recomputations(history, zone, page, viewer_is_owner):
    with transaction.atomic():
        # given a generated history of solo and team matches and coin lines
        users, sides = _build(history)

        for a in users:
            for b in users:
                if a == b:
                    continue
                # when head-to-head is read (record and every meeting, paged)
                record = head_to_head_record(player_a_id=a.pk, player_b_id=b.pk)
                meetings, after = [], None
                while True:
                    got = head_to_head_meetings(player_a_id=a.pk, player_b_id=b.pk, first=page, after=after)
                    meetings += [(m.match_id, m.outcome) for m in got.items]
                    if not got.has_next_page:
                        break
                    after = got.items[-1].cursor
                # then it equals the recomputation from the matches and rosters
                expected = _oracle_meetings(a.pk, b.pk, sides)
                assert meetings == expected
                outcomes = [outcome for _, outcome in expected]
                assert (record.played, record.won, record.lost, record.drawn) == (
                    len(expected),
                    outcomes.count("match_won"),
                    outcomes.count("match_lost"),
                    outcomes.count("match_drawn"),
                )

        for owner in users:
            # when the grouped feed is walked page by page, by the owner or by another player
            hidden = (
                frozenset()
                if viewer_is_owner
                else policy.hidden_event_types(
                    viewer=policy.Viewer(id=-1), owner_id=owner.pk, settings=policy.DEFAULT_SETTINGS
                )
            )
            walked, cursor = [], None
            while True:
                groups = activity_group_page(
                    owner_id=owner.pk, hidden_event_types=hidden, first=page, after=cursor, time_zone=zone
                )
                walked += groups.items
                if not groups.has_next_page:
                    break
                cursor = GroupCursor.decode(groups.items[-1].cursor)
            # then the groups equal the runs folded by hand, each once, their spans and members in order
            assert [(g.key.rsplit("/", 1)[0], g.count, g.oldest_id, g.amount) for g in walked] == _oracle_groups(
                owner.pk, hidden, zone
            )
            for group in walked:
                assert group.first_at <= group.last_at
                assert len(group.member_ids) == min(group.count, 10)
            for newer, older in pairwise(walked):
                assert older.last_at <= newer.first_at
        transaction.set_rollback(True)
