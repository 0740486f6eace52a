from datetime import datetime

import strawberry
from django.contrib.auth.models import User as UserModel
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from apps.privacy import policy
from apps.privacy.policy import DEFAULT_SETTINGS, Settings, Viewer
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors import activity_times_of, could_be_username
from apps.user_profile.selectors.rows import player_by_username
from schema.activity.types import ActivityNode
from schema.context import Info
from schema.dataloaders import ActivityTimesKey
from schema.db import run_sync
from schema.errors import BadInputError
from schema.node import Node, from_global_id, pk_from_global_id
from schema.privacy.access import settings_for_visibility, viewer_field_visible
from schema.users.types import User

ActivityTimes = tuple[datetime | None, datetime | None]
_STATS = frozenset({"stats"})
_TIME_FIELDS = frozenset({"firstActivityAt", "lastActivityAt"})


def _asks_activity_times(info: Info) -> bool:
    """Whether the operation asks this player's `stats { firstActivityAt / lastActivityAt }` (a look-ahead over
    the field's own selection, fragments included; a miss only costs the loader round it would have saved)."""

    def fields(selection_set: SelectionSetNode | None, names: frozenset[str]) -> list[FieldNode]:
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode) and selection.name.value in names:
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found += fields(selection.selection_set, names)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info._raw_info.fragments.get(selection.name.value)
                found += fields(fragment.selection_set if fragment else None, names)
        return found

    stats = [field for node in info._raw_info.field_nodes for field in fields(node.selection_set, _STATS)]
    return any(fields(field.selection_set, _TIME_FIELDS) for field in stats)


def _player(
    username: str, *, viewer: Viewer, times: bool
) -> tuple[UserModel | None, ActivityTimesKey | None, ActivityTimes]:
    """The player called `username`, and when asked for, their activity times as this viewer may see them,
    in one trip to the database thread (the times are otherwise a second one, through the loader)."""
    if not could_be_username(username):
        return None, None, (None, None)  # no player can be called that: no query (PostgreSQL refuses a NUL)
    user = player_by_username(username)
    if user is None or not times or policy.sees_everything(viewer=viewer, owner_id=user.pk):
        return user, None, (None, None)
    rule = policy.activity_time_rule(viewer=viewer, owner_id=user.pk, settings=_settings_of(user))
    if rule.hidden or not rule.excluded_event_types:
        return user, None, (None, None)  # no times to compute: null, or the stored ones
    found = activity_times_of(owner_ids=[user.pk], excluded_event_types=rule.excluded_event_types)
    return user, (user.pk, rule.excluded_event_types), found[user.pk]


def _settings_of(user: UserModel) -> Settings:
    row = user._state.fields_cache.get("privacy_settings")  # None: no row, the defaults
    return DEFAULT_SETTINGS if row is None else row.as_policy_settings()


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
        loaders = info.context.loaders
        user, times_key, times = await run_sync(
            _player, username or "", viewer=info.context.viewer, times=_asks_activity_times(info)
        )
        if user is not None:
            loaders.privacy_settings.prime(user.pk, _settings_of(user))
        if times_key is not None:
            loaders.activity_times.prime(times_key, times)
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
