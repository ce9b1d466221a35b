"""`make bench`, linking's cost: a second source's file ingested into a database that
already holds a first source's reports of the same days and oblasts, once as ingestion
runs (each batch's new rows matched against the stored reports and linked, queued or left
alone) and once with the matching taken out, from the same starting state.

Both files come from `bench.generate.write_two_sources`: some second reports cite the
first's article, some agree on an exact site and a time, some only on the day, settlement
and type, and the rest are other attacks. The state is rebuilt before each run (tables
emptied, the first file ingested, the tables vacuumed), so both runs write the same rows
into the same tables.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

LIMIT = 0.20  # the bound on linking's share


def _reset(first: Path) -> None:
    """The starting state: only the first source's reports (and their figures)."""
    from django.db import connection

    from bench.run import empty_data, ingest

    empty_data()
    ingest(first)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _without_linking() -> Any:
    """Ingestion with the matching taken out: every new row stands alone."""
    from incidents.events.deciding import Found
    from incidents.events.matching import Verdict
    from incidents.ingestion.linking import BatchLinks

    def alone(rows: Sequence[dict[str, Any]], *args: Any, **kwargs: Any) -> BatchLinks:
        return BatchLinks(found=[Found(Verdict.NEW)] * len(rows))

    return mock.patch("incidents.ingestion.writers.link_new_rows", side_effect=alone)


def _outcome() -> dict[str, dict[str, int]]:
    """The second source's reports by what the generator made them and what linking did."""
    from django.db.models import Count, Q

    from bench.generate import KINDS, SECOND_SOURCE
    from incidents.models import Incident

    counted: dict[str, dict[str, int]] = {}
    rows = Incident.objects.filter(external_source=SECOND_SOURCE)
    for letter, kind in KINDS.items():
        counted[kind] = rows.filter(external_id__startswith=letter).aggregate(
            linked=Count("pk", filter=Q(event__isnull=False)),
            queued=Count("pk", filter=Q(awaiting_match_since__isnull=False)),
            rows=Count("pk"),
        )
        counted[kind]["new"] = counted[kind]["rows"] - counted[kind]["linked"]
        counted[kind]["new"] -= counted[kind]["queued"]
    return counted


def bench_linking_cost(folder: Path, size: int, *, profile: bool = False) -> dict[str, Any]:
    """Both runs, without linking first; with ``profile``, the run with linking under
    cProfile (its 40 costliest calls by cumulative time under ``"profile"``)."""
    from bench.generate import write_two_sources
    from bench.run import ingest

    first, second = folder / "first-source.csv", folder / "second-source.csv"
    write_two_sources(first, second, size)
    _reset(first)
    with _without_linking():
        without, run = ingest(second)
    assert run.created == size, (run.created, size)
    _reset(first)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    with_linking, run = ingest(second)
    if profiler is not None:
        profiler.disable()
    assert run.created == size, (run.created, size)
    cost = {
        "rows": size,
        "with_seconds": with_linking,
        "without_seconds": without,
        "outcome": _outcome(),
    }
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        cost["profile"] = text.getvalue()
    return cost


def linking_share(cost: dict[str, Any]) -> float:
    return (cost["with_seconds"] - cost["without_seconds"]) / cost["without_seconds"]


def report_linking_cost(cost: dict[str, Any]) -> list[str]:
    share = linking_share(cost)
    outcome = cost["outcome"]
    lines = [
        f"## Linking's cost ({cost['rows']:,} rows of a second source, "
        f"{cost['rows']:,} of a first already stored)",
        "",
        "| run | seconds | rows/s |",
        "|---|---|---|",
        f"| ingestion without linking | {cost['without_seconds']:.1f} | "
        f"{cost['rows'] / cost['without_seconds']:,.0f} |",
        f"| ingestion with linking | {cost['with_seconds']:.1f} | "
        f"{cost['rows'] / cost['with_seconds']:,.0f} |",
        "",
        f"Linking's share: {share:.1%} of ingestion without it (at most {LIMIT:.0%}: "
        f"{'met' if share <= LIMIT else 'NOT met'}).",
        "",
        "| second reports | rows | linked | queued | new |",
        "|---|---|---|---|---|",
    ]
    total = {"rows": 0, "linked": 0, "queued": 0, "new": 0}
    for kind, counted in outcome.items():
        lines.append(
            f"| {kind} | {counted['rows']:,} | {counted['linked']:,} | {counted['queued']:,} | "
            f"{counted['new']:,} |"
        )
        for name in total:
            total[name] += counted[name]
    lines += [
        f"| all | {total['rows']:,} | {total['linked']:,} | {total['queued']:,} | "
        f"{total['new']:,} |",
        "",
        "key: cites the first report's article; close: an exact site within 300 m and a time",
        "within 20 minutes of it; place: its day (or the next), settlement and type only;",
        "other: another attack.",
        "",
    ]
    return lines


def linking_cost_line(cost: dict[str, Any]) -> str:
    return f"linking_share={linking_share(cost):.3f}"
