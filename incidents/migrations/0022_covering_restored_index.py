"""On PostgreSQL the index on ``restored_at`` also carries what the live outage figures
read (region, service, status, start, people), so outages still out are summed from the
index alone. Elsewhere it stays a plain index; Django's model state is the same."""

from django.db import migrations

INDEX = "disruption_restored_idx"
TABLE = "incidents_servicedisruption"
CARRIED = "region_id, service, status, started_at, people_affected"


def covering(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} (restored_at) INCLUDE ({CARRIED})")


def plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} (restored_at)")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0021_fill_rollup_figures")]

    operations = [migrations.RunPython(covering, plain, elidable=False)]
