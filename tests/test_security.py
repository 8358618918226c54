"""Production settings and the headers every page carries (the Reliability issue, items 1 and 2)."""
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User

from tests.forms import STRONG_PASSWORD

from .test_browser import page  # noqa: F401 - the headless Chromium fixture

PAGES = {
    "home": "/",
    "list": "/fines/",
    "api": "/api/decisions/",
    "api docs": "/api/docs/",
    "admin login": "/admin/login/",
    "not found": "/no-such-page/",
}
STATUS = {"not found": 404}


def _production_environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "HTTPS", "DB_STATEMENT_TIMEOUT_MS"}
    }
    return {
        **environment,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "finetracker.example",
        **extra,
    }


def _settings_in_a_fresh_process(environment: dict[str, str], *names: str) -> list[str]:
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=django_settings.BASE_DIR,
        capture_output=True, text=True, check=True,
    )
    return result.stdout.splitlines()


def test_the_deploy_check_passes_with_only_debug_secret_key_and_allowed_hosts():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_environment(), cwd=django_settings.BASE_DIR, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_only_by_default_when_debug_is_off_and_off_with_https_off():
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
             "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")
    assert _settings_in_a_fresh_process(_production_environment(), *names) == [
        "True", "31536000", "True", "True", "True", "('HTTP_X_FORWARDED_PROTO', 'https')",
    ]
    assert _settings_in_a_fresh_process(_production_environment(HTTPS="off"), *names[:-1]) == [
        "False", "0", "False", "False", "False",
    ]


@pytest.fixture
def https_on(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def test_plain_http_is_redirected_to_https(client, db, https_on):
    response = client.get("/fines/?country=FR")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/fines/?country=FR"


def test_the_proxys_forwarded_proto_counts_as_https(client, db, https_on):
    response = client.get("/fines/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_admins_cookies_are_secure_over_https(client, db, https_on):
    response = client.get("/admin/login/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("name", PAGES)
def test_every_page_carries_the_security_headers(client, sample, name):
    response = client.get(PAGES[name])
    assert response.status_code == STATUS.get(name, 200)
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # The nonce is named only on pages that use it (an inline script of the admin's, say).
    assert policy["script-src"][0] == "'self'"
    assert all(re.fullmatch(r"'nonce-[\w+/=-]{16,}'", value) for value in policy["script-src"][1:])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["X-Frame-Options"] == "DENY"


def test_each_response_has_its_own_nonce(superuser_client):
    first, second = (_csp(superuser_client.get("/admin/fines/decision/"))["script-src"][1] for _ in range(2))
    assert first.startswith("'nonce-")
    assert first != second


ADMIN_PAGES = ["/admin/", "/admin/fines/decision/", "/admin/fines/decision/add/", "/admin/auth/user/add/"]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", password=STRONG_PASSWORD))
    return client


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/", "/stats/", "/api/docs/"])
def test_every_inline_script_carries_the_pages_nonce(superuser_client, sample, path):
    response = superuser_client.get(path)
    assert response.status_code == 200
    nonces = [value.removeprefix("'nonce-").removesuffix("'") for value in _csp(response)["script-src"][1:]]
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" not in tag and 'type="application/json"' not in tag:
            assert nonces and f'nonce="{nonces[0]}"' in tag, tag
    assert not re.search(r"\son(click|load|change|submit|input)=", html), "inline event handlers are refused by the CSP"


@pytest.mark.browser
def test_the_admin_and_public_pages_break_no_rule_of_the_policy(page, live_server):  # noqa: F811
    User.objects.create_superuser("root", password=STRONG_PASSWORD)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", STRONG_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    for path in ADMIN_PAGES + ["/", "/fines/", "/stats/", "/api/docs/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    assert refused == []
