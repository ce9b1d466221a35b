"""Migrating a database that holds outages given in households counts their people and
rebuilds the daily outage figures from them; migrating back restores the figures of the
people affected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BEFORE = [("incidents", "0030_ingestion_issue_skipped")]
AFTER = [("incidents", "0032_count_people_from_households")]


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_migration_counts_households_and_rebuilds_the_figures():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("incidents")
    try:
        old = migrate(BEFORE)
        region = old.get_model("incidents", "Region").objects.get(pcode="UA46")
        outages = old.get_model("incidents", "ServiceDisruption").objects
        start = dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC)
        common = {
            "region": region,
            "started_at": start,
            "status": "verified",
            "verified_at": start,
        }
        outages.create(service="electricity", households_affected=2_000, **common)
        outages.create(service="water", people_affected=700, households_affected=90, **common)
        outages.create(service="heating", **common)
        figures = old.get_model("incidents", "OutageDayFigures").objects
        figures.create(
            region=region, service="water", status="verified", day=start.date(), started_people=700
        )

        new = migrate(AFTER)
        counted = new.get_model("incidents", "ServiceDisruption").objects.order_by("service")
        assert list(counted.values_list("service", "people_counted", "people_estimated")) == [
            ("electricity", 5_160, True),
            ("heating", 0, False),
            ("water", 700, False),
        ]
        rows = new.get_model("incidents", "OutageDayFigures").objects.order_by("service")
        assert list(rows.values_list("service", "started_people")) == [
            ("electricity", 5_160),
            ("heating", 0),
            ("water", 700),
        ]

        back = migrate(BEFORE)
        rows = back.get_model("incidents", "OutageDayFigures").objects.order_by("service")
        assert list(rows.values_list("service", "started_people")) == [
            ("electricity", 0),
            ("heating", 0),
            ("water", 700),
        ]
    finally:
        migrate(latest)
