from django.apps import AppConfig


class UserProfileConfig(AppConfig):
    name = "apps.user_profile"
    label = "user_profile"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.user_profile import receivers  # noqa: F401  (connects the domain apps' signals)
