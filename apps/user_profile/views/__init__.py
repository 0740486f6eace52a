from apps.user_profile.views.pages import my_activity, player_profile, tournament_history

__all__ = ["my_activity", "player_profile", "tournament_history"]
