"""The DC ledger in the admin: lines are added, never edited or deleted (correct with an ADJUSTMENT line)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create


@admin.register(DeltaCrownTransaction)
class DeltaCrownTransactionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "amount", "reason", "reference"]
    list_filter = ["reason", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "reference"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: DeltaCrownTransaction | None = None) -> list[str]:
        return ["user", "amount", "reason", "reference", "created_at"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: DeltaCrownTransaction | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DeltaCrownTransaction, form: Any, change: bool) -> None:
        if change:
            return  # every field is read-only once recorded
        # Through the service, so the ledger line and its coins event commit together.
        created = transaction_create(
            user=obj.user, amount=obj.amount, reason=obj.reason, reference=obj.reference, created_at=obj.created_at
        )
        obj.pk = created.pk
        obj._state.adding = False
