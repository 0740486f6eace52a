"""Enum values leave the API by lookup (schema/enums.py), with the names Strawberry's own scan gives."""

from typing import Any

import pytest
from graphql import GraphQLError
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from schema import schema

ENUM_TYPES = [t for t in schema._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]


def test_the_schema_has_enums_to_look_up() -> None:
    assert {"ActivityEventType", "LeaderboardMetric"} <= {t.name for t in ENUM_TYPES}


@pytest.mark.parametrize("enum_type", ENUM_TYPES, ids=lambda t: t.name)
def test_every_member_leaves_as_the_name_strawberrys_scan_gives(enum_type: CustomGraphQLEnumType) -> None:
    members: list[Any] = list(enum_type.wrapped_cls)
    for member in members:
        # given Strawberry's own answer (the scan over the values)
        expected = CustomGraphQLEnumType.coerce_output_value(enum_type, member)
        # when the member is serialised by the schema, as a member and as its raw value
        # then both give that name
        assert enum_type.coerce_output_value(member) == expected
        assert enum_type.coerce_output_value(member.value) == expected


def test_a_value_of_no_member_is_still_refused() -> None:
    # given the event type enum
    event_type = schema._schema.type_map["ActivityEventType"]
    # when / then
    with pytest.raises(GraphQLError, match="cannot represent value"):
        event_type.coerce_output_value("no_such_event")
