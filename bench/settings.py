"""Production settings for the benchmark, served over plain HTTP on 127.0.0.1.

`bench/run.py` sets the environment (a throwaway key, local hosts, no HTTPS redirect, no
rate limits) before Django starts; the URLs add the plain reference view.
"""

from __future__ import annotations

from impact.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Static files from the apps' folders: the benchmark does not run collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
