"""A field extension that applies the privacy policy to a field of a player (User), declared on the field.

In the spirit of strawberry-django's permission extensions (strawberry_django.permissions), which cannot be
used as they are here: they read the viewer from a Django request, which this API's lean ASGI endpoint does
not have (the viewer is on the context), and they publish a schema directive per permission.
"""

from collections.abc import Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver

from schema.context import Info
from schema.privacy.access import field_visible


class PolicyGuard(FieldExtension):
    """Resolves `field` ("Type.field", a key of apps.privacy.policy.FIELDS) only when the policy lets the viewer
    see it of the player the field belongs to (the root); otherwise answers `denied(info)` (which may raise)."""

    def __init__(self, field: str, *, denied: Callable[[Info], Any]) -> None:
        super().__init__()
        self.field = field
        self.denied = denied

    async def resolve_async(self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        if await field_visible(info, self.field, owner_id=source.pk):
            return await next_(source, info, **kwargs)
        return self.denied(info)
