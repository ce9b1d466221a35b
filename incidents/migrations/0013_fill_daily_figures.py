"""Fill the daily figures from the incidents already stored (the statements as of today)."""

from django.db import migrations

COUNTED = "'verified', 'submitted'"


def fill(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    incident = quote(apps.get_model("incidents", "Incident")._meta.db_table)
    asset = quote(apps.get_model("incidents", "DamagedAsset")._meta.db_table)
    days = quote(apps.get_model("incidents", "IncidentDayFigures")._meta.db_table)
    asset_days = quote(apps.get_model("incidents", "AssetDayFigures")._meta.db_table)
    schema_editor.execute(
        f"INSERT INTO {days} (region_id, day, incident_type, status, incidents, killed, "
        "injured, children_killed, children_injured) "
        "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, COUNT(*), "
        "SUM(i.killed), SUM(i.injured), SUM(i.children_killed), SUM(i.children_injured) "
        f"FROM {incident} i WHERE i.status IN ({COUNTED}) "
        "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status"
    )
    schema_editor.execute(
        f"INSERT INTO {asset_days} (region_id, day, incident_type, status, asset_type, total) "
        "SELECT i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type, "
        f"SUM(a.count) FROM {incident} i JOIN {asset} a ON a.incident_id = i.id "
        f"WHERE i.status IN ({COUNTED}) "
        "GROUP BY i.region_id, i.occurred_on, i.incident_type, i.status, a.asset_type"
    )


def empty(apps, schema_editor):
    apps.get_model("incidents", "IncidentDayFigures").objects.all().delete()
    apps.get_model("incidents", "AssetDayFigures").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_daily_figures")]

    operations = [migrations.RunPython(fill, empty)]
