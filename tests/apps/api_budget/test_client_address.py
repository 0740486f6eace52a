import pytest

from apps.api_budget.client_address import client_address, is_relayed_by_untrusted_peer, parse_address

XFF = "x-forwarded-for"


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "expected"),
    [
        # no trusted proxies: the peer is the client, whatever the headers say
        ("203.0.113.9", {}, [], "203.0.113.9"),
        ("203.0.113.9", {XFF: "127.0.0.1"}, [], "203.0.113.9"),
        ("127.0.0.1", {XFF: "198.51.100.1"}, [], "127.0.0.1"),
        ("203.0.113.9", {"forwarded": "for=127.0.0.1"}, [], "203.0.113.9"),
        # headers that are never believed, even from a trusted proxy
        ("10.0.0.2", {"x-client-ip": "127.0.0.1"}, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", {"true-client-ip": "127.0.0.1"}, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", {"cf-connecting-ip": "127.0.0.1"}, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", {"x-real-ip": "127.0.0.1"}, ["10.0.0.0/8"], "10.0.0.2"),
        # a trusted peer: walk X-Forwarded-For from the right, skipping trusted proxies
        ("10.0.0.2", {XFF: "198.51.100.1"}, ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", {XFF: "127.0.0.1, 198.51.100.1"}, ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", {XFF: "198.51.100.1, 10.0.0.7, 10.0.0.8"}, ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", {XFF: "1.1.1.1, 198.51.100.1, 10.0.0.7"}, ["10.0.0.0/8"], "198.51.100.1"),
        ("127.0.0.1", {XFF: "127.0.0.1"}, ["127.0.0.1"], "127.0.0.1"),
        ("::1", {XFF: "2001:db8::5"}, ["::1", "127.0.0.1"], "2001:db8::5"),
        ("10.0.0.2", {XFF: "10.0.0.7, 10.0.0.8"}, ["10.0.0.0/8"], "10.0.0.7"),  # all trusted: the leftmost
        ("10.0.0.2", {}, ["10.0.0.0/8"], "10.0.0.2"),  # a trusted peer that forwarded nobody
        ("10.0.0.2", {XFF: ""}, ["10.0.0.0/8"], "10.0.0.2"),
        # ports and brackets, as some proxies write them
        ("10.0.0.2", {XFF: "198.51.100.1:5123"}, ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", {XFF: "[2001:db8::5]:5123"}, ["10.0.0.0/8"], "2001:db8::5"),
        ("[::ffff:10.0.0.2]", {XFF: "198.51.100.1"}, ["10.0.0.0/8"], "198.51.100.1"),  # dual-stack socket
        # invalid addresses are not believed: the peer is the client
        ("10.0.0.2", {XFF: "not-an-ip"}, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", {XFF: "198.51.100.1, unknown"}, ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", {XFF: "garbage, 198.51.100.1"}, ["10.0.0.0/8"], "198.51.100.1"),
        # header names in any case
        ("10.0.0.2", {"X-Forwarded-For": "198.51.100.1"}, ["10.0.0.0/8"], "198.51.100.1"),
        # no usable peer
        (None, {XFF: "198.51.100.1"}, ["10.0.0.0/8"], ""),
        ("", {}, [], ""),
        ("not-an-ip", {}, [], ""),
    ],
)
def test_client_address(settings, peer, headers, trusted, expected):
    # given
    settings.TRUSTED_PROXIES = trusted
    # when
    address = client_address(peer=peer, headers=headers)
    # then
    assert address == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"forwarded": "for=198.51.100.1"}, "198.51.100.1"),
        ({"forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https'}, "2001:db8:cafe::17"),
        ({"forwarded": "for=127.0.0.1, for=198.51.100.1;by=10.0.0.2, for=10.0.0.7"}, "198.51.100.1"),
        ({"Forwarded": "For=198.51.100.1"}, "198.51.100.1"),
        ({"forwarded": "for=unknown"}, "10.0.0.2"),
        ({"forwarded": "for=_hidden"}, "10.0.0.2"),
        ({"forwarded": "proto=https"}, "10.0.0.2"),
        # the proxy writes Forwarded: an X-Forwarded-For is the client's own and is not read
        ({XFF: "127.0.0.1"}, "10.0.0.2"),
        ({XFF: "127.0.0.1", "forwarded": "for=198.51.100.1"}, "198.51.100.1"),
    ],
)
def test_forwarded_header_when_the_proxies_write_it(settings, headers, expected):
    # given
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_HEADER = "forwarded"
    # when
    address = client_address(peer="10.0.0.2", headers=headers)
    # then
    assert address == expected


def test_trusted_proxies_may_be_a_comma_separated_string(settings):
    # given
    settings.TRUSTED_PROXIES = "192.0.2.1, 10.0.0.0/8"
    # then
    assert client_address(peer="10.9.9.9", headers={XFF: "198.51.100.1"}) == "198.51.100.1"
    assert client_address(peer="192.0.2.2", headers={XFF: "198.51.100.1"}) == "192.0.2.2"


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "expected"),
    [
        ("127.0.0.1", {}, [], False),
        ("127.0.0.1", {"x-forwarded-for": "1.2.3.4"}, [], True),
        ("127.0.0.1", {"X-Real-IP": "1.2.3.4"}, [], True),
        ("127.0.0.1", {"true-client-ip": "1.2.3.4"}, [], True),
        ("127.0.0.1", {"x-forwarded-for": "1.2.3.4"}, ["127.0.0.1"], False),
        ("127.0.0.1", {"accept": "*/*"}, [], False),
    ],
)
def test_relayed_by_untrusted_peer(settings, peer, headers, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    assert is_relayed_by_untrusted_peer(peer=peer, headers=headers) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        (" 1.2.3.4:80 ", "1.2.3.4"),
        ("[::1]:8000", "::1"),
        ("::1", "::1"),
        ("fe80::1%eth0", "fe80::1"),
        ('"[2001:db8::1]"', "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("1.2.3", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_address(value, expected):
    address = parse_address(value)
    assert (str(address) if address is not None else None) == expected
