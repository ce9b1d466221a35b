"""Configuration: production refuses unsafe settings; the project passes Django's checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3J9-x" * 10


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**overrides: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "impact.settings.production",
        "DJANGO_SECRET_KEY": GOOD_KEY,
        "DJANGO_ALLOWED_HOSTS": "impact.example.org",
        **overrides,
    }


def test_production_check_deploy_has_no_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 50}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secret_key_and_hosts(overrides, message):
    result = run_manage("check", **production(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_load_with_env_example_values():
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "TIME_ZONE"} <= set(values)
    values["DJANGO_SECRET_KEY"] = GOOD_KEY
    result = run_manage("check", DJANGO_SETTINGS_MODULE="impact.settings.production", **values)
    assert result.returncode == 0, result.stderr


def test_no_model_change_lacks_a_migration():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="impact.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_store_utc_and_show_kyiv_time(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/Kyiv"
