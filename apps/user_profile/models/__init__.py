from apps.user_profile.models.achievement import Achievement, UserAchievement
from apps.user_profile.models.activity import (
    ActivityEventType,
    DirectActivityInsertError,
    ImmutableActivityError,
    UserActivity,
)
from apps.user_profile.models.operations import BackfillRun, ReconcileRun
from apps.user_profile.models.profile import UserProfile
from apps.user_profile.models.stats import UserProfileStats
from apps.user_profile.models.stream import ActivityStreamEntry

__all__ = [
    "Achievement",
    "ActivityEventType",
    "ActivityStreamEntry",
    "BackfillRun",
    "DirectActivityInsertError",
    "ImmutableActivityError",
    "ReconcileRun",
    "UserAchievement",
    "UserActivity",
    "UserProfile",
    "UserProfileStats",
]
