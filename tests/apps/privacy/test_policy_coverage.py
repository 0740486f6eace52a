"""Every piece of player data the API can show has a rule in the policy: a new field, event type, metadata
key or leaderboard metric that nobody classified fails here."""

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from apps.privacy import policy
from apps.user_profile.models import ActivityEventType, UserActivity
from apps.user_profile.selectors import LeaderboardMetric
from schema import schema
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play


def _schema_fields() -> set[str]:
    fields: set[str] = set()
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            continue
        fields.update(f"{type_name}.{field_name}" for field_name in graphql_type.fields)
    return fields


def test_every_schema_field_is_classified_and_no_rule_is_stale() -> None:
    # given the fields of the introspected schema
    fields = _schema_fields()

    # when they are compared with the policy's table
    unclassified = fields - set(policy.FIELDS)
    stale = set(policy.FIELDS) - fields

    # then each field has an audience, and each rule names a field that exists
    assert unclassified == set(), f"Classify these fields in apps/privacy/policy.py FIELDS: {sorted(unclassified)}"
    assert stale == set(), f"These rules name fields the schema no longer has: {sorted(stale)}"


def test_every_event_type_and_leaderboard_metric_is_classified() -> None:
    assert set(policy.EVENT_AUDIENCES) == set(ActivityEventType.values)
    assert set(policy.METRICS) == {metric.value for metric in LeaderboardMetric}


def test_a_field_nobody_classified_is_refused_not_shown() -> None:
    # given a field missing from the table
    viewer = policy.Viewer(id=1)

    # when / then asking about it is an error, never a default "everyone"
    with pytest.raises(KeyError):
        policy.field_visible("User.newField", viewer=viewer, owner_id=2, settings=policy.DEFAULT_SETTINGS)


@pytest.mark.django_db
def test_every_metadata_key_the_event_sources_record_is_classified() -> None:
    # given events of every kind the sources record (tournaments, placements with prizes, matches, teams, coins)
    from apps.economy.services import transaction_create
    from apps.user_profile.models import Achievement
    from apps.user_profile.services.achievements import achievement_unlock

    a, b = UserFactory(), UserFactory()
    cup = make_tournament()
    ra, rb = enter(cup, a), enter(cup, b)
    play(cup, ra, rb, winner=ra)
    finish(cup, [ra, rb])
    team_cup = make_tournament(format="TEAM")
    team, other_team = make_team(members=[a]), make_team(members=[b])
    play(team_cup, enter(team_cup, team), enter(team_cup, other_team), winner=None)
    transaction_create(user=a, amount=10, reason="DAILY_REWARD", reference="r")
    achievement = Achievement.objects.create(code="first", name="First")
    achievement_unlock(user=a, achievement=achievement)

    # when the keys of all recorded metadata are collected
    keys = {key for metadata in UserActivity.objects.values_list("metadata", flat=True) for key in metadata}

    # then each has an audience
    assert keys - set(policy.METADATA_KEYS) == set()
    assert {"prize", "amount", "reference", "team_name", "achievement_name"} <= keys
