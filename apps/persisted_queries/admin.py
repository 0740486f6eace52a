from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.persisted_queries.models import TrustedDocument


@admin.register(TrustedDocument)
class TrustedDocumentAdmin(admin.ModelAdmin):
    """Read-only: documents come from manifests (manage.py trusted_documents_load), validated on the way in."""

    list_display = ["document_id", "client_name", "created_at"]
    list_filter = ["client_name"]
    search_fields = ["document_id", "sha256", "client_name", "body"]
    readonly_fields = ["document_id", "sha256", "body", "client_name", "created_at"]
    fields = ("document_id", "sha256", "body", "client_name", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing still works (view permission); nothing is editable.
        return False
