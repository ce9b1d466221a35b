"""Every signal receiver of the figures, connected in one place (``connect``, from the app
config).

Why signals and not explicit calls from the services: the summed figures and their cache
are derived data, which must equal the records after every write through the ORM, not
only after the writes the services make. Records are also saved by management commands,
data migrations, the shell, test factories and cascades (deleting an incident deletes its
damaged assets), and a forgotten call would publish a wrong figure that no review would
catch. The receivers hold no business rule (the rules are the services'): they only
recompute derived rows from the stored rows, so running one twice changes nothing.

What they cannot see, their callers keep: writes that bypass the signals, as Django's
bulk operations do (ingestion's bulk upserts, bulk reviews' UPDATEs), bring the figures up
to date themselves through ``incidents.figures.incidents`` and ``incidents.figures.outages``
and call ``figures_changed``; ingestion deletes the damaged assets of the incidents it
replaces inside ``figures_kept_by_caller``, since it adds what its changes made different
itself. A pre-save receiver notes where a record was counted as stored (not as loaded: a
concurrent edit may have moved it) on the instance, for the post-save receiver: only the
two together know both the old and the new days.

A region's household size is a record the outage figures are computed from as well: the
people of an outage given only in households are its households times that size. So a
change of it, however it is saved (the admin, a command loading the sizes, the shell),
counts those outages' people again and rewrites their days (``recount_outages``), as an
edit of the outages would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from accounts.models import Organisation
from incidents.figures.cache import FIGURE_MODELS, figures_changed
from incidents.figures.events import event_report_keys, events_of_sources, refresh_events
from incidents.figures.outages import (
    FIELDS,
    Outage,
    day_keys,
    recount_outages,
    refresh_outage_figures,
)
from incidents.figures.rewrites import refresh_day_figures
from incidents.models import (
    DamagedAsset,
    Event,
    Incident,
    Region,
    ServiceDisruption,
    SourceReliability,
)

# -- incidents and their damaged assets: rewrite the days they touched ----------------------


def _key(incident: Incident) -> tuple[int | None, dt.date]:
    return (incident.region_id, incident.occurred_on)


def _remember_old_key(sender: Any, instance: Incident, **kwargs: Any) -> None:
    """Before an incident is saved, note where it was counted until now, and in which
    event."""
    if instance.pk is None or kwargs.get("raw"):
        return
    old = (
        Incident.objects.filter(pk=instance.pk)
        .values_list("region_id", "occurred_on", "event_id")
        .first()
    )
    instance._figures_old_key = old  # type: ignore[attr-defined]


def _incident_saved(sender: Any, instance: Incident, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    keys = {_key(instance)}
    events = {instance.event_id}
    old = getattr(instance, "_figures_old_key", None)
    if old is not None:
        keys.add((old[0], old[1]))
        events.add(old[2])
    # A report of an event may change which report leads it and what it publishes.
    keys |= refresh_events(events)
    refresh_day_figures(keys)


def _incident_deleted(sender: Any, instance: Incident, **kwargs: Any) -> None:
    refresh_day_figures({_key(instance), *refresh_events({instance.event_id})})


def _event_saved(sender: Any, instance: Event, **kwargs: Any) -> None:
    # A Verifier's choice of figures, or a merge: the event chooses again.
    if kwargs.get("raw"):
        return
    refresh_day_figures(refresh_events({instance.pk}))


def _grade_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A feed's or an organisation's reliability grade decides which report leads its
    events: they choose again."""
    if kwargs.get("raw"):
        return
    if isinstance(instance, SourceReliability):
        events = events_of_sources(external_source=instance.external_source)
    else:
        events = events_of_sources(organisation_id=instance.pk)
    refresh_day_figures(refresh_events(events))


def _remember_event_reports(sender: Any, instance: Event, **kwargs: Any) -> None:
    # Its reports stand alone once it is gone (their link is set to null in SQL, which
    # sends no signal of theirs).
    instance._figures_report_keys = event_report_keys(instance.pk)  # type: ignore[attr-defined]


def _event_deleted(sender: Any, instance: Event, **kwargs: Any) -> None:
    refresh_day_figures(getattr(instance, "_figures_report_keys", set()))


_KEPT_BY_CALLER: ContextVar[bool] = ContextVar("figures_kept_by_caller", default=False)


@contextmanager
def figures_kept_by_caller() -> Iterator[None]:
    """Saving or deleting damaged assets inside leaves the figures to the caller, which
    brings them up to date itself (ingestion adds what its changes made different)."""
    token = _KEPT_BY_CALLER.set(True)
    try:
        yield
    finally:
        _KEPT_BY_CALLER.reset(token)


def _asset_changed(sender: Any, instance: DamagedAsset, **kwargs: Any) -> None:
    # Assets deleted along with their incident: the incident's own deletion refreshes its
    # day once, instead of once per asset.
    if kwargs.get("raw") or isinstance(kwargs.get("origin"), Incident):
        return
    if _KEPT_BY_CALLER.get():
        return
    incident = (
        Incident.objects.filter(pk=instance.incident_id)
        .values_list("region_id", "occurred_on")
        .first()
    )
    if incident is not None:
        refresh_day_figures({incident})


