from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "apps.economy"
    label = "economy"
    default_auto_field = "django.db.models.BigAutoField"
