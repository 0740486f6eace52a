from django.urls import path

from apps.privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/settings/", views.my_settings, name="my-settings"),
]
