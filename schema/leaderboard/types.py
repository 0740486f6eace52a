import strawberry
from django.contrib.auth.models import User as UserModel

from apps.user_profile.selectors import LeaderboardEntry as Entry
from apps.user_profile.selectors import LeaderboardMetric as Metric
from schema.pagination import PageInfo
from schema.scalars import BigInt
from schema.users.types import User

LeaderboardMetric = strawberry.enum(Metric, name="LeaderboardMetric", description="What players are ranked by.")


@strawberry.type(description="A player's place on a leaderboard.")
class LeaderboardEntry:
    rank: int = strawberry.field(description="Position on the board; ties ordered by the older account.")
    value: float = strawberry.field(description="The player's value of the metric.")

    @strawberry.field(
        description="The value exactly, for whole-number metrics (all but WIN_RATE, which gets null): a Float "
        "loses coin amounts above 2^53."
    )
    def integer_value(root: Entry) -> BigInt | None:
        return BigInt(root.value) if isinstance(root.value, int) else None

    @strawberry.field
    def user(root: Entry) -> User:
        return root.stats.user  # type: ignore[return-value]


@strawberry.type
class LeaderboardEdge:
    cursor: str
    rank: int

    @strawberry.field
    def node(root: Entry) -> User:
        user: UserModel = root.stats.user
        return user  # type: ignore[return-value]

    @strawberry.field
    def entry(root: Entry) -> LeaderboardEntry:
        return root  # type: ignore[return-value]


@strawberry.type(description="Players ranked by a metric, best first.")
class LeaderboardConnection:
    edges: list[LeaderboardEdge]
    page_info: PageInfo
