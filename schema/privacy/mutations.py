import strawberry

from apps.privacy.services import privacy_settings_update
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost
from schema.errors import UnauthenticatedError
from schema.privacy.access import viewer_field_visible
from schema.privacy.types import PrivacySettings, privacy_settings_type


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        directives=[Cost(weight="10")],
        description="Change what others may see of the signed-in player; a null or missing argument leaves that "
        "setting as it is. Returns the settings after the change.",
    )
    async def update_privacy_settings(
        self, info: Info, economy_public: bool | None = None, activity_public: bool | None = None
    ) -> PrivacySettings:
        user = info.context.user
        if user is None or not viewer_field_visible(info, "Mutation.updatePrivacySettings"):
            raise UnauthenticatedError("Sign in to change your privacy settings.")
        settings = await run_sync(
            privacy_settings_update, user=user, economy_public=economy_public, activity_public=activity_public
        )
        return privacy_settings_type(settings)
