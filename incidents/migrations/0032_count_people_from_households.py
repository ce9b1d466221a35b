"""Count the people of the outages already stored (``people_counted``: the people affected,
or the households times the household size, see ``incidents.households``), then rebuild
the daily outage figures from them, as 0019 filled them from the people affected.

On PostgreSQL the index on ``restored_at`` carries what the live outage figures read
(0022): now the people counted and whether they are estimated, instead of the people
affected."""

from django.db import migrations
from django.db.models import F

INDEX = "disruption_restored_idx"
TABLE = "incidents_servicedisruption"
CARRIED = "region_id, service, status, started_at, people_counted, people_estimated"
CARRIED_BEFORE = "region_id, service, status, started_at, people_affected"
COUNTED_FIELDS = ("region_id", "service", "status", "people_counted", "started_at", "restored_at")
AFFECTED_FIELDS = (*COUNTED_FIELDS[:3], "people_affected", *COUNTED_FIELDS[4:])


def count_people(apps, schema_editor):
    from incidents.households import counted_people

    outages = apps.get_model("incidents", "ServiceDisruption")
    sizes = dict(apps.get_model("incidents", "Region").objects.values_list("pk", "household_size"))
    outages.objects.filter(people_affected__isnull=False).update(
        people_counted=F("people_affected"), people_estimated=False
    )
    estimated = []
    from_households = outages.objects.filter(
        people_affected__isnull=True, households_affected__isnull=False
    ).values_list("pk", "region_id", "households_affected")
    for pk, region_id, households in from_households.iterator():
        counted = counted_people(
            people_affected=None, households_affected=households, household_size=sizes[region_id]
        )
        estimated.append(outages(pk=pk, people_counted=counted.people, people_estimated=True))
    outages.objects.bulk_update(estimated, ["people_counted", "people_estimated"], batch_size=1000)


def rebuild_outage_figures(apps, fields):
    from incidents.figures.outages import add_outage, figure_rows
    from incidents.figures.sums import COUNTED_STATUSES

    outages = apps.get_model("incidents", "ServiceDisruption").objects
    figures = apps.get_model("incidents", "OutageDayFigures")
    sums = {}
    for outage in outages.filter(status__in=COUNTED_STATUSES).values_list(*fields).iterator():
        add_outage(sums, outage, None)
    figures.objects.all().delete()
    figures.objects.bulk_create(figure_rows(sums, figures), batch_size=5000)


def figures_of_people_counted(apps, schema_editor):
    rebuild_outage_figures(apps, COUNTED_FIELDS)


def figures_of_people_affected(apps, schema_editor):
    rebuild_outage_figures(apps, AFFECTED_FIELDS)


def restored_index(carried):
    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} (restored_at) INCLUDE ({carried})")

    return create


class Migration(migrations.Migration):
    dependencies = [("incidents", "0031_household_estimates")]

    operations = [
        migrations.RunPython(count_people, migrations.RunPython.noop),
        migrations.RunPython(figures_of_people_counted, figures_of_people_affected),
        migrations.RunPython(restored_index(CARRIED), restored_index(CARRIED_BEFORE)),
    ]
