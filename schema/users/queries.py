import strawberry
from django.contrib.auth.models import User as UserModel

from apps.privacy import policy
from apps.privacy.policy import DEFAULT_SETTINGS
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors import could_be_username
from apps.user_profile.selectors.rows import player_by_username
from schema.activity.types import ActivityNode
from schema.context import Info
from schema.db import run_sync
from schema.errors import BadInputError
from schema.node import Node, from_global_id, pk_from_global_id
from schema.privacy.access import settings_for_visibility, viewer_field_visible
from schema.users.types import User


def _user_by_username(username: str) -> UserModel | None:
    if not could_be_username(username):
        return None  # no player can be called that: no query (PostgreSQL would refuse a NUL, for one)
    return player_by_username(username)


def _activity(pk: int) -> UserActivity | None:
    return UserActivity.objects.filter(pk=pk).first()


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in player; null when anonymous.")
    def me(self, info: Info) -> User | None:
        if not viewer_field_visible(info, "Query.me"):
            return None  # anonymous
        return info.context.user  # type: ignore[return-value]

    @strawberry.field(description="A player by global `id` or by `username`; null when not found.")
    async def user(self, info: Info, id: strawberry.ID | None = None, username: str | None = None) -> User | None:
        if (id is None) == (username is None):
            raise BadInputError("Pass exactly one of `id` or `username`.")
        if id is not None:
            pk = pk_from_global_id(id, expected_type="User")
            return await info.context.loaders.user.load(pk)  # type: ignore[return-value]
        user = await run_sync(_user_by_username, username or "")
        if user is not None:
            row = user._state.fields_cache.get("privacy_settings")  # None: no row, the defaults
            settings = DEFAULT_SETTINGS if row is None else row.as_policy_settings()
            info.context.loaders.privacy_settings.prime(user.pk, settings)
        return user  # type: ignore[return-value]

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
            viewer = info.context.viewer
            settings = await settings_for_visibility(info, activity.user_id)
            if not (
                policy.field_visible("User.activities", viewer=viewer, owner_id=activity.user_id, settings=settings)
                and policy.event_visible(
                    activity.event_type, viewer=viewer, owner_id=activity.user_id, settings=settings
                )
            ):
                return None  # as if it did not exist: its id says nothing about whether it does
            return ActivityNode(activity, viewer=viewer, settings=settings)  # type: ignore[return-value]
        raise BadInputError(f"Invalid ID {id!r}: unknown type {type_name!r}.")
