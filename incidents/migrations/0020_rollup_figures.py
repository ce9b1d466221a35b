"""Monthly and weekly rollups of the daily figures, with one row per key in each, so that
new incidents can be added in place (INSERT ... ON CONFLICT DO UPDATE). As in 0012, rows
without a region merge on PostgreSQL 15+ only; elsewhere they may repeat, which sums read
the same."""

import django.db.models.deletion
from django.db import migrations, models

KEYS = {
    "incidentmonth_key": (
        "incidents_incidentmonthfigures",
        "region_id, month, incident_type, status",
    ),
    "assetmonth_key": (
        "incidents_assetmonthfigures",
        "region_id, month, incident_type, status, asset_type",
    ),
    "incidentweek_key": ("incidents_incidentweekfigures", "region_id, week, incident_type, status"),
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
        ("incidents", "0019_fill_outage_figures"),
    ]

    operations = [
        migrations.CreateModel(
            name="AssetMonthFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("incident_type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=16)),
                ("month", models.DateField()),
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
                "verbose_name": "monthly damage figures",
                "verbose_name_plural": "monthly damage figures",
            },
        ),
        migrations.CreateModel(
            name="IncidentMonthFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("incident_type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=16)),
                ("month", models.DateField()),
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
                "verbose_name": "monthly incident figures",
                "verbose_name_plural": "monthly incident figures",
            },
        ),
        migrations.CreateModel(
            name="IncidentWeekFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("incident_type", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=16)),
                ("week", models.DateField()),
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
                "verbose_name": "weekly incident figures",
                "verbose_name_plural": "weekly incident figures",
            },
        ),
        migrations.RunPython(create_keys, drop_keys),
    ]
