"""The live stream's numbers: per player gapless and in commit order, also when ids are drawn out of it.

Writers run on their own database connections (threads): the order of their commits is forced with the
stats row lock, as it happens between two requests recording for one player.
"""

import threading
from datetime import UTC, datetime

import pgtrigger
import pytest
from django.db import connection, transaction

from apps.economy.services import transaction_create
from apps.user_profile import publisher
from apps.user_profile.models import ActivityStreamEntry, UserActivity, UserProfileStats
from apps.user_profile.selectors.stream import stream_events_after, stream_head
from apps.user_profile.services.account import user_activity_erase
from apps.user_profile.services.backfill import activity_backfill
from apps.user_profile.services.events import record_event
from tests.apps.user_profile.test_concurrency import run_in_threads
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 9, 1, 19, 0, tzinfo=UTC)


def _record(user_id: int, source_id: int) -> int | None:
    return record_event(
        user_id=user_id, event_type="match_played", timestamp=T0, source_model="tournaments.match", source_id=source_id
    )


def _seqs(user_id: int) -> dict[int, int]:
    return dict(ActivityStreamEntry.objects.filter(user_id=user_id).values_list("activity_id", "seq"))


def test_each_player_numbers_events_from_one_without_gaps() -> None:
    # given two players
    ada, bob = UserFactory(), UserFactory()

    # when events are recorded for both, one a duplicate
    first = _record(ada.pk, 1)
    _record(bob.pk, 1)
    second = _record(ada.pk, 2)
    assert _record(ada.pk, 2) is None

    # then each player's numbers start at 1 and follow on; the duplicate takes none
    assert _seqs(ada.pk) == {first: 1, second: 2}
    assert list(_seqs(bob.pk).values()) == [1]
    assert stream_head(user_id=ada.pk) == 2
    assert [e.id for e in stream_events_after(user_id=ada.pk, after=1)] == [second]


def test_source_recording_numbers_its_events_too() -> None:
    # given a player with one event
    ada = UserFactory()
    _record(ada.pk, 1)

    # when a ledger line is saved (record_sources, one statement for the events and the stats)
    transaction_create(user=ada, amount=50, reason="TOURNAMENT_PRIZE")

    # then its coin event follows in the stream
    events = stream_events_after(user_id=ada.pk, after=1)
    assert [(e.seq, e.event_type, e.metadata["amount"]) for e in events] == [(2, "coins_earned", 50)]


def test_a_rolled_back_event_takes_no_number_and_is_never_published(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a player and a publisher that records what it is handed
    ada = UserFactory()
    published: list[int] = []
    monkeypatch.setattr(publisher, "publish", lambda *, events: published.extend(e.seq for e in events))

    # when one recording rolls back and the next commits
    def fails_after_recording() -> None:
        with transaction.atomic():
            _record(ada.pk, 1)
            raise RuntimeError("the caller fails after recording")

    with pytest.raises(RuntimeError):
        fails_after_recording()
    committed = _record(ada.pk, 2)

    # then only the committed event has a number, it is 1, and only it was published, once
    assert _seqs(ada.pk) == {committed: 1}
    assert published == [1]


def test_numbers_follow_commit_order_when_ids_do_not() -> None:
    """A source recording draws its event id before it takes the player's lock (services/sources.py): a
    writer that drew a lower id can commit after one that drew a higher id. The numbers follow the commits."""
    # given a player, and a first transaction holding their stats row lock
    ada = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=ada.pk)
    holder_locked, release = threading.Event(), threading.Event()
    order: list[str] = []

    def holder() -> None:
        with transaction.atomic():
            list(UserProfileStats.objects.select_for_update().filter(user_id=ada.pk))
            holder_locked.set()
            release.wait(timeout=30)
            _record(ada.pk, 1)  # drawn last: the highest id
        order.append("holder committed")

    def ledger_writer() -> None:
        holder_locked.wait(timeout=30)
        transaction_create(user=ada, amount=75, reason="TOURNAMENT_PRIZE")  # id drawn now, then waits for the lock
        order.append("ledger committed")

    def releaser() -> None:
        holder_locked.wait(timeout=30)
        # the ledger writer has drawn its id and waits for the lock (its insert is visible as a lock wait)
        with connection.cursor() as cursor:
            for _ in range(300):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%%INSERT%%'"
                )
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.05)
        release.set()

    # when the three run together
    run_in_threads(lambda i: [holder, ledger_writer, releaser][i](), 3)

    # then the ledger's event has the lower id but committed last, and its stream number says so
    assert order == ["holder committed", "ledger committed"]
    entries = list(ActivityStreamEntry.objects.filter(user_id=ada.pk).order_by("seq"))
    activity_ids = [entry.activity_id for entry in entries]
    assert [entry.seq for entry in entries] == [1, 2]
    assert activity_ids[0] > activity_ids[1], "the ids are out of commit order: the stream needs its numbers"


def test_concurrent_writers_get_distinct_gapless_numbers() -> None:
    # given a player
    ada = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=ada.pk)

    # when eight writers record two events each at once, each on its own connection
    run_in_threads(lambda i: [_record(ada.pk, 100 + 2 * i), _record(ada.pk, 101 + 2 * i)], 8)

    # then the sixteen numbers are 1..16, one per event
    assert sorted(_seqs(ada.pk).values()) == list(range(1, 17))


def test_erasing_a_player_erases_their_stream() -> None:
    # given a player with streamed events
    ada = UserFactory()
    _record(ada.pk, 1)

    # when their history is erased
    user_activity_erase(user_id=ada.pk)

    # then the stream is gone with it
    assert stream_head(user_id=ada.pk) == 0


def test_the_backfill_numbers_and_publishes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a ledger line whose events are missing from the log (erased, as before a first backfill)
    ada = UserFactory()
    transaction_create(user=ada, amount=30, reason="DAILY_REWARD")
    ActivityStreamEntry.objects.all().delete()
    with pgtrigger.ignore("user_profile.UserActivity:append_only"):
        UserActivity.objects.all()._erase()
    published: list[int] = []
    monkeypatch.setattr(publisher, "publish", lambda *, events: published.extend(e.seq for e in events))

    # when the backfill records it again
    report = activity_backfill(batch_size=10, record_run=False)

    # then the event is back in the log, but not in the stream, and nobody was sent anything
    assert report.events_created == 1
    assert UserActivity.objects.filter(user=ada).count() == 1
    assert stream_head(user_id=ada.pk) == 0
    assert published == []