# -- outages: rewrite the days they touched before and after -------------------------------


def _remember_old(sender: Any, instance: ServiceDisruption, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    old = ServiceDisruption.objects.filter(pk=instance.pk).values_list(*FIELDS).first()
    instance._outage_figures_old = old  # type: ignore[attr-defined]


def _current(instance: ServiceDisruption) -> Outage:
    return tuple(getattr(instance, name) for name in FIELDS)


def _outage_saved(sender: Any, instance: ServiceDisruption, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    old = getattr(instance, "_outage_figures_old", None)
    # As stored (the instance may still hold what a form or caller gave it).
    new = ServiceDisruption.objects.filter(pk=instance.pk).values_list(*FIELDS).first()
    refresh_outage_figures(day_keys(old) | day_keys(new))


def _remember_stored(sender: Any, instance: ServiceDisruption, **kwargs: Any) -> None:
    # The stored values: an instance changed in memory and then deleted counted where
    # its row says, not where its attributes say.
    stored = ServiceDisruption.objects.filter(pk=instance.pk).values_list(*FIELDS).first()
    instance._outage_figures_stored = stored  # type: ignore[attr-defined]


def _outage_deleted(sender: Any, instance: ServiceDisruption, **kwargs: Any) -> None:
    stored = getattr(instance, "_outage_figures_stored", None)
    refresh_outage_figures(day_keys(stored if stored is not None else _current(instance)))


# -- regions: outages counted from households follow their region's household size ---------


def _saves_household_size(instance: Region, kwargs: dict[str, Any]) -> bool:
    update_fields = kwargs.get("update_fields")
    saved = update_fields is None or "household_size" in update_fields
    return saved and instance.pk is not None and not kwargs.get("raw")


def _remember_household_size(sender: Any, instance: Region, **kwargs: Any) -> None:
    if not _saves_household_size(instance, kwargs):
        return
    stored = Region.objects.filter(pk=instance.pk).values_list("household_size").first()
    instance._figures_old_household_size = stored  # type: ignore[attr-defined]


def _region_saved(sender: Any, instance: Region, **kwargs: Any) -> None:
    if kwargs.get("created") or not _saves_household_size(instance, kwargs):
        return
    old = getattr(instance, "_figures_old_household_size", None)
    if old is None or old[0] != instance.household_size:
        recount_outages([instance.pk])


# -- the cache: any write to what figures are computed from invalidates it -----------------


def _cached_figures_stale(sender: Any, **kwargs: Any) -> None:
    figures_changed()


def connect() -> None:
    """Connect every receiver; called once from ``IncidentsConfig.ready``."""
    pre_save.connect(_remember_old_key, sender=Incident, dispatch_uid="day-figures-pre")
    post_save.connect(_incident_saved, sender=Incident, dispatch_uid="day-figures-save")
    post_delete.connect(_incident_deleted, sender=Incident, dispatch_uid="day-figures-delete")
    post_save.connect(_asset_changed, sender=DamagedAsset, dispatch_uid="day-figures-asset")
    post_delete.connect(_asset_changed, sender=DamagedAsset, dispatch_uid="day-figures-asset-d")
    post_save.connect(_event_saved, sender=Event, dispatch_uid="day-figures-event-save")
    pre_delete.connect(_remember_event_reports, sender=Event, dispatch_uid="day-figures-event-pre")
    for graded in (SourceReliability, Organisation):
        name = graded.__name__
        post_save.connect(_grade_changed, sender=graded, dispatch_uid=f"event-grade-{name}")
        post_delete.connect(_grade_changed, sender=graded, dispatch_uid=f"event-grade-d-{name}")
    post_delete.connect(_event_deleted, sender=Event, dispatch_uid="day-figures-event-delete")

    outage = ServiceDisruption
    pre_save.connect(_remember_old, sender=outage, dispatch_uid="outage-figures-pre")
    post_save.connect(_outage_saved, sender=outage, dispatch_uid="outage-figures-save")
    pre_delete.connect(_remember_stored, sender=outage, dispatch_uid="outage-figures-pre-delete")
    post_delete.connect(_outage_deleted, sender=outage, dispatch_uid="outage-figures-delete")

    pre_save.connect(_remember_household_size, sender=Region, dispatch_uid="outage-hh-pre")
    post_save.connect(_region_saved, sender=Region, dispatch_uid="outage-hh-save")

    for name in FIGURE_MODELS:
        model = apps.get_model("incidents", name)
        post_save.connect(_cached_figures_stale, sender=model, dispatch_uid=f"figures-save-{name}")
        post_delete.connect(
            _cached_figures_stale, sender=model, dispatch_uid=f"figures-delete-{name}"
        )
