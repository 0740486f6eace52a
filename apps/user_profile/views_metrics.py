"""GET /metrics: Prometheus text format, for the monitoring system only.

Access: with settings.METRICS_TOKEN set, a request must carry `Authorization: Bearer <token>`; without it,
only loopback clients are served, by the client-address rule of the API (apps.api_budget.client_address): a
proxy in settings.TRUSTED_PROXIES is believed about the client it relays, any other peer is the client itself.
A request carrying proxy headers from a peer that is not a trusted proxy is refused: it is either a spoof or
a proxy missing from TRUSTED_PROXIES, behind which every client would look like 127.0.0.1.
"""

import os
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from apps.api_budget.client_address import client_address, is_relayed_by_untrusted_peer, parse_address
from apps.user_profile.metrics import DatabaseStateCollector


def _allowed(request: HttpRequest) -> tuple[bool, str]:
    token: str = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and secrets.compare_digest(given.removeprefix("Bearer ").strip(), token):
            return True, ""
        return False, "Send 'Authorization: Bearer <METRICS_TOKEN>'."
    peer = request.META.get("REMOTE_ADDR")
    headers = request.headers
    if is_relayed_by_untrusted_peer(peer=peer, headers=headers):
        return False, "Relayed requests need a token or a trusted proxy: set METRICS_TOKEN or TRUSTED_PROXIES."
    address = parse_address(client_address(peer=peer, headers=headers))
    if address is not None and address.is_loopback:
        return True, ""
    return False, "Metrics are served to loopback clients only; set METRICS_TOKEN to allow others."


def _process_registry() -> CollectorRegistry:
    """In-process instruments; summed over all worker processes when prometheus_client's multiprocess mode is on."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed, reason = _allowed(request)
    if not allowed:
        status = 401 if getattr(settings, "METRICS_TOKEN", "") else 403
        return HttpResponse(reason + "\n", status=status, content_type="text/plain; charset=utf-8")
    database_state = CollectorRegistry(auto_describe=False)
    database_state.register(DatabaseStateCollector())
    body = generate_latest(_process_registry()) + generate_latest(database_state)
    # The classic text format every Prometheus version reads (our metric names need no UTF-8 escaping).
    return HttpResponse(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
