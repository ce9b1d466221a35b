"""A figure as its event publishes it, with the spread of its sources where they disagree:
"killed 3 (3–5, 3 sources)"."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import ngettext

from incidents.models import Incident

register = template.Library()


@register.filter
def published(incident: Incident, name: str) -> str:
    """``incident``'s figure ``name`` as published: its event's (chosen among its reports)
    and, when the reports differ, their range and number."""
    event = incident.event if incident.event_id else None
    if event is None:
        return str(intcomma(getattr(incident, name)))
    value = intcomma(getattr(event, name))
    low, high, sources = event.ranges.get(name, [0, 0, 1])
    if low == high:
        return str(value)
    return ngettext(
        "%(value)s (%(low)s–%(high)s, %(sources)s source)",
        "%(value)s (%(low)s–%(high)s, %(sources)s sources)",
        sources,
    ) % {"value": value, "low": intcomma(low), "high": intcomma(high), "sources": sources}
