"""Batch upserts of parsed records on their natural keys.

One batch costs a constant number of queries whatever its size: one read of the rows it
may update, bulk inserts and updates (with their history rows), and the same for an
incident's sources and damaged assets. A record a human edited after ingestion
(``is_curated``) is never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from incidents.bulk import (
    column_name,
    copy_to_history,
    insert_rows,
    one_of,
    update_rows,
)
from incidents.columns import ASSET_FIELDS, INCIDENT_FACTS, SOURCE_FIELDS
from incidents.figures.events import refresh_events
from incidents.figures.hooks import figures_kept_by_caller
from incidents.figures.incidents import NewIncident, add_new_incidents, change_incidents
from incidents.figures.rewrites import refresh_day_figures
from incidents.figures.sums import DAILY, ROLLUPS, SUMMED_FIELDS
from incidents.ingestion.formats import format_of
from incidents.ingestion.gazetteer import Match, NameIndex
from incidents.ingestion.linking import BatchLinks, counted_alone, link_new_rows, store_candidates
from incidents.ingestion.parsers.impact import split_impact_key
from incidents.ingestion.records import BaselineRecord, IncidentRecord, ParsedRow, ShipmentRecord
from incidents.models import (
    DamagedAsset,
    GrainShipment,
    Incident,
    IngestionIssue,
    IngestionRun,
    NeedsBaseline,
    Port,
    Region,
    Source,
    VerificationStatus,
)
from incidents.services.bulk_review import records_verify_bulk
from incidents.sql import ids_condition

Key = tuple[Any, ...]
# The facts an incident record carries as they are; its region is a reference to resolve.
RECORD_FACTS = [name for name in INCIDENT_FACTS if name != "region"]
_record_facts = attrgetter(*RECORD_FACTS)
_source_fields = attrgetter(*SOURCE_FIELDS)
_asset_fields = attrgetter(*ASSET_FIELDS)


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    warnings: int = 0
    published: int = 0  # stored records a trusted run published (changed or not)
    issues: list[IngestionIssue] = field(default_factory=list)

    def add(self, other: BatchOutcome) -> None:
        names = ("created", "updated", "unchanged", "rejected", "skipped", "warnings", "published")
        for name in names:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.issues += other.issues

    def counts(self) -> dict[str, int]:
        return {name: value for name, value in asdict(self).items() if name != "issues"}


@dataclass
class _Pending:
    row: ParsedRow
    key: Key
    values: dict[str, Any]
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Values and children the payload does not carry: a stored row keeps its own.
    absent: frozenset[str] = frozenset()

    def keep_stored(self, current: dict[str, Any], children: dict[str, list[dict]]) -> None:
        """Take the stored row's values and children for what the payload lacks."""
        if not self.absent:
            return
        self.values = {
            name: current[name] if name in self.absent else value
            for name, value in self.values.items()
        }
        self.children = {
            name: children.get(name, []) if name in self.absent else rows
            for name, rows in self.children.items()
        }


