"""The grouped feed: runs of related events folded, per tournament or per local day, paged stably."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.economy.services import transaction_create
from apps.privacy import policy
from apps.user_profile.event_types import COIN_EVENT_TYPES
from apps.user_profile.selectors.groups import GroupCursor, InvalidTimeZoneError, activity_group_page
from tests.factories import UserFactory, enter, make_tournament, play

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _summary(page) -> list[tuple[str, int]]:
    return [(group.event_type, group.count) for group in page.items]


def test_wins_in_one_tournament_fold_and_coin_rewards_fold_per_local_day() -> None:
    # given ada wins 3 matches in one cup, then gets three rewards: two on 1 March and one after midnight UTC
    ada, bob = UserFactory(), UserFactory()
    cup = make_tournament(name="Summer Cup", starts_at=T0 - timedelta(days=1))
    ra, rb = enter(cup, ada, at=T0 - timedelta(hours=2)), enter(cup, bob, at=T0 - timedelta(hours=2))
    for minute in range(3):
        play(cup, ra, rb, winner=ra, at=T0 + timedelta(minutes=minute))
    # 18:30 and 19:00 UTC on 1 March (00:15 and 00:45 on 2 March in Kathmandu), and 00:00 UTC on 2 March
    for minutes, amount in ((390, 100), (420, 150), (720, 100)):
        transaction_create(user=ada, amount=amount, reason="DAILY_REWARD", created_at=T0 + timedelta(minutes=minutes))

    # when the owner reads the grouped feed in UTC and in Kathmandu (+05:45, where all three are on 2 March)
    utc = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset())
    kathmandu = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), time_zone="Asia/Kathmandu")

    # then the wins are one group with the cup as anchor, and the rewards fold per local day
    assert _summary(utc) == [
        ("coins_earned", 1),
        ("coins_earned", 2),
        ("match_won", 3),
        ("tournament_joined", 1),
        ("tournament_registered", 1),
    ]
    wins = utc.items[2]
    assert wins.tournament_id == cup.pk
    assert wins.day is None
    assert (wins.first_at, wins.last_at) == (T0, T0 + timedelta(minutes=2))
    assert len(wins.member_ids) == 3
    assert wins.member_ids == tuple(sorted(wins.member_ids, reverse=True))
    assert (utc.items[1].amount, utc.items[1].day.isoformat()) == (250, "2026-03-01")
    assert wins.amount is None
    assert _summary(kathmandu)[0] == ("coins_earned", 3)
    assert (kathmandu.items[0].amount, kathmandu.items[0].day.isoformat()) == (350, "2026-03-02")


def test_coin_groups_are_left_out_when_the_policy_hides_coin_events() -> None:
    # given rewards between two runs of wins
    ada, bob = UserFactory(), UserFactory()
    cup = make_tournament(starts_at=T0 - timedelta(days=1))
    ra, rb = enter(cup, ada, at=T0 - timedelta(hours=2)), enter(cup, bob, at=T0 - timedelta(hours=2))
    play(cup, ra, rb, winner=ra, at=T0)
    transaction_create(user=ada, amount=50, reason="DAILY_REWARD", created_at=T0 + timedelta(minutes=1))
    play(cup, ra, rb, winner=ra, at=T0 + timedelta(minutes=2))
    hidden = policy.hidden_event_types(
        viewer=policy.Viewer(id=bob.pk), owner_id=ada.pk, settings=policy.DEFAULT_SETTINGS
    )
    assert hidden == COIN_EVENT_TYPES

    # when the owner and another player read it
    own = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset())
    other = activity_group_page(owner_id=ada.pk, hidden_event_types=hidden)

    # then the owner sees the reward splitting the wins; the other player sees one run of two wins
    assert _summary(own)[:3] == [("match_won", 1), ("coins_earned", 1), ("match_won", 1)]
    assert _summary(other)[:1] == [("match_won", 2)]
    assert all(group.event_type not in COIN_EVENT_TYPES for group in other.items)


def test_paging_stays_stable_while_events_arrive_at_the_head() -> None:
    # given six alternating runs (a reward, then a win, ...) on separate days
    ada, bob = UserFactory(), UserFactory()
    cup = make_tournament(starts_at=T0 - timedelta(days=30))
    ra, rb = enter(cup, ada, at=T0 - timedelta(days=29)), enter(cup, bob, at=T0 - timedelta(days=29))
    for day in range(6):
        at = T0 + timedelta(days=day)
        transaction_create(user=ada, amount=10, reason="DAILY_REWARD", created_at=at)
        play(cup, ra, rb, winner=ra, at=at + timedelta(hours=1))
    walked: list[str] = []

    # when a client pages 3 groups at a time, while a win joining the newest group and then a new reward arrive
    page = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), first=3)
    walked += [group.key for group in page.items]
    newest_key = page.items[0].key
    play(cup, ra, rb, winner=ra, at=T0 + timedelta(days=5, hours=2))  # joins the newest run (wins, no reward)
    transaction_create(user=ada, amount=10, reason="DAILY_REWARD", created_at=T0 + timedelta(days=9))
    while page.has_next_page:
        after = GroupCursor.decode(page.items[-1].cursor)
        page = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), first=3, after=after)
        walked += [group.key for group in page.items]

    # then every group of the history is seen exactly once, in order, and the grown group kept its key
    everything = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), first=100)
    assert len(walked) == len(set(walked))
    assert walked == [group.key for group in everything.items][1:]  # all but the reward that arrived later
    assert everything.items[1].key == newest_key
    assert everything.items[1].count == 2


def test_an_unknown_time_zone_is_refused() -> None:
    ada = UserFactory()
    with pytest.raises(InvalidTimeZoneError):
        activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), time_zone="Mars/Olympus")


def test_first_zero_says_whether_there_are_groups() -> None:
    ada = UserFactory()
    transaction_create(user=ada, amount=10, reason="DAILY_REWARD", created_at=T0)
    page = activity_group_page(owner_id=ada.pk, hidden_event_types=frozenset(), first=0)
    assert page.items == []
    assert page.has_next_page
