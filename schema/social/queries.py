import strawberry

from schema.context import Info
from schema.directives import Cost
from schema.social.head_to_head import HeadToHead, head_to_head_of


@strawberry.type
class SocialQuery:
    @strawberry.field(
        description="Player `a` against player `b` (global ids): their record in matches on opposite sides and "
        "their latest meetings. Null when either player does not exist.",
        # Aggregates the matches of the player with fewer of them: more than a lookup.
        directives=[Cost(weight="5")],
    )
    async def head_to_head(self, info: Info, a: strawberry.ID, b: strawberry.ID) -> HeadToHead | None:
        return await head_to_head_of(info, a=a, b=b)