class BatchWriter:
    """Shared upsert logic; subclasses say how a record maps to a model row."""

    model: type[Model]
    places: type[Model] = Region  # whose names and codes the gazetteer resolves for it
    compare_children: tuple[str, ...] = ()

    def grown_models(self) -> list[type[Model]]:
        """The tables new records add rows to (for their statistics after a bulk load)."""
        return [self.model, self.model.history.model]  # type: ignore[attr-defined]

    def __init__(self, *, run: IngestionRun, index: NameIndex) -> None:
        self.run = run
        self.format = format_of(run.format)
        self.index = index
        self.reason = f"Ingested by run {run.public_id}" + (
            f" of feed {run.feed.name}" if run.feed_id and run.feed else ""
        )

    # -- per record ---------------------------------------------------------------------
    def key_of(self, record: Any) -> Key:
        raise NotImplementedError

    def values_of(self, record: Any, pending: _Pending, outcome: BatchOutcome) -> str:
        """Fill ``pending.values`` (and children); return an error text to reject the row."""
        raise NotImplementedError

    def existing(self, keys: Sequence[Key], fields: list[str]) -> dict[Key, dict[str, Any]]:
        """The stored rows of these keys: ``id``, ``is_curated`` and ``fields`` of each."""
        raise NotImplementedError

    def new_row(self, pending: _Pending, now: Any) -> dict[str, Any]:
        """The new row's values by field attname (the rest take their defaults)."""
        return {**pending.values, "last_ingestion_run_id": self.run.pk}

    def write_children(self, created: list[tuple[int, _Pending]], replaced: list[Any]) -> None:
        """Write sources/assets of new rows and replace those of changed rows."""

    def children_of(self, ids: list[int]) -> dict[int, dict[str, list[dict]]]:
        return {}

    def change_of(
        self, current: dict[str, Any], children: dict[str, list[dict]], item: _Pending
    ) -> Any:
        """What ``after_batch`` needs to know of a row about to be changed: called with
        its stored values and children, and what it becomes."""
        return None

    def before_create(self, to_create: list[tuple[dict[str, Any], _Pending]]) -> None:
        """Adjust the new rows' values (by attname) before they are inserted."""

    def after_batch(self, created: list[tuple[int, _Pending]], changes: list[Any]) -> None:
        """Called with the new rows (id and what was written) and what ``change_of`` said
        of each changed row, once they and their children are written (same
        transaction)."""

    def merge(self, current: dict[str, Any], item: _Pending) -> None:
        """Adjust what a stored row becomes (called before it is compared with it)."""

    def publishes(self, current: dict[str, Any]) -> bool:
        """Whether this run publishes the stored row (a trusted source's record that still
        awaits review), whether or not the payload changes it."""
        return False

    def publish(self, ids: list[int]) -> int:
        """Publish these stored rows (after the batch is written); how many were."""
        return 0

    # -- batch ----------------------------------------------------------------------------
    def issue(self, outcome: BatchOutcome, row: ParsedRow, level: str, reason: str) -> None:
        outcome.issues.append(
            IngestionIssue(
                run=self.run,
                row_number=row.row_number,
                level=level,
                reason=_storable(reason),
                raw=_storable(row.raw),
            )
        )
        if level == IngestionIssue.Level.WARNING:
            outcome.warnings += 1

    def _prepare(self, rows: Sequence[ParsedRow], outcome: BatchOutcome) -> dict[Key, _Pending]:
        pending: dict[Key, _Pending] = {}
        for row in rows:
            for warning in row.warnings:
                self.issue(outcome, row, IngestionIssue.Level.WARNING, warning)
            if row.skip_reason:
                outcome.skipped += 1
                # Without its values: a feed may skip tens of thousands of rows a run.
                outcome.issues.append(
                    IngestionIssue(
                        run=self.run,
                        row_number=row.row_number,
                        level=IngestionIssue.Level.SKIPPED,
                        reason=_storable(row.skip_reason),
                    )
                )
                continue
            if row.error or row.record is None:
                outcome.rejected += 1
                self.issue(outcome, row, IngestionIssue.Level.REJECTED, row.error or "no record")
                continue
            item = _Pending(row=row, key=self.key_of(row.record), values={})
            error = self.values_of(row.record, item, outcome)
            if error:
                outcome.rejected += 1
                self.issue(outcome, row, IngestionIssue.Level.REJECTED, error)
                continue
            earlier = pending.pop(item.key, None)
            if earlier is not None:
                outcome.skipped += 1
                reason = f"superseded by row {row.row_number} with the same id"
                self.issue(outcome, earlier.row, IngestionIssue.Level.WARNING, reason)
            pending[item.key] = item
        return pending

    def write(self, rows: Sequence[ParsedRow]) -> BatchOutcome:
        """Write a batch; on a database error find and reject the rows that caused it."""
        try:
            with transaction.atomic():
                return self._write(rows)
        except (IntegrityError, DataError) as error:
            if len(rows) == 1:
                # What _write recorded went with its rollback: record the row's warnings
                # and its rejection here.
                row = rows[0]
                outcome = BatchOutcome(rejected=1)
                for warning in row.warnings:
                    self.issue(outcome, row, IngestionIssue.Level.WARNING, warning)
                self.issue(outcome, row, IngestionIssue.Level.REJECTED, f"database: {error}")
                IngestionIssue.objects.bulk_create(outcome.issues)
                return outcome
        outcome = BatchOutcome()
        for row in rows:
            outcome.add(self.write([row]))
        return outcome

    def _write(self, rows: Sequence[ParsedRow]) -> BatchOutcome:
        outcome = BatchOutcome()
        pending = self._prepare(rows, outcome)
        fields = sorted({name for item in pending.values() for name in item.values})
        existing = self.existing(list(pending), fields)
        current_children = self.children_of([row["id"] for row in existing.values()])
        now = timezone.now()
        to_create: list[tuple[dict[str, Any], _Pending]] = []
        to_update: list[Any] = []
        changes: list[Any] = []
        replaced: list[tuple[Any, _Pending]] = []
        changed_fields: set[str] = set()
        to_publish: list[int] = []
        for key, item in pending.items():
            current = existing.get(key)
            if current is None:
                to_create.append((self.new_row(item, now), item))
                continue
            if current["is_curated"]:
                outcome.skipped += 1
                reason = "edited by staff after ingestion; the feed does not overwrite it"
                self.issue(outcome, item.row, IngestionIssue.Level.WARNING, reason)
                continue
            if self.publishes(current):
                to_publish.append(current["id"])
            children = current_children.get(current["id"], {})
            item.keep_stored(current, children)
            self.merge(current, item)
            changed = [name for name, value in item.values.items() if current[name] != value]
            children_changed = any(
                children.get(name, []) != item.children.get(name, [])
                for name in self.compare_children
            )
            if not changed and not children_changed:
                outcome.unchanged += 1
                continue
            changes.append(self.change_of(current, children, item))
            # Only the changed fields are written; the instance carries the new values.
            instance: Any = self.model(**{**current, **item.values})
            instance.updated_at = now
            instance.last_ingestion_run = self.run
            changed_fields.update(changed)
            to_update.append(instance)
            if children_changed:
                replaced.append((instance, item))
        self.before_create(to_create)
        created = self._save(to_create, to_update, changed_fields)
        self.write_children(created, replaced)
        self.after_batch(created, changes)
        if to_publish:
            outcome.published += self.publish(to_publish)
        outcome.created += len(to_create)
        outcome.updated += len(to_update)
        IngestionIssue.objects.bulk_create(outcome.issues)
        return outcome

    def _save(
        self, to_create: list, to_update: list, changed_fields: set[str]
    ) -> list[tuple[int, _Pending]]:
        ids = insert_rows(self.model, [row for row, _ in to_create])
        if ids:
            self._record_history(ids, "+")
        if to_update:
            fields = [*sorted(changed_fields), "updated_at", "last_ingestion_run"]
            update_rows(self.model, to_update, fields)
            self._record_history([obj.pk for obj in to_update], "~")
        return list(zip(ids, (item for _, item in to_create), strict=True))

    def _record_history(self, ids: list[int], history_type: str) -> None:
        copy_to_history(
            self.model, ids, history_type, reason=self.reason, user_id=self.run.triggered_by_id
        )


