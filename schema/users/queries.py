import strawberry
from django.contrib.auth.models import User as UserModel

from apps.user_profile.models import UserActivity
from apps.user_profile.models.activity import ECONOMY_EVENT_TYPES
from apps.user_profile.selectors import could_be_username
from apps.user_profile.selectors.rows import user_with_stats_by_username
from schema.activity.types import ActivityNode
from schema.context import Info
from schema.db import run_sync
from schema.errors import BadInputError
from schema.node import Node, from_global_id, pk_from_global_id
from schema.users.types import User


def _user_by_username(username: str) -> UserModel | None:
    if not could_be_username(username):
        return None  # no player can be called that: no query (PostgreSQL would refuse a NUL, for one)
    return user_with_stats_by_username(username)


def _activity(pk: int) -> UserActivity | None:
    return UserActivity.objects.filter(pk=pk).first()


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in player; null when anonymous.")
    def me(self, info: Info) -> User | None:
        return info.context.user  # type: ignore[return-value]

    @strawberry.field(description="A player by global `id` or by `username`; null when not found.")
    async def user(self, info: Info, id: strawberry.ID | None = None, username: str | None = None) -> User | None:
        if (id is None) == (username is None):
            raise BadInputError("Pass exactly one of `id` or `username`.")
        if id is not None:
            pk = pk_from_global_id(id, expected_type="User")
            return await info.context.loaders.user.load(pk)  # type: ignore[return-value]
        return await run_sync(_user_by_username, username or "")  # type: ignore[arg-type]

    @strawberry.field(description="Any object by its global id; null when not found or not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        type_name, pk = from_global_id(id)
        loaders = info.context.loaders
        if type_name == "User":
            return await loaders.user.load(pk)  # type: ignore[return-value]
        if type_name == "Tournament":
            return await loaders.tournament.load(pk)  # type: ignore[return-value]
        if type_name == "Match":
            return await loaders.match.load(pk)  # type: ignore[return-value]
        if type_name == "Activity":
            activity = await run_sync(_activity, pk)
            if activity is None:
                return None
            private = activity.event_type in ECONOMY_EVENT_TYPES
            if private and not info.context.may_see_private(owner_id=activity.user_id):
                return None
            return ActivityNode(activity)  # type: ignore[return-value]
        raise BadInputError(f"Invalid ID {id!r}: unknown type {type_name!r}.")
