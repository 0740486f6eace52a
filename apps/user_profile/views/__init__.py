from apps.user_profile.views.pages import my_activity, player_profile

__all__ = ["my_activity", "player_profile"]
