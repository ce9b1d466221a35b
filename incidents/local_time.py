"""Days and their boundaries in the project's time zone (Kyiv), where records are counted."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in the project's time zone (Kyiv)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def midnight(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
