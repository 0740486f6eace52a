from apps.user_profile.views.head_to_head import head_to_head
from apps.user_profile.views.pages import my_activity, player_profile, tournament_history

__all__ = ["head_to_head", "my_activity", "player_profile", "tournament_history"]
