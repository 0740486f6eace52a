"""The cost directives of the published schema, in the shape of IBM's GraphQL cost specification.

https://ibm.github.io/graphql-specs/cost-spec.html (the shape Apollo Router and GraphQL Hive read).
The SDL carries them, so a client can compute what an operation costs before sending it, and
`schema.cost` reads them back from the schema: they are the only place weights and list sizes live.
"""

import strawberry
from strawberry.schema_directive import Location


@strawberry.schema_directive(
    name="cost",
    locations=[
        Location.ARGUMENT_DEFINITION,
        Location.ENUM,
        Location.FIELD_DEFINITION,
        Location.INPUT_FIELD_DEFINITION,
        Location.OBJECT,
        Location.SCALAR,
    ],
    description="The weight of a field (per object it returns), a type or an argument; a number, as a string.",
)
class Cost:
    weight: str


@strawberry.schema_directive(
    name="listSize",
    locations=[Location.FIELD_DEFINITION],
    description="How many items a list, or a connection's `sizedFields`, holds: the largest of the "
    "`slicingArguments` given, else `assumedSize`.",
)
class ListSize:
    assumed_size: int | None = strawberry.UNSET
    slicing_arguments: list[str] | None = strawberry.UNSET
    sized_fields: list[str] | None = strawberry.UNSET
    require_one_slicing_argument: bool | None = True


def connection_size(*, assumed_size: int, slicing_arguments: tuple[str, ...] = ("first",)) -> ListSize:
    """A Relay connection: `edges` holds as many items as its slicing argument asks for."""
    return ListSize(
        assumed_size=assumed_size,
        slicing_arguments=list(slicing_arguments),
        sized_fields=["edges"],
        # Pages have a default size: a client may leave the slicing arguments out.
        require_one_slicing_argument=False,
    )


__all__ = ["Cost", "ListSize", "connection_size"]
