"""Fill the monthly and weekly rollups from the daily figures already stored (the
statements as of today)."""

from django.db import migrations

# table, its date column, the daily table it sums, the key columns after the date, sums
ROLLUPS = (
    (
        "IncidentMonthFigures",
        "month",
        "IncidentDayFigures",
        ["incident_type", "status"],
        ["incidents", "killed", "injured", "children_killed", "children_injured"],
    ),
    (
        "AssetMonthFigures",
        "month",
        "AssetDayFigures",
        ["incident_type", "status", "asset_type"],
        ["total"],
    ),
    (
        "IncidentWeekFigures",
        "week",
        "IncidentDayFigures",
        ["incident_type", "status"],
        ["incidents", "killed", "injured", "children_killed", "children_injured"],
    ),
)


def start_of(unit, column, vendor):
    if vendor == "postgresql":
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    if unit == "month":
        return f"date({column}, 'start of month')"
    return f"date({column}, '-6 days', 'weekday 1')"


def fill(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    vendor = schema_editor.connection.vendor
    for model, unit, daily, key, sums in ROLLUPS:
        table = quote(apps.get_model("incidents", model)._meta.db_table)
        days = quote(apps.get_model("incidents", daily)._meta.db_table)
        group = ", ".join(["d.region_id", start_of(unit, "d.day", vendor), *key])
        summed = ", ".join(f"SUM(d.{name})" for name in sums)
        columns = ", ".join(["region_id", unit, *key, *sums])
        schema_editor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {group}, {summed} FROM {days} d "
            f"GROUP BY {group}"
        )


def empty(apps, schema_editor):
    for model, *_ in ROLLUPS:
        apps.get_model("incidents", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0020_rollup_figures")]

    operations = [migrations.RunPython(fill, empty)]
