"""Celery application.

Configuration lives in Django settings under the ``CELERY_`` namespace so that
one environment (``CELERY_BROKER_URL``) decides between Redis and eager mode.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impact.settings.local")

# DjangoTask adds delay_on_commit: enqueue only once the creating transaction commits.
app = Celery("impact", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _resume_runs_left_behind(sender: Any, **kwargs: Any) -> None:
    """A worker that starts re-sends the ingestion runs nobody is working on, so a worker
    restarted after a crash resumes them without waiting for the schedule."""
    sender.app.send_task("incidents.tasks.ingestion_runs_requeue_stuck_task")
