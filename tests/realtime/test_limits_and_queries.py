"""Subscriptions and the front door: starting one is charged to the viewer's budget, and catching up costs the
same SQL whatever the number of events missed."""

from typing import Any

import pytest
from django.db.backends.utils import CursorWrapper

from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors.stream import StreamCursor
from apps.user_profile.services.events import record_event
from schema.node import to_global_id
from tests.factories import UserFactory
from tests.realtime.conftest import ACTIVITY_ADDED, T0, connect, receive, record, run, subscribe, until_listening

pytestmark = pytest.mark.django_db(transaction=True)


def _player() -> Any:
    player = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=player.pk)
    return player


def test_starting_a_subscription_is_charged_to_the_viewers_budget(settings: Any) -> None:
    # given an anonymous budget that pays for one subscription start and no more
    settings.API_BUDGET_ANONYMOUS_POINTS = 4  # the subscription costs 3
    ada = _player()
    variables = {"userId": to_global_id("User", ada.pk)}

    async def scenario() -> None:
        ws = await connect()
        # when the client starts two subscriptions
        await subscribe(ws, "1", ACTIVITY_ADDED, variables)
        await subscribe(ws, "2", ACTIVITY_ADDED, variables)

        # then one is refused with RATE_LIMITED and the budget's figures; the other runs (both start at once, each
        # on its own task: which one is charged first is not fixed)
        refused = await receive(ws)
        assert (refused["id"] in {"1", "2"}, refused["type"]) == (True, "error"), refused
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused["payload"][0]["extensions"]["rateLimit"]["limit"] == 4
        await until_listening(ada.pk)
        await record(ada.pk, 1)
        assert (await receive(ws))["id"] == ({"1", "2"} - {refused["id"]}).pop()
        await ws.disconnect()

    run(scenario)


@pytest.fixture
def all_threads_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL every thread runs: the API's database thread is not the test's."""
    executed: list[str] = []
    original = CursorWrapper._execute_with_wrappers

    def counting(self: CursorWrapper, sql: str, *args: Any, **kwargs: Any) -> Any:
        executed.append(sql)
        return original(self, sql, *args, **kwargs)

    monkeypatch.setattr(CursorWrapper, "_execute_with_wrappers", counting)
    return executed


@pytest.mark.parametrize("missed", [3, 30])
def test_catching_up_costs_the_same_sql_for_3_or_30_missed_events(missed: int, all_threads_queries: list[str]) -> None:
    # given a player with events a client has not seen
    ada = _player()
    for source_id in range(missed):
        record_event(user_id=ada.pk, event_type="match_played", timestamp=T0, source_model="t.m", source_id=source_id)
    variables = {"userId": to_global_id("User", ada.pk), "after": StreamCursor(user_id=ada.pk, seq=0).encode()}

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "1", ACTIVITY_ADDED, variables)
        received = [await receive(ws) for _ in range(missed)]
        assert len({m["payload"]["data"]["activityAdded"]["cursor"] for m in received}) == missed
        await ws.disconnect()

    # when an anonymous client resubscribes from the start of the stream
    all_threads_queries.clear()
    run(scenario)

    # then: the player, the stream head, one page of events, the player's privacy settings
    assert len(all_threads_queries) == 4, all_threads_queries
