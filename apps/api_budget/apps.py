from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ApiBudgetConfig(AppConfig):
    name = "apps.api_budget"
    verbose_name = "API budgets"

    def ready(self) -> None:
        from apps.api_budget.client_address import FORWARDED, X_FORWARDED_FOR, trusted_networks

        try:
            trusted_networks()
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error} (IPs or CIDRs, comma-separated).") from error
        if settings.TRUSTED_PROXY_HEADER not in (X_FORWARDED_FOR, FORWARDED):
            raise ImproperlyConfigured(f"TRUSTED_PROXY_HEADER is {X_FORWARDED_FOR!r} or {FORWARDED!r}.")
