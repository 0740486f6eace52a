import strawberry

from apps.privacy.policy import Settings


@strawberry.type(description="What a player shows others (docs/privacy.md says what each setting hides).")
class PrivacySettings:
    economy_public: bool = strawberry.field(
        description="Others see the coin totals, net earnings, coin events, prizes and NET_EARNINGS board row."
    )
    activity_public: bool = strawberry.field(
        description="Others see the activity feed, tournament history and activity times (counters stay public)."
    )


def privacy_settings_type(settings: Settings) -> PrivacySettings:
    return PrivacySettings(economy_public=settings.economy_public, activity_public=settings.activity_public)
