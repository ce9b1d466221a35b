"""Login throttling, the Content-Security-Policy, request ids and what the logs hold."""

from __future__ import annotations

import json
import logging
import logging.config
import re

import pytest
from django.conf import settings as django_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
PASSWORD = "a correct horse battery staple"


@pytest.fixture
def staff():
    return UserFactory(username="olena", password=PASSWORD, is_staff=True)


def attempt(client, password: str, address: str = "203.0.113.5"):
    return client.post(LOGIN, {"username": "olena", "password": password}, REMOTE_ADDR=address)


def test_repeated_failed_logins_lock_the_account_from_that_address(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200  # the form again, with an error
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    # Locked: even the right password is refused now, from that address ...
    assert attempt(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... but the same user elsewhere is not locked out by someone guessing.
    other = attempt(client, PASSWORD, address="198.51.100.9")
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_successful_login_resets_the_failure_count(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200


def test_sessions_expire_after_a_working_day(client, staff):
    attempt(client, PASSWORD)
    assert client.session.get_expiry_age() == 8 * 60 * 60
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, analyst):
    client.force_login(analyst)
    response = client.get("/dashboards/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    page = response.content.decode()
    # Every script is a file of ours or JSON data; none is inline code.
    for tag in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag


def test_api_docs_need_no_inline_script(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_responses_carry_a_request_id_and_keep_the_proxys(client):
    generated = client.get("/")
    assert len(generated["X-Request-ID"]) == 32
    kept = client.get("/", HTTP_X_REQUEST_ID="proxy-7f3a")
    assert kept["X-Request-ID"] == "proxy-7f3a"


def test_json_log_lines_carry_the_request_id_and_no_password(client, staff, capsys):
    config = {**django_settings.LOGGING}
    config["handlers"] = {
        "console": {
            **config["handlers"]["console"],
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    }
    logging.config.dictConfig(config)
    try:
        client.post(
            LOGIN,
            {"username": "olena", "password": "a-secret-guess"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_REQUEST_ID="req-42",
        )
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-43")
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    not_found = [line for line in lines if line.get("request_id") == "req-43"]
    assert not_found, lines
    assert {"time", "level", "logger", "message", "request_id"} <= set(not_found[0])
    assert not_found[0]["level"] == "WARNING"
    assert all("a-secret-guess" not in json.dumps(line) for line in lines)
