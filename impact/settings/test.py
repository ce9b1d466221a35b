"""Settings for the test suite.

The database comes from DATABASE_URL like everywhere else: SQLite by default,
PostgreSQL in CI.
"""

from __future__ import annotations

from impact.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789abcdef"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in the test process unless a test starts its own worker.
CELERY_TASK_ALWAYS_EAGER = True
# Throttling is tested on its own; the rest of the suite must never hit a rate limit.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute",
        "anon_sustained": None,
        "partner": "100000/minute",
        "partner_sustained": None,
    },
}
# Live-server and worker tests open connections from other threads; close them after each
# request so the test database can be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Each test process has its own cache; tests/conftest.py clears it before every test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Static files straight from the apps' folders (no collectstatic outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
