from django.urls import path

from apps.user_profile import views

app_name = "user_profile"

urlpatterns = [
    path("players/<str:username>/", views.player_profile, name="player-profile"),
    path("players/<str:username>/tournaments/", views.tournament_history, name="tournament-history"),
    path("players/<str:username>/vs/<str:opponent>/", views.head_to_head, name="head-to-head"),
    path("me/activity/", views.my_activity, name="my-activity"),
]
