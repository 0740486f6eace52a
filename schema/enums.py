"""Enum values leave the API by a dict lookup.

Strawberry turns a Python enum member into its GraphQL name by scanning the enum's values and comparing each
(`CustomGraphQLEnumType.coerce_output_value`): for the 20-odd activity event types that was the costliest
leaf of a feed page (one scan per event). Each enum type of the built schema gets a lookup from member to name
instead, made once; anything else goes the way Strawberry and graphql-core take it.
"""

from collections.abc import Callable
from typing import Any

from graphql import GraphQLSchema
from strawberry.schema.schema_converter import CustomGraphQLEnumType


def _with_lookup(enum_type: CustomGraphQLEnumType) -> Callable[[Any], str]:
    members: list[Any] = list(enum_type.wrapped_cls)
    names: dict[Any, str] = {
        member: name for name, value in enum_type.values.items() for member in members if member.value == value.value
    }
    scan = enum_type.coerce_output_value

    def coerce_output_value(output_value: Any) -> str:
        try:
            return names[output_value]
        except (KeyError, TypeError):  # not a member (a raw value), or unhashable: the general way
            return scan(output_value)

    return coerce_output_value


def enums_output_by_lookup(schema: GraphQLSchema) -> None:
    for named_type in schema.type_map.values():
        if isinstance(named_type, CustomGraphQLEnumType):
            lookup = _with_lookup(named_type)
            named_type.coerce_output_value = lookup  # type: ignore[method-assign, assignment]
            named_type.serialize = lookup  # type: ignore[method-assign, assignment]