def _storable(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL refuses in text and JSON: an
    issue about a row holding one must not fail the batch it reports on."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def _sorted_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Children compare as sets: order them by their values (None-safe)."""
    rows = list(rows)
    if len(rows) < 2:
        return rows
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


def _child_rows(
    records: Sequence[Any], names: Sequence[str], values: attrgetter
) -> list[dict[str, Any]]:
    # A shallow copy of the record's flat fields (dataclasses.asdict copies deeply, slowly).
    return _sorted_rows(dict(zip(names, values(record), strict=True)) for record in records)


class ChangedReport(NamedTuple):
    before: NewIncident  # what the report counted as stored
    after: NewIncident  # what it counts as the feed now says
    event_id: int | None
    alone: bool  # counted with its own figures (no event, not waiting in the queue)


def _counted(values: dict[str, Any], assets: list[dict[str, Any]]) -> NewIncident:
    """What an incident with these values and damaged assets counts in the figures."""
    return NewIncident.of(values, ((row["asset_type"], row["count"]) for row in assets))


class IncidentWriter(BatchWriter):
    model = Incident
    compare_children = ("sources", "assets")

    def grown_models(self) -> list[type[Model]]:
        # The summed figures new incidents add rows to.
        figures = [table.model for table in (*DAILY, *ROLLUPS)]
        return [*super().grown_models(), Source, DamagedAsset, *figures]

    def change_of(
        self, current: dict[str, Any], children: dict[str, list[dict]], item: _Pending
    ) -> ChangedReport:
        """What the changed report counted in the figures, what it counts now, and
        whether it counts alone, through its event, or not at all (waiting in the queue)."""
        return ChangedReport(
            _counted(current, children.get("assets", [])),
            _counted({**current, **item.values}, item.children["assets"]),
            current["event_id"],
            counted_alone(current),
        )

    def publishes(self, current: dict[str, Any]) -> bool:
        # A trusted re-ingest publishes what an earlier, untrusted run of the source left
        # awaiting review; rejected records stay rejected.
        return (
            self.run.record_status == VerificationStatus.VERIFIED
            and current["status"] == VerificationStatus.SUBMITTED
        )

    def publish(self, ids: list[int]) -> int:
        result = records_verify_bulk(
            model=Incident, ids=ids, by=None, reason=f"{self.reason} (a trusted source)"
        )
        return len(result.done)

    def before_create(self, to_create: list[tuple[dict[str, Any], _Pending]]) -> None:
        """Link each new report to the event it repeats, or queue it, as it is written."""
        self.links = link_new_rows(
            [row for row, _ in to_create],
            [item.children["sources"] for _, item in to_create],
            reason=self.reason,
        )

    def after_batch(
        self,
        created: list[tuple[int, _Pending]],
        changes: list[ChangedReport],
    ) -> None:
        """Bring the figures up to date: new reports that stand alone are added to them,
        and what a changed one counted before is taken out of them and what it counts now
        put in; the events that gained or changed a report choose their figures again
        and their days are rewritten. Queued reports count nowhere yet."""
        links = getattr(self, "links", BatchLinks())
        store_candidates([pk for pk, _ in created], links)
        add_new_incidents(
            _counted({**item.values, "status": self.run.record_status}, item.children["assets"])
            for index, (_, item) in enumerate(created)
            if links.stands_alone(index)
        )
        events = set(links.events)
        alone = []
        moved_from: set[tuple[int | None, Any]] = set()
        for change in changes:
            if change.alone:
                alone.append((change.before, change.after))
            elif change.event_id is not None:
                # Its event chooses again; the day it was counted on may be left behind.
                events.add(change.event_id)
                moved_from.add((change.before.region_id, change.before.occurred_on))
            # A report waiting in the duplicates queue counts nowhere, before or after.
        change_incidents(alone)
        if events:
            refresh_day_figures(refresh_events(events) | moved_from)

    def key_of(self, record: IncidentRecord) -> Key:
        if self.format.ids_name_their_source:
            return split_impact_key(record.external_id)
        return (self.run.external_source, record.external_id)

    def values_of(self, record: IncidentRecord, pending: _Pending, outcome: BatchOutcome) -> str:
        resolution = self.index.resolve(record.region_ref)
        if resolution.match == Match.UNKNOWN:
            return f"region: '{record.region_ref}' is not a known region"
        if resolution.match == Match.NOT_A_REGION:
            reason = f"'{record.region_ref}' is not a region; kept without a region"
            self.issue(outcome, pending.row, IngestionIssue.Level.WARNING, reason)
        external_source, external_id = pending.key
        pending.values = {
            "external_source": external_source,
            "external_id": external_id,
            "region_id": resolution.id,
            **dict(zip(RECORD_FACTS, _record_facts(record), strict=True)),
        }
        pending.children = {
            "sources": _child_rows(record.sources, SOURCE_FIELDS, _source_fields),
            "assets": _child_rows(record.assets, ASSET_FIELDS, _asset_fields),
        }
        if record.absent:
            pending.absent = frozenset(
                "region_id" if name == "region_ref" else name for name in record.absent
            )
        return ""

    def existing(self, keys: Sequence[Key], fields: list[str]) -> dict[Key, dict[str, Any]]:
        by_source: dict[str, list[str]] = {}
        for source, external_id in keys:
            by_source.setdefault(source, []).append(external_id)
        condition = Q(pk__in=[])
        for source, ids in by_source.items():
            condition |= Q(external_source=source) & one_of(Incident, "external_id", ids)
        # Repeating the unique index's condition lets SQLite use that partial index.
        incidents = Incident.objects.filter(condition).exclude(external_id="")
        # The status and the summed counts too, which a feed may not carry: what a
        # changed incident counted in the figures depends on them.
        columns = dict.fromkeys(
            [
                "id",
                "is_curated",
                "status",
                "event_id",
                "awaiting_match_since",
                *SUMMED_FIELDS,
                *fields,
            ]
        )
        return {
            (found["external_source"], found["external_id"]): found
            for found in incidents.values(*columns)
        }

    def new_row(self, pending: _Pending, now: Any) -> dict[str, Any]:
        status = self.run.record_status
        return {
            **pending.values,
            "last_ingestion_run_id": self.run.pk,
            "organisation_id": self.run.organisation_id,
            "status": status,
            "verified_at": now if status == VerificationStatus.VERIFIED else None,
        }

    def children_of(self, ids: list[int]) -> dict[int, dict[str, list[dict]]]:
        found: dict[int, dict[str, list[dict]]] = {}
        if not ids:
            return found
        quote = connection.ops.quote_name
        condition, params = ids_condition("incident_id", ids)
        # Plain rows: thousands per batch, which the ORM's row building would slow down.
        with connection.cursor() as cursor:
            for name, model, fields in (
                ("sources", Source, SOURCE_FIELDS),
                ("assets", DamagedAsset, ASSET_FIELDS),
            ):
                columns = ", ".join(quote(column_name(model._meta.get_field(f))) for f in fields)
                cursor.execute(
                    f"SELECT incident_id, {columns} FROM {quote(model._meta.db_table)} "
                    f"WHERE {condition}",
                    params,
                )
                for incident_id, *values in cursor.fetchall():
                    row = dict(zip(fields, values, strict=True))
                    found.setdefault(incident_id, {}).setdefault(name, []).append(row)
        return {
            pk: {name: _sorted_rows(rows) for name, rows in children.items()}
            for pk, children in found.items()
        }

    def write_children(self, created: list[tuple[int, _Pending]], replaced: list[Any]) -> None:
        if replaced:
            ids = [instance.pk for instance, _ in replaced]
            Source.objects.filter(incident_id__in=ids).delete()
            # after_batch adds to the figures what the changes made different; a refresh
            # of the day for each deleted asset would also have counted it twice.
            with figures_kept_by_caller():
                DamagedAsset.objects.filter(incident_id__in=ids).delete()
        sources, assets = [], []
        for pk, item in [*created, *((instance.pk, item) for instance, item in replaced)]:
            sources += [{**row, "incident_id": pk} for row in item.children["sources"]]
            assets += [{**row, "incident_id": pk} for row in item.children["assets"]]
        # Without history rows of their own: they are the feed's, written with their
        # incident, whose history names the run; the cost of ingestion halves.
        insert_rows(Source, sources)
        insert_rows(DamagedAsset, assets)


class ShipmentWriter(BatchWriter):
    """JCC cargo lines, one record per voyage, commodity and destination whichever table
    (the plain one or the HXL workbook, under any source name) brought it. The record
    keeps what each source said (``reported``); a table that lacks a column (the HXL
    workbook has no WFP column) leaves that field as it is."""

    model = GrainShipment
    places = Port
    FACTS = (
        "departure_port_id",
        "is_additional_cargo",
        "vessel_name",
        "imo",
        "departed_on",
        "tonnes",
        "income_group",
        "is_wfp",
    )

    def key_of(self, record: ShipmentRecord) -> Key:
        return (record.voyage_number, record.commodity, record.destination_country)

    def values_of(self, record: ShipmentRecord, pending: _Pending, outcome: BatchOutcome) -> str:
        resolution = self.index.resolve(record.departure_port_ref)
        if resolution.match != Match.FOUND:
            return f"departure port: '{record.departure_port_ref}' is not a known port"
        facts: dict[str, Any] = {
            "departure_port_id": resolution.id,
            "is_additional_cargo": record.is_additional_cargo,
            "vessel_name": record.vessel_name,
            "imo": record.imo,
            "departed_on": record.departed_on,
            "tonnes": record.tonnes,
            "income_group": record.income_group,
            "is_wfp": record.is_wfp,
        }
        said = {
            name: value.isoformat() if name == "departed_on" else value
            for name, value in facts.items()
            if name not in record.absent
        }
        pending.values = {
            "voyage_number": record.voyage_number,
            "commodity": record.commodity,
            "destination_country": record.destination_country,
            **facts,
            "reported": {self.run.external_source: said},
        }
        pending.absent = record.absent
        return ""

    def merge(self, current: dict[str, Any], item: _Pending) -> None:
        # Every source's account is kept; this run's replaces only its own source's.
        item.values["reported"] = {**(current["reported"] or {}), **item.values["reported"]}

    def new_row(self, pending: _Pending, now: Any) -> dict[str, Any]:
        return {
            **pending.values,
            "external_source": self.run.external_source,
            "last_ingestion_run_id": self.run.pk,
        }

    def existing(self, keys: Sequence[Key], fields: list[str]) -> dict[Key, dict[str, Any]]:
        voyages = {key[0] for key in keys}
        shipments = GrainShipment.objects.filter(voyage_number__in=voyages).values(
            "id", "is_curated", *fields
        )
        return {
            (found["voyage_number"], found["commodity"], found["destination_country"]): found
            for found in shipments
        }


class BaselineWriter(BatchWriter):
    """A needs assessment's figures, one row per region; the run's source names the assessment."""

    model = NeedsBaseline
    FIGURES = ("population", "people_affected", "people_in_need")

    def key_of(self, record: BaselineRecord) -> Key:
        resolution = self.index.resolve(record.region_ref)
        found = resolution.match == Match.FOUND
        return (self.run.external_source, resolution.id if found else record.region_ref)

    def values_of(self, record: BaselineRecord, pending: _Pending, outcome: BatchOutcome) -> str:
        external_source, region_id = pending.key
        if not isinstance(region_id, int):
            return f"region: '{record.region_ref}' is not a known region"
        year = self.run.options.get("baseline_year")
        pending.values = {
            "external_source": external_source,
            "region_id": region_id,
            "reference_year": int(year) if year else None,
            **{name: getattr(record, name) for name in self.FIGURES},
        }
        return ""

    def existing(self, keys: Sequence[Key], fields: list[str]) -> dict[Key, dict[str, Any]]:
        region_ids = [region_id for _, region_id in keys if isinstance(region_id, int)]
        baselines = NeedsBaseline.objects.filter(
            external_source=self.run.external_source, region_id__in=region_ids
        ).values("id", "is_curated", *fields)
        return {(found["external_source"], found["region_id"]): found for found in baselines}


WRITERS: tuple[type[BatchWriter], ...] = (IncidentWriter, ShipmentWriter, BaselineWriter)


def writer_class(format: str) -> type[BatchWriter]:
    """The writer of the model the format's records go to."""
    label = format_of(format).model
    return next(writer for writer in WRITERS if writer.model._meta.label == label)
