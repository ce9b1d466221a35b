"""Celery application.

Configuration lives in Django settings under the ``CELERY_`` namespace so that
one environment (``CELERY_BROKER_URL``) decides between Redis and eager mode.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impact.settings.local")

# DjangoTask adds delay_on_commit: enqueue only once the creating transaction commits.
app = Celery("impact", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
