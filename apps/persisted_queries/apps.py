from django.apps import AppConfig


class PersistedQueriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.persisted_queries"
    verbose_name = "Persisted queries"
