from django.contrib import admin

from apps.analytics.models import Season


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["name", "game", "starts_at", "ends_at"]
    list_filter = ["game"]
    search_fields = ["name", "game"]
    date_hierarchy = "starts_at"
