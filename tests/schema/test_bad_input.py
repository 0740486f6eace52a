"""Hostile or mistaken input gets a clear BAD_USER_INPUT error (or null), never "Unexpected error."."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone

from apps.user_profile.models import ActivityEventType
from apps.user_profile.selectors.cursors import encode_cursor
from apps.user_profile.services.events import EventSpec, record_events
from schema import schema
from schema.context import Context
from schema.errors import (
    ERROR_CODE_MEANINGS,
    ERROR_CODES,
    ClientError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from schema.node import from_global_id, to_global_id
from tests.factories import UserFactory, enter, make_tournament
from tests.schema.conftest import count_queries, error_messages, graphql

pytestmark = pytest.mark.django_db

FEED = """
query Feed($id: ID!, $since: DateTime, $until: DateTime, $types: [ActivityEventType!], $after: String,
           $before: String, $last: Int) {
  user(id: $id) {
    activities(since: $since, until: $until, eventTypes: $types, after: $after, before: $before, last: $last) {
      edges { node { eventType timestamp } }
    }
  }
}
"""
HISTORY = (
    """query($id: ID!, $after: String) { user(id: $id) { tournamentHistory(after: $after) { edges { cursor } } } }"""
)
USER_BY_NAME = "query($name: String) { user(username: $name) { username } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


def _codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _record(user_id: int, timestamps: list[datetime], event_type: str = "achievement_unlocked") -> None:
    record_events(
        events=[
            EventSpec(
                user_id=user_id,
                event_type=event_type,
                timestamp=timestamp,
                source_model="test.source",
                source_id=n + 1,
                metadata={},
            )
            for n, timestamp in enumerate(timestamps)
        ]
    )


# Dates and times


@pytest.mark.parametrize("argument", ["since", "until"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-01-01T00:00:00+16:00", "its UTC offset +16:00 is outside -15:59 to +15:59."),
        ("2026-01-01T00:00:00-23:59", "its UTC offset -23:59 is outside -15:59 to +15:59."),
        ("2026-01-01T00:00:00", "it has no UTC offset; add one, such as Z or +02:00."),
        ("2026-01-01", "it has no UTC offset; add one, such as Z or +02:00."),
        ("0001-01-01T00:00:00+01:00", "it falls outside the years 1 to 9999 in UTC."),
        ("9999-12-31T23:00:00-02:00", "it falls outside the years 1 to 9999 in UTC."),
        (
            "0000-01-01T00:00:00Z",
            "expected ISO 8601 with a UTC offset, between the years 1 and 9999, such as 2024-05-01T12:00:00Z.",
        ),
        (
            "10000-01-01T00:00:00Z",
            "expected ISO 8601 with a UTC offset, between the years 1 and 9999, such as 2024-05-01T12:00:00Z.",
        ),
    ],
)
def test_datetimes_the_database_cannot_take_are_bad_input(client: Client, argument: str, value: str, reason: str):
    # given
    player = UserFactory()
    # when
    body = graphql(client, FEED, {"id": to_global_id("User", player.pk), argument: value})
    # then
    assert body["data"] is None
    assert error_messages(body) == [f"Variable '${argument}' has invalid value: Invalid DateTime {value!r}: {reason}"]
    assert _codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(("value", "kind"), [(1714564800, "int"), ({"at": "2026-01-01T00:00:00Z"}, "dict")])
def test_a_datetime_that_is_not_a_string_is_bad_input(client: Client, value: object, kind: str):
    # given
    player = UserFactory()
    # when
    body = graphql(client, FEED, {"id": to_global_id("User", player.pk), "since": value})
    # then
    assert error_messages(body) == [
        "Variable '$since' has invalid value: Invalid DateTime: expected an ISO 8601 string, such as "
        f"2024-05-01T12:00:00Z, got a {kind}."
    ]
    assert _codes(body) == ["BAD_USER_INPUT"]


def test_a_datetime_literal_is_checked_like_a_variable(client: Client):
    # given
    player = UserFactory(username="lit")
    query = '{ user(username: "lit") { activities(since: "2026-01-01T00:00:00+16:00") { edges { cursor } } } }'
    # when
    body = graphql(client, query)
    # then
    assert "data" not in body or body["data"] is None
    assert error_messages(body) == [
        "Invalid DateTime '2026-01-01T00:00:00+16:00': its UTC offset +16:00 is outside -15:59 to +15:59."
    ]
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert player.pk


def test_offsets_up_to_15_59_work_and_mean_the_same_instant_in_utc(client: Client):
    # given one event at 12:00 UTC
    player = UserFactory()
    _record(player.pk, [datetime(2026, 1, 1, 12, tzinfo=UTC)])
    variables = {"id": to_global_id("User", player.pk)}
    # when the window starts at that instant written with +15:59, or one minute later
    at = graphql(client, FEED, {**variables, "since": "2026-01-02T03:59:00+15:59"})
    after = graphql(client, FEED, {**variables, "since": "2026-01-01T12:01:00Z", "until": "2026-01-02T00:00:00-15:59"})
    # then
    assert [edge["node"]["timestamp"] for edge in at["data"]["user"]["activities"]["edges"]] == [
        "2026-01-01T12:00:00+00:00"
    ]
    assert after["data"]["user"]["activities"]["edges"] == []
    assert "errors" not in after


# The window


def test_since_after_until_is_bad_input(client: Client):
    # given
    player = UserFactory()
    variables = {
        "id": to_global_id("User", player.pk),
        "since": "2026-01-02T00:00:00Z",
        "until": "2026-01-01T00:00:00Z",
    }
    # when
    forward = graphql(client, FEED, variables)
    backward = graphql(client, FEED, {**variables, "last": 5})
    # then both the batched forward page and the backward page refuse it
    message = (
        "`since` must be before `until` (or equal to it, an empty window): got since 2026-01-02T00:00:00+00:00 "
        "and until 2026-01-01T00:00:00+00:00."
    )
    for body in (forward, backward):
        assert body["data"] == {"user": None}
        assert error_messages(body) == [message]


def test_since_equal_to_until_is_an_empty_window_not_an_error(client: Client):
    # given an event exactly at the bound
    player = UserFactory()
    _record(player.pk, [datetime(2026, 1, 1, tzinfo=UTC)])
    # when since == until, the same instant in two offsets
    body = graphql(
        client,
        FEED,
        {"id": to_global_id("User", player.pk), "since": "2026-01-01T00:00:00Z", "until": "2026-01-01T02:00:00+02:00"},
    )
    # then [since, until) holds nothing
    assert body == {"data": {"user": {"activities": {"edges": []}}}, "_status": 200}


# Cursors


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-01-01T00:00:00+16:00",
        "2026-01-01T00:00:00-20:00",
        "2026-01-01T00:00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "2026-01-01T00:00:00\x00",
    ],
)
def test_a_cursor_with_a_timestamp_the_database_cannot_take_is_bad_input(client: Client, timestamp: str):
    # given a player with history, and a hand-made cursor
    player = UserFactory()
    enter(make_tournament(), player, check_in=False)
    _record(player.pk, [timezone.now() - timedelta(days=1)])
    cursor = encode_cursor("activity", [timestamp, 1])
    user_id = to_global_id("User", player.pk)
    # when it is used on the forward feed, the backward feed and the tournament history
    forward = graphql(client, FEED, {"id": user_id, "after": cursor})
    backward = graphql(client, FEED, {"id": user_id, "before": cursor, "last": 5})
    history = graphql(client, HISTORY, {"id": user_id, "after": cursor})
    # then
    for body in (forward, backward, history):
        assert body["data"] == {"user": None}
        assert error_messages(body) == [
            "Invalid activity cursor: pass a cursor exactly as returned in pageInfo or an edge."
        ]


@pytest.mark.parametrize(
    "cursor",
    [
        "A" * 10_000,
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
        encode_cursor("activity", ["2026-01-01T00:00:00+00:00", 1]) + "\x00",
        encode_cursor("activity", ["2026-01-01T00:00:00+00:00", 1]) + "!",
    ],
)
def test_long_nested_or_junk_cursors_are_bad_input(client: Client, cursor: str):
    # given
    player = UserFactory()
    # when
    body = graphql(client, FEED, {"id": to_global_id("User", player.pk), "after": cursor})
    # then
    assert body["data"] == {"user": None}
    assert error_messages(body) == [
        "Invalid activity cursor: pass a cursor exactly as returned in pageInfo or an edge."
    ]


# Text that cannot reach PostgreSQL


@pytest.mark.parametrize("name", ["al\x00ice", "\x00", "a" * 151, "a" * 99_000])
def test_a_username_no_player_can_have_is_null_without_an_error(client: Client, name: str):
    # given
    UserFactory(username="alice")
    # when
    body = graphql(client, USER_BY_NAME, {"name": name})
    # then
    assert body == {"data": {"user": None}, "_status": 200}


def test_a_lone_surrogate_in_a_username_never_reaches_the_database(client: Client):
    # when half a surrogate pair is sent (a valid JSON escape, not a valid string)
    with count_queries() as queries:
        body = graphql(client, USER_BY_NAME, {"name": "al\ud800ice"})
    # then the request is refused as it is read
    assert body["_status"] == 400
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert queries == []


def test_a_nul_in_a_username_literal_is_null_without_an_error(client: Client):
    # given
    UserFactory(username="alice")
    # when
    body = graphql(client, '{ user(username: "al\\u0000ice") { username } }')
    # then
    assert body == {"data": {"user": None}, "_status": 200}


# Global ids


CANONICAL = _b64("User:10")  # VXNlcjoxMA==


@pytest.mark.parametrize(
    "bad_id",
    [
        _b64("User:1_0"),
        _b64("User:\u0661\u0660"),  # Arabic-Indic digits one, zero
        _b64("Activity: 10"),
        _b64("User:+10"),
        _b64("User:010"),
        _b64("User:10 "),
        _b64(" User:10"),
        _b64("Us\x00er:10"),
        CANONICAL.rstrip("="),  # without its padding
        CANONICAL + "=",
        CANONICAL + "AA",
        " " + CANONICAL,
        CANONICAL + " ",
        CANONICAL + "\n",
        "A" * 10_000,
    ],
)
def test_only_ids_exactly_as_handed_out_are_accepted(client: Client, bad_id: str):
    # given the canonical id of User 10 is what to_global_id hands out
    assert from_global_id(CANONICAL) == ("User", 10)
    assert to_global_id("User", 10) == CANONICAL
    # when a near-miss is asked for
    body = graphql(client, NODE, {"id": bad_id})
    # then
    assert body["data"] == {"node": None}
    [message] = error_messages(body)
    shown = bad_id if len(bad_id) <= 64 else bad_id[:64] + "…"
    assert message == f"Invalid ID {shown!r}: pass an `id` exactly as returned by this API."
    # (a resolver's BadInputError: the endpoint adds its code, BAD_USER_INPUT, to the response)


# Lists


def test_event_types_may_repeat_up_to_one_item_per_type_and_are_folded(client: Client):
    # given one achievement and one other event
    player = UserFactory()
    _record(player.pk, [datetime(2026, 1, 1, tzinfo=UTC)])
    _record(player.pk, [datetime(2026, 1, 2, tzinfo=UTC)], event_type="team_joined")
    types = ["ACHIEVEMENT_UNLOCKED"] * len(ActivityEventType)
    # when
    body = graphql(client, FEED, {"id": to_global_id("User", player.pk), "types": types})
    # then the achievement shows once
    assert [edge["node"]["eventType"] for edge in body["data"]["user"]["activities"]["edges"]] == [
        "ACHIEVEMENT_UNLOCKED"
    ]


@pytest.mark.parametrize("count", [len(ActivityEventType) + 1, 100])
def test_an_event_type_list_longer_than_there_are_types_is_bad_input(client: Client, count: int):
    # given
    player = UserFactory()
    # when
    body = graphql(client, FEED, {"id": to_global_id("User", player.pk), "types": ["TEAM_JOINED"] * count})
    # then
    assert body["data"] == {"user": None}
    assert error_messages(body) == [
        f"`eventTypes` takes at most {len(ActivityEventType)} items (one per event type), got {count}."
    ]


@pytest.mark.parametrize(
    "types", [["TEAM_JOINED"] * 101, ["TEAM_JOINED"] * 100_000, [["TEAM_JOINED"] * 101]], ids=["101", "100k", "nested"]
)
def test_a_variable_list_longer_than_any_argument_takes_is_refused_before_running(
    client: Client, types: list, settings
):
    # given a body cap that lets 100,000 items in, so the list check itself answers
    settings.GRAPHQL_MAX_BODY_BYTES = 10_000_000
    player = UserFactory()
    variables = {"id": to_global_id("User", player.pk), "types": types}
    # when
    with count_queries() as queries:
        body = graphql(client, FEED, variables)
    # then nothing ran: no data, no query, and a clear error with its code
    assert body["data"] is None
    assert error_messages(body) == [
        f"Variable '$types' holds a list of {len(types) if len(types) > 1 else 101} items: a list takes at most 100."
    ]
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert queries == []


# Integers


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ user(username: $name) { activities(first: -1) { edges { cursor } } } }",
            "`first` must be between 0 and 100, got -1.",
        ),
        (
            "{ user(username: $name) { activities(last: -5) { edges { cursor } } } }",
            "`last` must be between 0 and 100, got -5.",
        ),
        (
            "{ user(username: $name) { tournamentHistory(first: -1) { edges { cursor } } } }",
            "`first` must be between 0 and 100, got -1.",
        ),
        (
            "{ user(username: $name) { tournamentHistory(first: 101) { edges { cursor } } } }",
            "`first` must be between 0 and 100, got 101.",
        ),
        (
            "{ leaderboard(metric: WIN_RATE, first: -1) { edges { rank } } }",
            "`first` must be between 0 and 100, got -1.",
        ),
        (
            "{ leaderboard(metric: WIN_RATE, minMatches: -1) { edges { rank } } }",
            "`minMatches` must be 0 or more, got -1.",
        ),
        (
            "{ user(username: $name) { economySummary { recentTransactions(first: -1) { amount } } } }",
            "`first` must be between 0 and 50, got -1.",
        ),
    ],
)
def test_negative_or_too_large_integers_are_clear_errors(client: Client, query: str, message: str):
    # given the player, signed in (the economy summary is theirs only)
    player = UserFactory(username="ints")
    client.force_login(player)
    operation = f"query($name: String) {query}" if "$name" in query else query
    # when
    body = graphql(client, operation, {"name": "ints"} if "$name" in query else None)
    # then
    assert error_messages(body) == [message]


def test_integers_beyond_32_bits_are_refused_before_running(client: Client):
    # given
    player = UserFactory()
    # when
    variable = graphql(
        client, "query($n: Int) { leaderboard(metric: WIN_RATE, first: $n) { edges { rank } } }", {"n": 2**31}
    )
    literal = graphql(client, "{ leaderboard(metric: WIN_RATE, minMatches: 2147483648) { edges { rank } } }")
    # then
    assert error_messages(variable) == [
        "Variable '$n' has invalid value: Int cannot represent non 32-bit signed integer value: 2147483648"
    ]
    assert error_messages(literal) == ["Int cannot represent non 32-bit signed integer value: 2147483648"]
    assert player.pk


# Codes


def test_every_client_error_code_is_a_documented_code():
    # given every ClientError class
    classes: list[type[ClientError]] = []
    pending = [ClientError]
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending += cls.__subclasses__()
    # then each code is in ERROR_CODES, and every code has a one-line meaning
    assert {cls.code for cls in classes} == {"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED"}
    assert set(ERROR_CODES) >= {cls.code for cls in classes}
    assert len(ERROR_CODES) == 14
    assert all(meaning and "\n" not in meaning for meaning in ERROR_CODE_MEANINGS.values())


def _error_classes(query: str, *, user=None) -> list[type]:
    """The exceptions behind the errors of `query` run in-process (the codes come from their classes)."""
    context = Context(user=user)
    result = async_to_sync(schema.execute)(query, context_value=context)
    return [type(error.original_error) for error in result.errors or []]


def test_anonymous_viewers_are_unauthenticated_and_other_players_forbidden():
    # given a player, and another one
    UserFactory(username="owner")
    other = UserFactory(username="other")
    private = '{ user(username: "owner") { economySummary { totalEarned } } }'
    reconcile = "mutation { reconcileUserStats { usersChecked } }"
    # when / then signing in could help the anonymous viewer, not the other player
    assert _error_classes(private) == [UnauthenticatedError]
    assert _error_classes(private, user=other) == [PermissionDeniedError]
    assert _error_classes(reconcile) == [UnauthenticatedError]
    assert _error_classes(reconcile, user=other) == [PermissionDeniedError]
    assert UnauthenticatedError.code == "UNAUTHENTICATED"
    assert PermissionDeniedError.code == "FORBIDDEN"
