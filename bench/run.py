"""`make bench`: ingestion, API and dashboards at 10,000 / 100,000 / 1,000,000 incidents.

Every number is set against a reference measured in the same run on the same machine:

- ingestion against PostgreSQL's own limit for the same rows (COPY into a staging table,
  then one INSERT ... ON CONFLICT DO UPDATE);
- the API list against a plain Django view returning the same 50 rows, with the same
  columns, through `.values()` and JsonResponse;
- the dashboards against one raw `GROUP BY region, day` over all incidents;
- verifying 10,000 submitted incidents through the review service against one bare
  `UPDATE` plus one `INSERT ... SELECT` of their history rows (`bench/review.py`);
- linking second reports to events: precision and recall of automatic links on real
  events of ../shared/data, no database (`bench/linking.py`);
- linking's cost: a second source's file ingested over a first source's reports of the
  same days and oblasts, against the same ingestion with the matching taken out
  (`bench/linking_cost.py`).

It works in its own database (`impact_bench` on the server of DATABASE_URL, or the one
`--database` names, dropped and created afresh), never in the application's. Results go to
bench/results/<date>.md. `--only review` measures the review part alone (a minute),
`--only linking` linking's cost alone (`--profile` adds where its time goes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BENCH_DATABASE = "impact_bench"
SIZES = (10_000, 100_000, 1_000_000)
INGEST_SIZE = 100_000
CONNECTIONS = (1, 16, 64)
API_REGION = "UA14"  # Donetska: the busiest region, the largest pages to filter
EXPORT_REGION = "UA46"  # Lvivska: about 1 in 140 incidents, a realistic export


# -- setup --------------------------------------------------------------------------------


def bench_database_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://...")
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def recreate_database(url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def configure(database_url: str) -> dict[str, str]:
    environment = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_ANON": "100000000/minute",
        "API_THROTTLE_PARTNER": "100000000/minute",
        "API_THROTTLE_ANON_SUSTAINED": "",
        "API_THROTTLE_PARTNER_SUSTAINED": "",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "plain",
        "INGESTION_ALLOW_PRIVATE_ADDRESSES": "true",
    }
    os.environ.update(environment)
    return environment


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


# -- data -----------------------------------------------------------------------------------

REFERENCE_TABLES = {
    "bench_reference": "incidents_incident",
    "bench_reference_source": "incidents_source",
    "bench_reference_asset": "incidents_damagedasset",
}


DATA_TABLES = (
    "incidents_incidentdayfigures",
    "incidents_assetdayfigures",
    "incidents_incidentmonthfigures",
    "incidents_assetmonthfigures",
    "incidents_incidentweekfigures",
    "incidents_outagedayfigures",
    "incidents_source",
    "incidents_damagedasset",
    "incidents_servicedisruption",
    "incidents_matchcandidate",
    "incidents_distinctreports",
    "incidents_incident",
    "incidents_event",
    "incidents_tombstone",
    "incidents_historicalincident",
    "incidents_historicalevent",
    "incidents_historicalsource",
    "incidents_historicaldamagedasset",
    "incidents_historicalservicedisruption",
    "incidents_ingestionissue",
    "incidents_ingestionrun",
    *REFERENCE_TABLES,
)


def empty_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = ", ".join(table for table in DATA_TABLES if table in existing)
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def add_outages() -> int:
    """One outage per five incidents, caused by them: most restored within three days."""
    from django.db import connection

    from incidents.figures.outages import rebuild_outage_figures

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO incidents_servicedisruption (
                created_at, updated_at, public_id, status, rejection_reason, external_source,
                external_id, service, settlement, facility, started_at, restored_at,
                people_affected, description, region_id, incident_id, organisation_id,
                is_curated, verified_at)
            SELECT now(), now(), gen_random_uuid(), 'verified', '', 'synthetic',
                'O' || i.id, (ARRAY['electricity', 'water', 'heating', 'health_care',
                'telecom'])[1 + i.id % 5], '', '', s.started,
                CASE WHEN i.id % 100 = 0 THEN NULL
                     ELSE s.started + (1 + random() * 71) * interval '1 hour' END,
                (100 + random() * 20000)::int, '[SYNTHETIC]', i.region_id, i.id,
                i.organisation_id, false, now()
            FROM incidents_incident i
            CROSS JOIN LATERAL (SELECT i.occurred_on + random() * interval '20 hours'
                                AS started) s
            WHERE i.id % 5 = 0 AND i.region_id IS NOT NULL
            """
        )
        count = cursor.rowcount
    # Written by SQL, past the signals that keep the daily outage figures.
    rebuild_outage_figures()
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load (statistics, visibility map); a server
        # with autovacuum off would otherwise be measured on a table it never saw.
        cursor.execute("VACUUM ANALYZE")
    return count


