import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class ApiBudgetConfig(AppConfig):
    name = "apps.api_budget"
    verbose_name = "API budgets"

    def ready(self) -> None:
        if not settings.REDIS_URL:
            logger.warning(
                "REDIS_URL is not set: API budgets are kept per process, so each worker process grants its own "
                "budget. Set REDIS_URL to share them."
            )
