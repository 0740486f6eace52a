"""How resolvers ask the privacy policy (apps.privacy.policy) about a player's data, with the request's
viewer and the player's settings from the request's loaders (batched: no query per row)."""

from apps.privacy import policy
from apps.privacy.policy import ALL_PUBLIC, Settings
from schema.context import Info


async def settings_for_visibility(info: Info, owner_id: int) -> Settings:
    """The owner's settings as far as visibility goes: no lookup for the owner and staff, who see it all."""
    if policy.sees_everything(viewer=info.context.viewer, owner_id=owner_id):
        return ALL_PUBLIC
    return await info.context.loaders.privacy_settings.load(owner_id)


def settings_at_hand(info: Info, owner_id: int) -> Settings | None:
    """The same without waiting, when no lookup is needed: the owner and staff, or settings the request's
    loader already holds (primed by a page that read them with its rows). None: await settings_for_visibility."""
    if policy.sees_everything(viewer=info.context.viewer, owner_id=owner_id):
        return ALL_PUBLIC
    known = info.context.loaders.privacy_settings.cache_map.get(owner_id)
    if known is None or not known.done() or known.cancelled() or known.exception() is not None:
        return None
    return known.result()


async def field_visible(info: Info, field: str, *, owner_id: int) -> bool:
    """May the viewer see `field` ("Type.field") of the player `owner_id`?"""
    settings = await settings_for_visibility(info, owner_id)
    return policy.field_visible(field, viewer=info.context.viewer, owner_id=owner_id, settings=settings)


def viewer_field_visible(info: Info, field: str) -> bool:
    """For fields about the viewer themself or the platform (no player settings involved)."""
    viewer = info.context.viewer
    return policy.field_visible(field, viewer=viewer, owner_id=viewer.id, settings=policy.DEFAULT_SETTINGS)
