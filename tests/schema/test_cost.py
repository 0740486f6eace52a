"""The cost of operations, read from the schema's @cost and @listSize directives (docs/api-cost.md)."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphql
import pytest
from django.conf import settings
from graphql import build_schema, get_named_type, is_list_type, parse, validate

from schema import schema
from schema.cost import UNBOUNDED_COST, actual_cost, maximum_cost, requested_cost

SCHEMA = schema._schema
SDL = Path(__file__).resolve().parents[2] / "schema.graphql"

# The real screens: each must stay under the maximum.
PLAYER_PROFILE = """
query PlayerProfile($username: String!) {
  user(username: $username) {
    id
    username
    stats {
      tournamentsRegistered tournamentsPlayed tournamentsCompleted tournamentsWon tournamentsRunnerUp
      tournamentsTop4 matchesPlayed matchesWon matchesLost matchesDrawn totalEarned totalSpent
      achievementsUnlocked teamsJoined teamsLeft firstActivityAt lastActivityAt winRate tournamentWinRate
      netEarnings podiumFinishes activeTeams winRatePercent tournamentWinRatePercent
    }
    tournamentHistory(first: 5) { edges { node { tournament { name game } placement result } } }
    activities(first: 20) {
      edges { cursor node { id eventType timestamp metadata tournament { name } match { round } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
FEED_PAGE = """
query FeedPage($username: String!, $after: String) {
  user(username: $username) {
    activities(first: 100, after: $after) {
      edges { cursor node { id eventType timestamp metadata tournament { name } match { round } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""
LEADERBOARD = """
query Leaderboard($metric: LeaderboardMetric!) {
  leaderboard(metric: $metric, first: 50) {
    edges {
      rank
      node {
        username
        stats { matchesPlayed matchesWon matchesLost winRate winRatePercent tournamentsWon netEarnings }
      }
    }
  }
}
"""
# 100 players with 100 events each: 8-14 s to run. Refused.
ABUSIVE = """
{ leaderboard(metric: MATCHES_WON, first: 100) { edges { node { activities(first: 100) { edges { node {
  id eventType timestamp metadata tournament { name } match { round } } } } } } } }
"""
ABUSIVE_ALIASED = (
    "{"
    + " ".join(
        f"board{i}: leaderboard(metric: MATCHES_WON, first: 100) {{ edges {{ node {{ activities(first: 100) "
        "{ edges { node { id eventType timestamp metadata tournament { name } match { round } } } } } } }"
        for i in range(20)
    )
    + "}"
)


def cost(
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    operation_name: str | None = None,
    against: graphql.GraphQLSchema = SCHEMA,
) -> int:
    document = parse(query)
    assert validate(against, document) == []
    return requested_cost(schema=against, document=document, operation_name=operation_name, variables=variables)


def test_scalars_and_enums_are_free_and_objects_weigh_one() -> None:
    # given a player's scalar fields only
    query = '{ user(username: "ada") { id username } }'

    # when priced, then only the player object counts
    assert cost(query) == 1
    assert cost("{ __typename }") == 0


def test_a_connection_multiplies_what_is_under_its_edges_by_first() -> None:
    # given one connection of 10 events, each an edge and an activity
    query = '{ user(username: "ada") { activities(first: 10) { edges { node { id eventType } } } } }'

    # when priced
    total = cost(query)

    # then user 1 + connection 1 + 10 * (edge 1 + activity 1)
    assert total == 22


def test_nested_connections_multiply() -> None:
    # given 10 players with 5 events each
    query = """{ leaderboard(metric: MATCHES_WON, first: 10) {
        edges { node { activities(first: 5) { edges { node { id } } } } } } }"""

    # when priced
    total = cost(query)

    # then connection 1 + 10 * (edge 1 + player 1 + (connection 1 + 5 * (edge 1 + activity 1)))
    assert total == 1 + 10 * (1 + 1 + (1 + 5 * 2)) == 131


def test_a_page_without_first_is_its_default_size() -> None:
    # given connections and a list asked for without a size
    feed = '{ user(username: "ada") { activities { edges { node { id } } } } }'
    history = '{ user(username: "ada") { tournamentHistory { edges { node { placement } } } } }'
    transactions = "{ me { economySummary { recentTransactions { amount } } } }"

    # when priced, then pages hold 20 (their assumedSize) and recentTransactions its `first` default of 10
    assert cost(feed) == 1 + 1 + 20 * 2 == 42
    assert cost(history) == 42
    assert cost(transactions) == 1 + 1 + 10 == 12
    assert cost("{ me { economySummary { recentTransactions(first: 50) { amount } } } }") == 52


def test_sizes_come_from_variables_then_variable_defaults_then_assumed_size() -> None:
    # given a page size passed as a variable, with and without a default
    query = 'query Feed($n: Int) { user(username: "ada") { activities(first: $n) { edges { node { id } } } } }'
    with_default = 'query ($n: Int = 5) { user(username: "ada") { activities(first: $n) { edges { node { id } } } } }'

    # when priced, then the variable wins, else its default, else the assumed 20
    assert cost(query, {"n": 50}) == 1 + 1 + 50 * 2 == 102
    assert cost(query, {}) == 42
    assert cost(query, None) == 42
    assert cost(with_default, {}) == 1 + 1 + 5 * 2 == 12
    assert cost(with_default, {"n": 30}) == 62
    # and variables that will not coerce (the operation will not run) price as if absent
    assert cost(query, {"n": "many"}) == 42
    assert cost(query, ["n", 50]) == 42
    # and a negative size counts as none
    assert cost(query, {"n": -5}) == 2
    # and `last` (paging backwards) sizes the page too
    assert cost('{ user(username: "ada") { activities(last: 30) { edges { node { id } } } } }') == 62


def test_a_fragment_counts_wherever_it_is_spread() -> None:
    # given one fragment spread under two aliased players
    query = """{ a: user(username: "a") { ...Card } b: user(username: "b") { ...Card } }
        fragment Card on User { stats { matchesWon } tournamentHistory(first: 3) { edges { node { tournament { name } } } } }"""

    # when priced
    total = cost(query)

    # then each player: 1 + stats 1 + (history 1 + 3 * (edge 1 + entry 1 + tournament 1))
    assert total == 2 * (1 + 1 + (1 + 3 * 3)) == 24
    # and spread twice in one selection it runs, and counts, once
    assert cost('{ user(username: "a") { ...Card ...Card } } fragment Card on User { stats { matchesWon } }') == 2


def test_inline_fragments_count_the_most_expensive_possible_type() -> None:
    # given a node that may be a player (with 10 events) or a tournament
    query = """{ node(id: "VXNlcjox") {
        ... on User { activities(first: 10) { edges { node { id } } } }
        ... on Tournament { name } } }"""

    # when priced, then node 1 + the player's branch (1 + 10 * 2)
    assert cost(query) == 22
    # and an inline fragment on the type itself simply counts
    assert cost('{ user(username: "a") { ... on User { stats { matchesWon } } } }') == 2


def test_every_alias_counts_separately() -> None:
    # given the same board asked for twice under two aliases
    query = """{ a: leaderboard(metric: MATCHES_WON, first: 10) { edges { rank } }
                 b: leaderboard(metric: WIN_RATE, first: 10) { edges { rank } } }"""

    # when priced, then each: connection 1 + 10 edges
    assert cost(query) == 2 * (1 + 10) == 22


def test_skipped_selections_are_free() -> None:
    # given a page included only on demand
    query = """query ($full: Boolean!) { user(username: "a") {
        activities(first: 10) @include(if: $full) { edges { node { id } } } } }"""

    # when priced, then it counts only when included
    assert cost(query, {"full": True}) == 22
    assert cost(query, {"full": False}) == 1


def test_data_loader_fields_and_the_reconcile_mutation_carry_their_weights() -> None:
    # given an event's tournament and match, a match's tournament, and the staff reconcile
    event = '{ node(id: "QWN0aXZpdHk6MQ==") { ... on Activity { tournament { name } match { tournament { name } } } } }'
    reconcile = "mutation { reconcileUserStats { usersChecked drifts { field user { username } } } }"

    # when priced, then loaders weigh 1 each; the mutation 10, with 25 drifts assumed, each with a player
    assert cost(event) == 1 + 1 + 1 + 1
    assert cost(reconcile) == 10 + 25 * (1 + 1) == 60


def test_the_introspection_query_is_cheap() -> None:
    # given GraphiQL's introspection query
    query = graphql.get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )

    # when priced
    total = cost(query)

    # then each introspection object weighs 1 and its lists count once: well under the maximum
    assert total == 71
    assert total <= maximum_cost()
    assert cost('{ __type(name: "User") { name fields { name type { name } } } }') == 3


def test_the_real_screens_pass() -> None:
    # when the three real screens are priced
    profile = cost(PLAYER_PROFILE, {"username": "ada"})
    feed = cost(FEED_PAGE, {"username": "ada"})
    board = cost(LEADERBOARD, {"metric": "MATCHES_WON"})

    # then (user 1 + stats 1 + history 1 + 5 * 3 + activities 1 + 20 * 4 + pageInfo 1), and so on
    assert profile == 100
    assert feed == 1 + 1 + 100 * 4 + 1 == 403
    assert board == 1 + 50 * (1 + 1 + 1) == 151
    assert max(profile, feed, board) <= maximum_cost()


def test_the_abusive_query_and_its_aliases_are_refused() -> None:
    # when 100 players with 100 events each are priced, alone and 20 times over
    abusive = cost(ABUSIVE)
    aliased = cost(ABUSIVE_ALIASED)

    # then 1 + 100 * (1 + 1 + (1 + 100 * (edge 1 + activity 1 + tournament 1 + match 1))), far over the maximum
    assert abusive == 40301
    assert aliased == 20 * 40301 == 806020
    assert abusive > maximum_cost()


def test_the_maximum_is_a_setting() -> None:
    # then it defaults to 1000, read from the GRAPHQL_MAX_QUERY_COST environment variable
    assert maximum_cost() == settings.GRAPHQL_MAX_QUERY_COST


def test_the_operation_is_picked_by_name() -> None:
    # given a document with two operations
    query = """query Small { user(username: "a") { id } }
        query Feed { user(username: "a") { activities(first: 10) { edges { node { id } } } } }"""

    # then each is priced alone, and an unknown or ambiguous name costs nothing (it will not run)
    assert cost(query, operation_name="Small") == 1
    assert cost(query, operation_name="Feed") == 22
    assert cost(query, operation_name=None) == 0


def test_the_published_sdl_prices_exactly_like_the_running_schema() -> None:
    # given the schema built from the exported SDL alone
    published = build_schema(SDL.read_text())

    # then the directives in schema.graphql carry the whole model
    for query, variables in [
        (PLAYER_PROFILE, {"username": "ada"}),
        (FEED_PAGE, {"username": "ada"}),
        (LEADERBOARD, {"metric": "MATCHES_WON"}),
        (ABUSIVE, None),
        ("mutation { reconcileUserStats { drifts { user { username } } } }", None),
        ("{ me { economySummary { recentTransactions { amount } } } }", None),
    ]:
        assert cost(query, variables, against=published) == cost(query, variables)


def test_the_directives_are_published_in_the_sdl() -> None:
    # given the exported schema
    sdl = SDL.read_text()

    # then it declares the IBM-spec directives and applies them
    assert "directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION" in sdl
    assert (
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
        "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
    ) in sdl
    assert (
        'ActivityConnection! @listSize(assumedSize: 20, slicingArguments: ["first", "last"], sizedFields: ["edges"]'
        in sdl
    )
    assert 'stats: UserStats! @cost(weight: "1")' in sdl


def _list_sizes(field: graphql.GraphQLField) -> dict[str, Any]:
    """The arguments of the @listSize applied to a field of a schema built from SDL, or {} without one."""
    for directive in (field.ast_node.directives or ()) if field.ast_node else ():
        if directive.name.value == "listSize":
            return {a.name.value: graphql.value_from_ast_untyped(a.value) for a in directive.arguments}
    return {}


def test_every_list_field_is_sized_by_a_directive() -> None:
    # given every field of the published schema
    published = build_schema(SDL.read_text())
    fields = [
        (type_.name, name, field)
        for type_ in published.type_map.values()
        if isinstance(type_, graphql.GraphQLObjectType) and not type_.name.startswith("__")
        for name, field in type_.fields.items()
    ]
    sized_by_parent = {
        (get_named_type(field.type).name, sized)
        for _, _, field in fields
        for sized in _list_sizes(field).get("sizedFields") or ()
    }

    # when looking for lists neither their own @listSize nor their connection's sizes
    unsized = [
        f"{type_name}.{name}"
        for type_name, name, field in fields
        if is_list_type(graphql.get_nullable_type(field.type))
        and not _list_sizes(field)
        and (type_name, name) not in sized_by_parent
    ]

    # then there are none (none falls back to the default size), and the connections' edges are covered
    assert unsized == []
    assert {("ActivityConnection", "edges"), ("LeaderboardConnection", "edges")} <= sized_by_parent


def test_fragment_cycles_and_fan_out_stay_bounded() -> None:
    # given a schema where players have friends, and documents validation would reject or that fan out
    friends = build_schema("""
        directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
          requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
        directive @cost(weight: String!) on FIELD_DEFINITION
        type Query { me: User @cost(weight: "2") }
        type User { name: String friends: [User!]! @listSize(assumedSize: 3) }
    """)
    cycle = parse("{ me { ...F } } fragment F on User { friends { ...F } }")
    same_level = parse("{ me { ...A } } fragment A on User { name ...B } fragment B on User { ...A }")
    fan_out = "{ me { ...F0 } } fragment F0 on User { name }" + "".join(
        f" fragment F{i} on User {{ a: friends {{ ...F{i - 1} }} b: friends {{ ...F{i - 1} }} }}" for i in range(1, 21)
    )
    fan_out = fan_out.replace("{ me { ...F0 } }", "{ me { ...F20 } }")

    # when priced
    def price(document: graphql.DocumentNode) -> int:
        return requested_cost(schema=friends, document=document, operation_name=None, variables=None)

    # then a cycle is unbounded (so refused), a same-level cycle counts once, and fan-out is priced exactly
    assert price(cycle) == UNBOUNDED_COST
    assert price(same_level) == 2
    per_level = [0]
    for _ in range(20):
        per_level.append(2 * 3 * (1 + per_level[-1]))
    assert price(parse(fan_out)) == 2 + per_level[-1]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # user 1 + connection 1 + 2 edges * (edge 1 + activity 1 + tournament 1 + match 1), nulls included
        (
            {
                "user": {
                    "activities": {
                        "edges": [
                            {"node": {"id": "a", "tournament": {"name": "Cup"}, "match": None}},
                            {"node": {"id": "b", "tournament": None, "match": None}},
                        ]
                    }
                }
            },
            10,
        ),
        ({"user": {"activities": {"edges": []}}}, 2),
        ({"user": None}, 1),
        (None, 0),
    ],
)
def test_actual_cost_counts_the_lists_returned(data: Mapping[str, Any] | None, expected: int) -> None:
    # given a feed page of up to 10 events, and what it returned
    query = '{ user(username: "ada") { activities(first: 10) { edges { node { id tournament { name } match { round } } } } } }'
    document = parse(query)

    # when priced from its data
    actual = actual_cost(schema=SCHEMA, document=document, operation_name=None, variables=None, data=data)

    # then the real list lengths count, against 42 requested
    assert requested_cost(schema=SCHEMA, document=document, operation_name=None, variables=None) == 42
    assert actual == expected


def test_actual_cost_of_the_abusive_query_on_a_small_board() -> None:
    # given the abusive query answered with 2 players of 3 and 0 events
    def player(events: int) -> dict[str, Any]:
        node: dict[str, Any] = {
            "id": "x",
            "eventType": "MATCH_WON",
            "timestamp": "t",
            "metadata": {},
            "tournament": None,
        }
        return {"node": {"activities": {"edges": [{"node": {**node, "match": None}}] * events}}}

    data = {"leaderboard": {"edges": [player(3), player(0)]}}

    # when priced from its data
    actual = actual_cost(schema=SCHEMA, document=parse(ABUSIVE), operation_name=None, variables=None, data=data)

    # then 1 + (1 + 1 + 1 + 3 * 4) + (1 + 1 + 1)
    assert actual == 1 + 15 + 3 == 19


# --- through the endpoint -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_operation_over_the_maximum_is_refused_before_any_sql() -> None:
    # given the abusive document, sent anonymously
    from tests.asgi import AsgiClient
    from tests.schema.conftest import count_queries

    # when it is sent
    with count_queries() as executed:
        response = AsgiClient().post("/graphql/", {"query": ABUSIVE}, HTTP_ACCEPT="application/graphql-response+json")

    # then nothing ran: a 400 with the code, the requested cost and the maximum
    assert executed == []
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/graphql-response+json")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 40301, "maximum": 1000}


@pytest.mark.django_db
def test_every_executed_response_reports_its_requested_and_actual_cost() -> None:
    # given a player with no tournaments
    from tests.asgi import AsgiClient
    from tests.factories import UserFactory

    UserFactory(username="costly")

    # when a page of 5 is asked for and fewer come back
    response = AsgiClient().post(
        "/graphql/",
        {
            "query": '{ user(username: "costly") { tournamentHistory(first: 5) { edges { node { tournament { name } } } } } }'
        },
    )

    # then the response carries both costs
    cost = response.json()["extensions"]["cost"]
    assert cost["maximum"] == 1000
    assert cost["requested"] == 1 + 1 + 5 * (1 + 1 + 1)  # user, connection, 5 x (edge, node, tournament)
    assert cost["actual"] == 1 + 1  # no edges came back
