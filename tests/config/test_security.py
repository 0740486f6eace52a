"""Transport security and Content-Security-Policy: the production settings pass Django's deployment checks,
X-Forwarded-Proto is believed from trusted proxies only, and every page carries a policy whose nonce is the
one on its inline scripts."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse

from config.proxies import ForwardedProtoFromTrustedProxiesMiddleware, is_trusted_proxy
from tests.factories import UserFactory, enter, finish, make_tournament

ROOT = Path(__file__).resolve().parents[2]
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


# check --deploy


def _production_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="activity.example.com", **extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    # when Django checks the production settings (DEBUG=0, a real secret key)
    result = _check_deploy(_production_env())
    # then nothing is reported
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_settings_behind_a_proxy_pass_the_deployment_checks():
    # when the app sits behind trusted proxies and serves a browser app from another origin
    result = _check_deploy(
        _production_env(TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1", CORS_ALLOWED_ORIGINS="https://app.example.com")
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_secure_the_transport():
    # when
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)",
        ],
        cwd=ROOT,
        env={**_production_env(), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then: redirects, secure cookies, a year of HSTS with subdomains, and no proxy header without proxies
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "False", "None"]


def test_a_malformed_trusted_proxy_stops_the_app():
    # when
    result = _check_deploy(_production_env(TRUSTED_PROXIES="10.0.0.0/8,proxy.internal"))
    # then
    assert result.returncode != 0
    assert "'proxy.internal' is not an IP address or CIDR" in result.stderr


def test_an_origin_with_a_path_stops_the_app():
    # when
    result = _check_deploy(_production_env(CORS_ALLOWED_ORIGINS="https://app.example.com/"))
    # then
    assert result.returncode != 0
    assert "is not an origin" in result.stderr


# X-Forwarded-Proto from trusted proxies only


def _forwarded_https(remote_addr: str):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=remote_addr)
    ForwardedProtoFromTrustedProxiesMiddleware(lambda request: None).process_request(request)
    return request


def test_a_trusted_proxy_tells_the_scheme(settings):
    # given
    settings.TRUSTED_PROXIES = ["10.1.0.0/16", "192.0.2.7"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # then
    assert _forwarded_https("10.1.2.3").is_secure()
    assert _forwarded_https("192.0.2.7").is_secure()
    assert _forwarded_https("::ffff:192.0.2.7").is_secure()


def test_any_other_peer_cannot_claim_https(settings):
    # given
    settings.TRUSTED_PROXIES = ["10.1.0.0/16"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # when a client reaches the app server directly and claims https
    request = _forwarded_https("203.0.113.9")
    # then its header is gone
    assert "HTTP_X_FORWARDED_PROTO" not in request.META
    assert not request.is_secure()
    assert not _forwarded_https("").is_secure()
    assert not _forwarded_https("unix-socket").is_secure()


def test_without_trusted_proxies_nobody_is_one(settings):
    settings.TRUSTED_PROXIES = []
    assert not is_trusted_proxy("127.0.0.1")


@pytest.mark.django_db
def test_ssl_redirect_spares_monitoring_and_believes_trusted_proxies(settings):
    # given production transport settings behind a proxy at 10.0.0.5
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.METRICS_TOKEN = "scrape"
    client = Client()
    # then plain http is redirected to https
    response = client.get("/accounts/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    # a trusted proxy's https is believed, a client's is not
    assert client.get("/accounts/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/accounts/login/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_PROTO="https").status_code == 301
    # and scrapers reach /metrics over plain http
    response = client.get("/metrics", headers={"authorization": "Bearer scrape"})
    assert response.status_code == 200


def test_the_test_settings_stay_on_plain_http(settings):
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False
    assert settings.SECURE_PROXY_SSL_HEADER is None


# Content-Security-Policy


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_policy_with_matching_nonces(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    header_nonces = NONCE.findall(" ".join(script_src))
    inline_scripts = [attrs for attrs in SCRIPT_TAG.findall(response.content.decode()) if "src=" not in attrs]
    for attrs in inline_scripts:
        nonce = re.search(r'nonce="([^"]+)"', attrs)
        assert nonce is not None, f"an inline script without the nonce: <script{attrs}>"
        assert header_nonces == [nonce.group(1)]
    if not inline_scripts:
        assert script_src == ["'self'"]
    return policy


@pytest.fixture
def player(db) -> User:
    alice, bob = UserFactory.create(username="alice"), UserFactory.create(username="bob")
    tournament = make_tournament(name="Summer Cup", game="Valorant")
    finish(tournament, [enter(tournament, alice), enter(tournament, bob)])
    return alice


@pytest.mark.parametrize(
    "url",
    [
        reverse("user_profile:player-profile", args=["alice"]),
        reverse("user_profile:tournament-history", args=["alice"]),
        reverse("user_profile:my-activity"),
    ],
)
def test_every_page_carries_the_policy(client: Client, player: User, url: str):
    # given
    client.force_login(player)
    # when
    response = client.get(url)
    # then
    policy = _assert_policy_with_matching_nonces(response)
    assert policy["style-src"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_pages_carry_the_policy(client: Client, url: str):
    policy = _assert_policy_with_matching_nonces(client.get(url))
    assert policy["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_graphiql_runs_its_inline_script_under_the_nonce(client: Client):
    # when a browser opens the IDE
    response = client.get("/graphql/", headers={"accept": "text/html"})
    # then its one inline script (and style) carry the header's nonce
    policy = _assert_policy_with_matching_nonces(response)
    nonce = NONCE.findall(" ".join(policy["script-src"]))[0]
    html = response.content.decode()
    assert html.count(f'nonce="{nonce}"') == 2
    assert policy["font-src"] == ["'self'", "data:"]
    # and only this page allows inline styles (GraphiQL's dialogs inject them)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


@pytest.mark.django_db
def test_each_request_gets_a_fresh_nonce(client: Client):
    first = client.get("/graphql/", headers={"accept": "text/html"})
    second = client.get("/graphql/", headers={"accept": "text/html"})
    assert NONCE.findall(first["Content-Security-Policy"]) != NONCE.findall(second["Content-Security-Policy"])
