from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_creates_a_superuser_with_a_random_password_once(capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    output = capsys.readouterr().out
    password = output.strip().rsplit(" / ", 1)[1]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert len(password) >= 12
    assert admin.check_password(password)

    call_command("ensure_admin")
    assert password not in capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).count() == 1


def test_two_fresh_installs_get_different_passwords(capsys, monkeypatch):
    monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin", username="first")
    call_command("ensure_admin", username="second")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].rsplit(" / ", 1)[1] != lines[1].rsplit(" / ", 1)[1]


def test_password_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "a-long-chosen-passphrase")
    call_command("ensure_admin")
    assert User.objects.get(username="admin").check_password("a-long-chosen-passphrase")