def ingest(path: Path) -> tuple[float, Any]:
    from incidents.ingestion import services
    from incidents.models import IngestionRun

    run = services.ingestion_run_create(
        location=str(path),
        format="impact-csv",
        trigger=IngestionRun.Trigger.COMMAND,
        record_status="verified",
    )
    return timed(lambda: services.ingestion_run_execute(run_id=run.pk))


def ingest_in_child(path: Path, environment: dict[str, str]) -> dict[str, Any]:
    """Ingest in a fresh process and report its peak memory (the file is streamed), and
    that of the parser process it starts."""
    code = (
        "import json, pathlib, resource, sys, django; django.setup(); "
        "from bench.run import ingest; "
        "seconds, run = ingest(pathlib.Path(sys.argv[1])); "
        "print(json.dumps({'seconds': seconds, 'created': run.created, "
        "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
        "'parser_peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- 1. ingestion -----------------------------------------------------------------------------


def reference_upsert(path: Path, *, with_children: bool = False) -> float:
    """PostgreSQL's own limit for the same rows: COPY into staging, one upsert.

    ``with_children`` also writes each incident's sources and assets from the file's JSON
    columns (replacing those of incidents already there), the rest of what ingestion
    stores; the issue's reference, and the ratio, are without.
    """
    from django.db import connection, transaction

    from incidents.columns import INCIDENT_COLUMNS

    with connection.cursor() as cursor:
        for table, like in REFERENCE_TABLES.items():
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (LIKE {like} INCLUDING ALL)")
        cursor.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS bench_reference_key "
            "ON bench_reference (external_source, external_id)"
        )
        cursor.execute(f"TRUNCATE {', '.join(REFERENCE_TABLES)}")
    columns = ", ".join(f"{name} text" for name in INCIDENT_COLUMNS)

    def load() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE bench_staging ({columns}) ON COMMIT DROP")
            with (
                path.open("rb") as handle,
                cursor.copy("COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            returning = " RETURNING id, external_source, external_id" if with_children else ""
            if with_children:
                cursor.execute(
                    "CREATE TEMP TABLE bench_written (id bigint, external_source text, "
                    "external_id text) ON COMMIT DROP"
                )
            cursor.execute(
                ("WITH written AS (" if with_children else "")
                + """
                INSERT INTO bench_reference (
                    created_at, updated_at, public_id, status, rejection_reason,
                    external_source, external_id, occurred_on, date_precision, settlement,
                    location_precision, incident_type, killed, injured, children_killed,
                    children_injured, description, is_curated, region_id, verified_at)
                SELECT now(), now(), gen_random_uuid(), s.status, '', s.external_source,
                    s.external_id, s.occurred_on::date, s.date_precision,
                    coalesce(s.settlement, ''), s.location_precision, s.incident_type,
                    s.killed::int, s.injured::int, s.children_killed::int,
                    s.children_injured::int, coalesce(s.description, ''), false, r.id, now()
                FROM bench_staging s LEFT JOIN incidents_region r ON r.pcode = s.region_pcode
                ON CONFLICT (external_source, external_id) DO UPDATE SET
                    occurred_on = EXCLUDED.occurred_on, incident_type = EXCLUDED.incident_type,
                    killed = EXCLUDED.killed, injured = EXCLUDED.injured,
                    children_killed = EXCLUDED.children_killed,
                    children_injured = EXCLUDED.children_injured,
                    description = EXCLUDED.description, region_id = EXCLUDED.region_id,
                    updated_at = now()
                """
                + returning
                + (") INSERT INTO bench_written SELECT * FROM written" if with_children else "")
            )
            if not with_children:
                return
            cursor.execute(
                "DELETE FROM bench_reference_source WHERE incident_id IN "
                "(SELECT id FROM bench_written)"
            )
            cursor.execute(
                "DELETE FROM bench_reference_asset WHERE incident_id IN "
                "(SELECT id FROM bench_written)"
            )
            cursor.execute(
                """
                INSERT INTO bench_reference_source (created_at, updated_at, public_id,
                    incident_id, name, kind, title, url, published_on)
                SELECT now(), now(), gen_random_uuid(), w.id, e->>'name', e->>'kind',
                    coalesce(e->>'title', ''), coalesce(e->>'url', ''),
                    (e->>'published_on')::date
                FROM bench_staging s
                JOIN bench_written w USING (external_source, external_id)
                CROSS JOIN LATERAL jsonb_array_elements(s.sources::jsonb) e
                """
            )
            cursor.execute(
                """
                INSERT INTO bench_reference_asset (created_at, updated_at, public_id,
                    incident_id, asset_type, name, count, damage_level, notes)
                SELECT now(), now(), gen_random_uuid(), w.id, e->>'asset_type',
                    coalesce(e->>'name', ''), (e->>'count')::int, e->>'damage_level',
                    coalesce(e->>'notes', '')
                FROM bench_staging s
                JOIN bench_written w USING (external_source, external_id)
                CROSS JOIN LATERAL jsonb_array_elements(s.assets::jsonb) e
                """
            )

    seconds, _ = timed(load)
    return seconds


def bench_ingestion(folder: Path) -> dict[str, Any]:
    from bench.generate import write_incidents

    path = write_incidents(folder / "incidents-middle.csv", INGEST_SIZE)
    changed = write_incidents(
        folder / "incidents-middle-changed.csv", INGEST_SIZE, changed_every=10
    )
    reference = reference_upsert(path)
    reference_children = reference_upsert(path, with_children=True)
    first, run = ingest(path)
    again, run_again = ingest(path)
    changed_seconds, run_changed = ingest(changed)
    return {
        "rows": INGEST_SIZE,
        "reference_seconds": reference,
        "reference_children_seconds": reference_children,
        "first_seconds": first,
        "first_created": run.created,
        "again_seconds": again,
        "again_unchanged": run_again.unchanged,
        "changed_seconds": changed_seconds,
        "changed_updated": run_changed.updated,
    }


# -- 2. dashboards ---------------------------------------------------------------------------


def raw_group_by() -> float:
    from django.db import connection

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT region_id, occurred_on, count(*), sum(killed), sum(injured) "
                "FROM incidents_incident WHERE status = 'verified' "
                "GROUP BY region_id, occurred_on"
            )
            cursor.fetchall()

    return statistics.median(timed(query)[0] for _ in range(3))


def bench_dashboards(size: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    pages = {
        "overview": "/dashboards/",
        "region": f"/dashboards/regions/{API_REGION}/",
        "grain": "/dashboards/grain/",
    }
    results: dict[str, Any] = {"size": size, "reference_seconds": raw_group_by()}
    for name, url in pages.items():
        for state in ("cold", "warm"):
            times, queries = [], 0
            for _ in range(3):
                if state == "cold":
                    cache.clear()
                else:
                    client.get(url)
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    seconds = time.perf_counter() - start
                assert response.status_code == 200, (url, response.status_code)
                times.append(seconds)
                queries = len(captured.captured_queries)
            results[f"{name}_{state}_seconds"] = statistics.median(times)
            results[f"{name}_{state}_queries"] = queries
    return results


# -- 3. API ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(environment: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "impact.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(os.cpu_count() or 2),
            "--no-control-socket",
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def parse_wrk(output: str) -> dict[str, float]:
    def milliseconds(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rate,
        "p50_ms": milliseconds(latency["50"]),
        "p99_ms": milliseconds(latency["99"]),
        "errors": int(errors.group(1)) if errors else 0,
    }


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    threads = min(connections, os.cpu_count() or 2)
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def deep_page(base: str) -> str:
    """The next link of the page 100,000 rows into the list (found by following the
    cursors), as a path: a page as deep as offset=100000, which a page's cost must not
    grow with."""
    from incidents.api.pagination import Keyset
    from incidents.models import Incident, Region

    region = Region.objects.get(pcode=API_REGION)
    incidents = Incident.objects.filter(status="verified", region=region)
    keyset = Keyset.of(incidents.order_by("-occurred_on", "-id"))
    assert keyset is not None
    row = keyset.ordered(incidents.order_by("-occurred_on", "-id")).values("occurred_on", "id")[
        min(100_000, incidents.count() - 51)
    ]
    cursor = keyset.encode(keyset.position(row), reverse=False)
    return f"/api/v1/incidents/?region={API_REGION}&limit=50&cursor={cursor}"


def bench_api(environment: dict[str, str], seconds: int) -> dict[str, Any]:
    process, base = start_gunicorn(environment)
    endpoints = {
        "api_list": f"{base}/api/v1/incidents/?region={API_REGION}&limit=50",
        "plain_list": f"{base}/bench/plain-incidents/?region={API_REGION}",
        "api_list_deep": f"{base}{deep_page(base)}",
        "plain_list_narrow": f"{base}/bench/plain-incidents-narrow/?region={API_REGION}",
        "export_csv": f"{base}/api/v1/incidents/?region={EXPORT_REGION}&format=csv",
        "export_geojson": f"{base}/api/v1/incidents/?region={EXPORT_REGION}&format=geojson",
    }
    results: dict[str, Any] = {}
    try:
        for name, url in endpoints.items():
            subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True)  # it answers
            # Warm every worker: a worker's first request loads what it loads lazily (about
            # a second here), which one request would leave to the measured runs.
            wrk(url, 16, 2)
            # The deep page and the narrow reference only where the ratio is taken.
            levels = (16,) if name in ("api_list_deep", "plain_list_narrow") else CONNECTIONS
            for connections in levels:
                results[f"{name}_{connections}"] = wrk(url, connections, seconds)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return results


# -- report --------------------------------------------------------------------------------------


def report(
    ingestion: dict, memory: dict, dashboards: list[dict], api: dict, review: dict, linking: dict
) -> str:
    from bench.linking import report_section
    from bench.linking_cost import linking_cost_line, report_linking_cost
    from bench.review import report_review, review_ratio

    rows_per_second = ingestion["rows"] / ingestion["first_seconds"]
    reference_rate = ingestion["rows"] / ingestion["reference_seconds"]
    children_rate = ingestion["rows"] / ingestion["reference_children_seconds"]
    again_rate = ingestion["rows"] / ingestion["again_seconds"]
    changed_rate = ingestion["rows"] / ingestion["changed_seconds"]
    lines = [
        f"# Benchmark {dt.datetime.now(dt.UTC).date().isoformat()}",
        "",
        f"Machine: {os.cpu_count()} cores; PostgreSQL on 127.0.0.1. `make bench`.",
        "",
        f"## Ingestion (Impact CSV, {ingestion['rows']:,} incidents with assets and sources)",
        "",
        "| run | seconds | rows/s | vs COPY + upsert |",
        "|---|---|---|---|",
        f"| COPY into staging + INSERT ... ON CONFLICT (reference) | "
        f"{ingestion['reference_seconds']:.1f} | {reference_rate:,.0f} | 1.00 |",
        f"| the same with each incident's sources and assets (not the ratio's reference) | "
        f"{ingestion['reference_children_seconds']:.1f} | {children_rate:,.0f} | "
        f"{children_rate / reference_rate:.2f} |",
        f"| first load ({ingestion['first_created']:,} created) | "
        f"{ingestion['first_seconds']:.1f} | {rows_per_second:,.0f} | "
        f"{rows_per_second / reference_rate:.2f} |",
        f"| same file again ({ingestion['again_unchanged']:,} unchanged) | "
        f"{ingestion['again_seconds']:.1f} | {again_rate:,.0f} | "
        f"{again_rate / reference_rate:.2f} |",
        f"| 10% of rows changed ({ingestion['changed_updated']:,} updated) | "
        f"{ingestion['changed_seconds']:.1f} | {changed_rate:,.0f} | "
        f"{changed_rate / reference_rate:.2f} |",
        "",
        f"{SIZES[-1]:,}-row file in a fresh process: {memory['seconds']:.0f} s "
        f"({memory['created'] / memory['seconds']:,.0f} rows/s), peak memory "
        f"{memory['peak_rss_mb']:.0f} MB (its parser process: "
        f"{memory['parser_peak_rss_mb']:.0f} MB).",
        "",
        "## Dashboards (server time, median of 3; cold = cache cleared)",
        "",
        "| incidents | raw GROUP BY region, day | overview cold | overview warm | region cold "
        "| region warm | grain cold | grain warm | queries (overview cold/warm) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in dashboards:
        lines.append(
            f"| {row['size']:,} | {row['reference_seconds'] * 1000:.0f} ms "
            f"| {row['overview_cold_seconds'] * 1000:.0f} ms "
            f"| {row['overview_warm_seconds'] * 1000:.0f} ms "
            f"| {row['region_cold_seconds'] * 1000:.0f} ms "
            f"| {row['region_warm_seconds'] * 1000:.0f} ms "
            f"| {row['grain_cold_seconds'] * 1000:.0f} ms "
            f"| {row['grain_warm_seconds'] * 1000:.0f} ms "
            f"| {row['overview_cold_queries']} / {row['overview_warm_queries']} |"
        )
    lines += [
        "",
        f"## API at {SIZES[-1]:,} incidents (gunicorn, {os.cpu_count()} workers; wrk)",
        "",
        "| endpoint | connections | requests/s | p50 | p99 | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for key, value in api.items():
        name, connections = key.rsplit("_", 1)
        lines.append(
            f"| {name} | {connections} | {value['rps']:,.0f} | {value['p50_ms']:.1f} ms "
            f"| {value['p99_ms']:.1f} ms | {value['errors']} |"
        )
    first, deep = api["api_list_16"]["rps"], api["api_list_deep_16"]["rps"]
    lines += [
        "",
        "`plain_list` returns the same 23 columns as an API page; `plain_list_narrow`, the",
        "reference of earlier runs, ten of them. `api_list_deep` is the page 100,000 rows into",
        f"the list, reached by its cursor: {deep / first:.2f}x the first page's requests/s.",
        f"Against the narrow reference the API list makes "
        f"{first / api['plain_list_narrow_16']['rps']:.2f}x its requests/s.",
    ]
    smallest, largest = dashboards[0], dashboards[-1]
    lines += ["", *report_review(review)]
    lines += report_linking_cost(linking)
    lines += report_section()
    lines += [
        "```",
        f"ingest_ratio={rows_per_second / reference_rate:.3f}",
        f"api_ratio={api['api_list_16']['rps'] / api['plain_list_16']['rps']:.3f}",
        "dashboard_growth="
        f"{largest['overview_cold_seconds'] / smallest['overview_cold_seconds']:.3f}",
        review_ratio(review),
        linking_cost_line(linking),
        "```",
        "",
    ]
    return "\n".join(lines)


def only_review(folder: Path) -> str:
    """The review part alone, on a table that already holds a middle-sized load."""
    from bench.generate import write_incidents
    from bench.review import bench_review, report_review, review_ratio

    print(f"review: {INGEST_SIZE:,} incidents loaded first ...", flush=True)
    ingest(write_incidents(folder / "incidents-middle.csv", INGEST_SIZE))
    review = bench_review(folder)
    date = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [f"# Benchmark {date}, review part", "", f"Machine: {os.cpu_count()} cores; "]
    lines[-1] += f"PostgreSQL on 127.0.0.1; {INGEST_SIZE:,} verified incidents loaded before."
    lines += ["", *report_review(review), "```", review_ratio(review), "```", ""]
    return "\n".join(lines)


def only_linking(folder: Path, *, profile: bool) -> str:
    """Linking's cost alone."""
    from bench.linking_cost import bench_linking_cost, linking_cost_line, report_linking_cost

    print(f"linking's cost: {INGEST_SIZE:,} rows of a second source ...", flush=True)
    cost = bench_linking_cost(folder, INGEST_SIZE, profile=profile)
    if profile:
        print(cost["profile"], file=sys.stderr)
    date = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [f"# Benchmark {date}, linking's cost", "", f"Machine: {os.cpu_count()} cores; "]
    lines[-1] += "PostgreSQL on 127.0.0.1."
    lines += ["", *report_linking_cost(cost), "```", linking_cost_line(cost), "```", ""]
    return "\n".join(lines)


def main() -> None:
    global SIZES, INGEST_SIZE, BENCH_DATABASE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-seconds", type=int, default=8, help="wrk duration per run")
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="three incident counts, smallest first (default 10000,100000,1000000)",
    )
    parser.add_argument("--only", choices=["review", "linking"], help="measure only this part")
    parser.add_argument(
        "--profile", action="store_true", help="profile the run with linking (to stderr)"
    )
    parser.add_argument(
        "--database", default=BENCH_DATABASE, help="the database to work in (dropped first)"
    )
    arguments = parser.parse_args()
    sizes = tuple(int(size) for size in arguments.sizes.split(","))
    if len(sizes) != 3 or list(sizes) != sorted(sizes):
        sys.exit("--sizes takes three counts, smallest first")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", arguments.database):
        sys.exit("--database takes a plain lower-case name")
    SIZES, INGEST_SIZE, BENCH_DATABASE = sizes, sizes[1], arguments.database
    # Checked first: the API part comes last, after minutes of work.
    if shutil.which("wrk") is None and not arguments.only:
        sys.exit("make bench needs wrk (apt-get install wrk)")
    database_url = bench_database_url(os.environ.get("DATABASE_URL", ""))
    recreate_database(database_url)
    environment = configure(database_url)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from bench.generate import write_incidents
    from bench.linking_cost import bench_linking_cost
    from bench.review import REVIEW_SIZE, bench_review

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if arguments.only:
        with tempfile.TemporaryDirectory(prefix="impact-bench-") as folder:
            if arguments.only == "review":
                text = only_review(Path(folder))
            else:
                text = only_linking(Path(folder), profile=arguments.profile)
        RESULTS.mkdir(parents=True, exist_ok=True)
        date = dt.datetime.now(dt.UTC).date().isoformat()
        (RESULTS / f"{date}-{arguments.only}.md").write_text(text)
        print(text)
        return
    with tempfile.TemporaryDirectory(prefix="impact-bench-") as folder:
        work = Path(folder)
        small, middle, large = SIZES
        print(f"ingestion: {middle:,} rows ...", flush=True)
        ingestion = bench_ingestion(work)
        dashboards = {}
        add_outages()
        print(f"dashboards at {middle:,} ...", flush=True)
        dashboards[middle] = bench_dashboards(middle)
        print(f"review: {REVIEW_SIZE:,} submitted incidents verified ...", flush=True)
        review = bench_review(work)
        print(f"linking's cost: {middle:,} rows of a second source, twice ...", flush=True)
        linking = bench_linking_cost(work, middle, profile=arguments.profile)
        if arguments.profile:
            print(linking["profile"], file=sys.stderr)
        empty_data()
        ingest(write_incidents(work / "incidents-small.csv", small))
        add_outages()
        print(f"dashboards at {small:,} ...", flush=True)
        dashboards[small] = bench_dashboards(small)
        empty_data()
        print(f"ingestion: {large:,} rows in a fresh process ...", flush=True)
        big = write_incidents(work / "incidents-large.csv", large)
        memory = ingest_in_child(big, environment)
        add_outages()
        print(f"dashboards at {large:,} ...", flush=True)
        dashboards[large] = bench_dashboards(large)
        print(f"API at {large:,} ...", flush=True)
        api = bench_api(environment, arguments.api_seconds)
    text = report(ingestion, memory, [dashboards[size] for size in SIZES], api, review, linking)
    text += f"\nTotal benchmark time: {(time.perf_counter() - started) / 60:.1f} minutes.\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{dt.datetime.now(dt.UTC).date().isoformat()}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
