"""Daily figures per region, and one row per key in them, so that new incidents can be
added in place (INSERT ... ON CONFLICT DO UPDATE). On PostgreSQL 15+ rows without a region
merge too; elsewhere they may repeat, which sums read the same."""

import django.db.models.deletion
from django.db import migrations, models

KEYS = {
    "incidentday_key": ("incidents_incidentdayfigures", "region_id, day, incident_type, status"),
    "assetday_key": (
        "incidents_assetdayfigures",
        "region_id, day, incident_type, status, asset_type",
    ),
}


def create_keys(apps, schema_editor):
    connection = schema_editor.connection
    nulls = ""
    if connection.vendor == "postgresql" and connection.pg_version >= 150000:
        nulls = " NULLS NOT DISTINCT"
    for name, (table, columns) in KEYS.items():
        schema_editor.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({columns}){nulls}")


def drop_keys(apps, schema_editor):
    for name in KEYS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0011_needs_baseline_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="AssetDayFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("incident_type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=16)),
                ("asset_type", models.CharField(max_length=20)),
                ("total", models.PositiveBigIntegerField(default=0)),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="incidents.region",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily damage figures",
                "verbose_name_plural": "daily damage figures",
                "indexes": [
                    models.Index(fields=["day"], name="assetday_day_idx"),
                    models.Index(fields=["region", "day"], name="assetday_region_day_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="IncidentDayFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("incident_type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=16)),
                ("incidents", models.PositiveBigIntegerField(default=0)),
                ("killed", models.PositiveBigIntegerField(default=0)),
                ("injured", models.PositiveBigIntegerField(default=0)),
                ("children_killed", models.PositiveBigIntegerField(default=0)),
                ("children_injured", models.PositiveBigIntegerField(default=0)),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="incidents.region",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily incident figures",
                "verbose_name_plural": "daily incident figures",
                "indexes": [
                    models.Index(fields=["day"], name="incidentday_day_idx"),
                    models.Index(fields=["region", "day"], name="incidentday_region_day_idx"),
                ],
            },
        ),
        migrations.RunPython(create_keys, drop_keys),
    ]
