"""Query.headToHead and User.activityGroups through the API: values, errors, privacy, cost and SQL counts."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from graphql import parse

from apps.economy.services import transaction_create
from schema import schema
from schema.cost import requested_cost
from schema.node import to_global_id
from tests.factories import UserFactory, enter, make_tournament, play, set_privacy
from tests.schema.conftest import count_queries, graphql
from tests.schema.test_query_counts import VIEWER

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

H2H = """query($a: ID!, $b: ID!, $first: Int, $after: String) { headToHead(a: $a, b: $b) {
  playerA { username } playerB { username } played won lost drawn
  meetings(first: $first, after: $after) {
    edges { cursor node { outcome completedAt match { round } tournament { name } } }
    pageInfo { hasNextPage endCursor } } } }"""

GROUPS = """query($name: String!, $first: Int, $after: String, $tz: String! = "UTC", $members: Int! = 3) {
  user(username: $name) { activityGroups(first: $first, after: $after, timeZone: $tz) {
    edges { cursor node { key eventType count firstAt lastAt day amount tournament { name }
      members(first: $members) { id eventType } } }
    pageInfo { hasNextPage endCursor } } } }"""


def gid(user: User) -> str:
    return to_global_id("User", user.pk)


def rivals(meetings: int, *, tournaments: int = 1) -> tuple[Any, Any]:
    """ada and bob meeting `meetings` times in each of `tournaments` cups; ada wins the even ones, draws the odd."""
    ada, bob = (
        UserFactory(username=f"ada{meetings}x{tournaments}"),
        UserFactory(username=f"bob{meetings}x{tournaments}"),
    )
    for t in range(tournaments):
        cup = make_tournament(name=f"Cup {meetings}-{t}", starts_at=T0 - timedelta(days=1))
        ra, rb = enter(cup, ada, at=T0 - timedelta(hours=5)), enter(cup, bob, at=T0 - timedelta(hours=5))
        for n in range(meetings):
            play(cup, ra, rb, winner=ra if n % 2 == 0 else None, at=T0 + timedelta(days=t, minutes=n), round=n + 1)
    return ada, bob


def errors(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_head_to_head_answers_the_record_and_pages_the_meetings(client: Client) -> None:
    # given ada and bob met three times: ada won two, one was drawn
    ada, bob = rivals(3)

    # when the first two meetings and then the rest are read
    first = graphql(client, H2H, {"a": gid(ada), "b": gid(bob), "first": 2})["data"]["headToHead"]
    after = first["meetings"]["pageInfo"]["endCursor"]
    rest = graphql(client, H2H, {"a": gid(ada), "b": gid(bob), "first": 2, "after": after})["data"]["headToHead"]

    # then the record is ada's, the meetings newest first with their match and tournament
    assert (first["playerA"]["username"], first["playerB"]["username"]) == (ada.username, bob.username)
    assert (first["played"], first["won"], first["lost"], first["drawn"]) == (3, 2, 0, 1)
    nodes = [edge["node"] for edge in first["meetings"]["edges"] + rest["meetings"]["edges"]]
    assert [(n["outcome"], n["match"]["round"]) for n in nodes] == [("WIN", 3), ("DRAW", 2), ("WIN", 1)]
    assert {n["tournament"]["name"] for n in nodes} == {"Cup 3-0"}
    assert nodes[0]["completedAt"] == (T0 + timedelta(minutes=2)).isoformat()
    assert first["meetings"]["pageInfo"]["hasNextPage"]
    assert not rest["meetings"]["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"b": "self"}, "two different players"),
        ({"b": "VXNlcjpub3Q"}, "Invalid ID"),
        ({"first": 101}, "between 0 and 100"),
        ({"after": "bm9wZQ"}, "Invalid meeting cursor"),
    ],
)
def test_head_to_head_bad_input_is_a_clear_error(client: Client, variables: dict[str, Any], message: str) -> None:
    # given two players
    ada, bob = rivals(1)
    arguments = {"a": gid(ada), "b": gid(bob), **variables}
    if arguments["b"] == "self":
        arguments["b"] = gid(ada)

    # when asked with a bad argument
    body = graphql(client, H2H, arguments)

    # then a BAD_USER_INPUT error saying what is wrong, never a 500
    assert body["_status"] == 200
    assert errors(body) == ["BAD_USER_INPUT"]
    assert message in body["errors"][0]["message"]


def test_head_to_head_with_an_unknown_player_is_null(client: Client) -> None:
    ada, _ = rivals(1)
    body = graphql(client, H2H, {"a": gid(ada), "b": to_global_id("User", 10**9)})
    assert body["data"] == {"headToHead": None}
    assert "errors" not in body


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("anonymous", "UNAUTHENTICATED"), ("other", "FORBIDDEN"), ("ada", "FORBIDDEN"), ("bob", None), ("staff", None)],
)
def test_head_to_head_needs_the_activity_of_both_players(client: Client, actor: str, expected: str | None) -> None:
    # given bob keeps his activity private
    ada, bob = rivals(2)
    set_privacy(bob, activity_public=False)
    viewers = {"other": UserFactory(), "ada": ada, "bob": bob, "staff": UserFactory(is_staff=True)}
    if actor in viewers:
        client.force_login(viewers[actor])

    # when the actor asks for ada against bob
    body = graphql(client, H2H, {"a": gid(ada), "b": gid(bob)})

    # then only bob and staff see it; others get null and an error
    if expected is None:
        assert body["data"]["headToHead"]["played"] == 2
    else:
        assert body["data"] == {"headToHead": None}
        assert errors(body) == [expected]


def rewarded_player(*, economy_public: bool, activity_public: bool = True) -> Any:
    """A player with two wins in one cup and three rewards on 1 March (UTC)."""
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    cup = make_tournament(name="Summer Cup", starts_at=T0 - timedelta(days=1))
    ra, rb = enter(cup, ada, at=T0 - timedelta(hours=5)), enter(cup, bob, at=T0 - timedelta(hours=5))
    for n in range(2):
        play(cup, ra, rb, winner=ra, at=T0 + timedelta(minutes=n))
    for n, amount in enumerate((100, 150, 100)):
        transaction_create(user=ada, amount=amount, reason="DAILY_REWARD", created_at=T0 + timedelta(hours=1 + n))
    set_privacy(ada, economy_public=economy_public, activity_public=activity_public)
    return ada


def test_activity_groups_fold_runs_with_their_members(client: Client) -> None:
    # given ada's two wins and three rewards; ada reads her own grouped feed
    ada = rewarded_player(economy_public=False)
    client.force_login(ada)

    # when read in UTC
    body = graphql(client, GROUPS, {"name": "ada", "first": 2, "members": 2})
    groups = [edge["node"] for edge in body["data"]["user"]["activityGroups"]["edges"]]

    # then the rewards are one day group with their sum, the wins one group in the cup
    coins, wins = groups
    assert (coins["eventType"], coins["count"], coins["amount"], coins["day"]) == (
        "COINS_EARNED",
        3,
        "350",
        "2026-03-01",
    )
    assert coins["tournament"] is None
    assert [m["eventType"] for m in coins["members"]] == ["COINS_EARNED", "COINS_EARNED"]
    assert (wins["eventType"], wins["count"], wins["amount"], wins["day"]) == ("MATCH_WON", 2, None, None)
    assert wins["tournament"] == {"name": "Summer Cup"}
    assert (wins["firstAt"], wins["lastAt"]) == (T0.isoformat(), (T0 + timedelta(minutes=1)).isoformat())
    assert body["data"]["user"]["activityGroups"]["pageInfo"]["hasNextPage"]


# (economy public, activity public, actor) -> does the actor see the coin group (and its amount)?
COIN_MATRIX = [
    (economy, activity, actor, actor in ("ada", "staff") or (economy and activity))
    for economy in (False, True)
    for activity in (False, True)
    for actor in ("ada", "staff", "other", "anonymous")
]


@pytest.mark.parametrize(("economy_public", "activity_public", "actor", "sees_coins"), COIN_MATRIX)
def test_coin_groups_follow_the_privacy_policy(
    client: Client, economy_public: bool, activity_public: bool, actor: str, sees_coins: bool
) -> None:
    # given ada's wins and rewards under the settings
    ada = rewarded_player(economy_public=economy_public, activity_public=activity_public)
    viewers = {"ada": ada, "staff": UserFactory(is_staff=True), "other": UserFactory()}
    if actor in viewers:
        client.force_login(viewers[actor])

    # when the actor reads ada's grouped feed
    body = graphql(client, GROUPS, {"name": "ada"})
    groups = [edge["node"] for edge in body["data"]["user"]["activityGroups"]["edges"]]

    # then coin groups (with their amount) only as the policy allows; a private activity is an empty feed
    assert "errors" not in body
    coins = [group for group in groups if group["eventType"] == "COINS_EARNED"]
    assert coins == ([{**coins[0], "count": 3, "amount": "350"}] if sees_coins else [])
    sees_activity = actor in ("ada", "staff") or activity_public
    assert bool(groups) is sees_activity
    for group in groups:
        assert all(member["eventType"] != "COINS_EARNED" for member in group["members"]) or sees_coins


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"tz": "Mars/Olympus"}, "Unknown time zone"),
        ({"members": 11}, "between 0 and 10"),
        ({"first": -1}, "between 0 and 100"),
        ({"after": "bm9wZQ"}, "Invalid activity_group cursor"),
    ],
)
def test_activity_groups_bad_input_is_a_clear_error(client: Client, variables: dict[str, Any], message: str) -> None:
    # given a player with groups
    ada = rewarded_player(economy_public=True)
    client.force_login(ada)

    # when asked with a bad argument
    body = graphql(client, GROUPS, {"name": "ada", **variables})

    # then BAD_USER_INPUT saying what is wrong
    assert body["_status"] == 200
    assert errors(body) == ["BAD_USER_INPUT"]
    assert message in body["errors"][0]["message"]


def test_a_feed_cursor_is_refused_by_the_grouped_feed(client: Client) -> None:
    ada = rewarded_player(economy_public=True)
    client.force_login(ada)
    feed = graphql(client, '{ user(username: "ada") { activities(first: 1) { pageInfo { endCursor } } } }')
    cursor = feed["data"]["user"]["activities"]["pageInfo"]["endCursor"]
    body = graphql(client, GROUPS, {"name": "ada", "after": cursor})
    assert errors(body) == ["BAD_USER_INPUT"]


def run(client: Client, query: str, variables: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    with count_queries() as captured:
        body = graphql(client, query, variables)
    assert "errors" not in body, body["errors"]
    return len(captured), body["data"]


def test_meetings_cost_the_same_sql_for_2_and_40(client: Client) -> None:
    # given two pairs of rivals: 2 meetings in one cup, and 40 meetings over 4 cups
    pairs = [rivals(2), rivals(10, tournaments=4)]

    # when each pair's meetings are read with their matches and tournaments
    counts = []
    for (ada, bob), size in zip(pairs, (2, 40), strict=True):
        count, data = run(client, H2H, {"a": gid(ada), "b": gid(bob), "first": 100})
        assert len(data["headToHead"]["meetings"]["edges"]) == size
        counts.append(count)

    # then both cost the two players (with settings), the driver choice, the meetings (record and page), their
    # matches and their tournaments
    assert counts == [5, 5]


def test_activity_groups_cost_the_same_sql_for_2_and_30_groups(client: Client) -> None:
    # given a player with 30 alternating runs (a win in a cup, then a reward on another day) and one with 2
    ada, bob = UserFactory(username="busy"), UserFactory(username="rival")
    for n in range(15):
        cup = make_tournament(starts_at=T0 - timedelta(days=40))
        ra, rb = enter(cup, ada, at=T0 - timedelta(days=40)), enter(cup, bob, at=T0 - timedelta(days=40))
        play(cup, ra, rb, winner=ra, at=T0 + timedelta(days=n))
        transaction_create(user=ada, amount=5, reason="DAILY_REWARD", created_at=T0 + timedelta(days=n, hours=1))
    client.force_login(ada)

    # when 2 groups and then 30 are read with their tournaments and members
    counts = []
    for size in (2, 30):
        count, data = run(client, GROUPS, {"name": "busy", "first": size})
        assert len(data["user"]["activityGroups"]["edges"]) == size
        counts.append(count)

    # then both cost the viewer's session, the player, the groups (with whether more exist), their tournaments
    # and their members
    assert counts == [VIEWER + 4] * 2


def test_the_new_fields_carry_pinned_costs() -> None:
    # given a head-to-head with 10 meetings and a grouped feed page of 10 groups with 3 members each
    h2h = '{ headToHead(a: "x", b: "y") { played meetings(first: 10) { edges { node { outcome match { round } tournament { name } } } } } }'
    groups = '{ user(username: "ada") { activityGroups(first: 10) { edges { node { key count tournament { name } members(first: 3) { id } } } } } }'

    def cost(query: str) -> int:
        return requested_cost(schema=schema._schema, document=parse(query), operation_name=None, variables=None)

    # then headToHead 5 + meetings 1 + 10 x (edge 1 + node 1 + match 1 + tournament 1) = 46
    assert cost(h2h) == 46
    # and user 1 + groups 1 + 10 x (edge 1 + group 1 + tournament 1 + 3 members) = 62; 20 groups by default
    assert cost(groups) == 62
    assert cost(groups.replace("(first: 10)", "")) == 2 + 20 * 6


@pytest.mark.parametrize("members", ["members(first: 2)", "members(first: $n)"])
def test_a_page_of_groups_brings_its_members_and_tournaments_in_its_own_trip(
    client: Client, monkeypatch: pytest.MonkeyPatch, members: str
) -> None:
    # given ada's groups, and the loaders' own fetches watched
    import schema.dataloaders

    rewarded_player(economy_public=True)
    fetched: list[str] = []
    by_pk = schema.dataloaders.models_by_pk

    def watched(model: Any, pks: Any) -> Any:
        fetched.append(model.__name__)
        return by_pk(model, pks)

    monkeypatch.setattr(schema.dataloaders, "models_by_pk", watched)
    header = "query($n: Int!)" if "$n" in members else "query"
    query = (
        header
        + ' { user(username: "ada") { activityGroups { edges { node { tournament { name } '
        + members
        + " { eventType } } } } } }"
    )

    # when the page is read with its tournaments and members (a literal size, then a variable)
    body = graphql(client, query, {"n": 2} if "$n" in members else None)

    # then they came with the page: the loaders fetched nothing more
    groups = [edge["node"] for edge in body["data"]["user"]["activityGroups"]["edges"]]
    assert [len(group["members"]) for group in groups] == [2, 2, 1, 1]
    assert groups[1]["tournament"] == {"name": "Summer Cup"}
    assert fetched == []
