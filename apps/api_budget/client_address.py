"""The client's IP address for a request, as far as it can be trusted.

The direct peer (the TCP connection's address) is the client unless it is one of settings.TRUSTED_PROXIES;
only then is the proxy header (settings.TRUSTED_PROXY_HEADER: X-Forwarded-For, or RFC 7239 Forwarded) read,
from the right: each trusted proxy appends the address it received the request from, so the first address
that is not a trusted proxy is the client (anything left of it was written by the client itself).
Headers such as X-Real-IP, X-Client-IP, True-Client-IP or CF-Connecting-IP are never believed.
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

X_FORWARDED_FOR = "x-forwarded-for"
FORWARDED = "forwarded"

# Headers a proxy or CDN in front of us may have added: their presence tells a relayed request.
RELAY_HEADERS = frozenset(
    {X_FORWARDED_FOR, FORWARDED, "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip"}
)

_FORWARDED_FOR = re.compile(r'(?:^|;)\s*for\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)', re.IGNORECASE)


def parse_address(value: str | None) -> IPAddress | None:
    """An IP from a peer or header value: "1.2.3.4", "1.2.3.4:80", "[::1]:80", "::1"; None when not an IP.

    IPv4-mapped IPv6 addresses (::ffff:1.2.3.4, dual-stack sockets) are returned as IPv4.
    """
    if not value:
        return None
    text = value.strip().strip('"').strip()
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    text = text.partition("%")[0]  # a zone index (fe80::1%eth0) is no part of the address
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def trusted_networks() -> tuple[IPNetwork, ...]:
    """settings.TRUSTED_PROXIES as networks (a bare IP is a /32 or /128); a bad entry raises ValueError."""
    proxies = getattr(settings, "TRUSTED_PROXIES", ())
    if isinstance(proxies, str):
        proxies = proxies.split(",")
    return _networks(tuple(proxy.strip() for proxy in proxies if proxy.strip()))


def is_trusted_proxy(address: IPAddress | None, networks: Iterable[IPNetwork] | None = None) -> bool:
    if address is None:
        return False
    return any(address in network for network in (trusted_networks() if networks is None else networks))


def _lowercase(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _forwarded_chain(headers: dict[str, str]) -> list[str]:
    """The client chain from the configured proxy header, leftmost (the original client) first."""
    header = str(getattr(settings, "TRUSTED_PROXY_HEADER", X_FORWARDED_FOR)).lower()
    value = headers.get(header, "")
    if header == FORWARDED:
        return [match.group(1) for element in value.split(",") for match in _FORWARDED_FOR.finditer(element)]
    return [entry.strip() for entry in value.split(",") if entry.strip()]


def client_address(*, peer: str | None, headers: Mapping[str, str]) -> str:
    """The client's IP address as text ("" when the peer has none, e.g. a Unix socket).

    `peer` is the direct connection's address (ASGI scope["client"][0], or REMOTE_ADDR); `headers` maps header
    names (any case) to values.
    """
    peer_address = parse_address(peer)
    if peer_address is None:
        return ""
    networks = trusted_networks()
    if not is_trusted_proxy(peer_address, networks):
        return str(peer_address)
    client = peer_address
    for entry in reversed(_forwarded_chain(_lowercase(headers))):
        address = parse_address(entry)
        if address is None:
            return str(peer_address)  # a chain we cannot read: only the peer is known for sure
        client = address
        if not is_trusted_proxy(address, networks):
            break
    return str(client)


def is_relayed_by_untrusted_peer(*, peer: str | None, headers: Mapping[str, str]) -> bool:
    """Whether the request carries proxy headers but came from a peer we do not trust as a proxy.

    Such a request may be a client's spoof or a proxy missing from TRUSTED_PROXIES: in the latter case the
    peer's own address (say 127.0.0.1 for a local proxy) is not the client's.
    """
    if is_trusted_proxy(parse_address(peer)):
        return False
    return any(name.lower() in RELAY_HEADERS for name in headers)
