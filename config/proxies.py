"""X-Forwarded-Proto believed from trusted proxies only.

Django's SECURE_PROXY_SSL_HEADER trusts the header from whoever sends it; behind a TLS-terminating proxy a client
that reaches the app server directly (or through a proxy that passes the header on) could claim https. This
middleware, first in MIDDLEWARE, drops the header unless the direct peer (REMOTE_ADDR) is in
settings.TRUSTED_PROXIES, so request.is_secure() then falls back to the connection's own scheme.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.deprecation import MiddlewareMixin

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """IPs or CIDRs as networks (a bare IP is a /32 or /128); a malformed entry is a configuration error."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(proxy, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {proxy!r} is not an IP address or CIDR.") from error
    return tuple(networks)


@lru_cache(maxsize=1)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return proxy_networks(proxies)


def is_trusted_proxy(address: str | None) -> bool:
    """Whether a peer address is one of settings.TRUSTED_PROXIES (an empty or non-IP address, such as a Unix
    socket's, never is)."""
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


class ForwardedProtoFromTrustedProxiesMiddleware(MiddlewareMixin):
    """Removes X-Forwarded-Proto from requests whose peer is not a trusted proxy."""

    def process_request(self, request: HttpRequest) -> None:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            del request.META["HTTP_X_FORWARDED_PROTO"]
