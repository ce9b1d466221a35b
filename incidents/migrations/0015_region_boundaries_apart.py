"""Region outlines move to their own table: every incident list joins its region, and
must not drag hundreds of kilobytes of geometry along with each row."""

import django.db.models.deletion
from django.db import migrations, models

COPY = (
    "INSERT INTO incidents_regionboundary (region_id, geometry, source, updated_at) "
    "SELECT id, boundary, boundary_source, CURRENT_TIMESTAMP FROM incidents_region "
    "WHERE boundary IS NOT NULL"
)
BACK = (
    "UPDATE incidents_region SET boundary = (SELECT geometry FROM incidents_regionboundary b "
    "WHERE b.region_id = incidents_region.id), boundary_source = COALESCE((SELECT source "
    "FROM incidents_regionboundary b WHERE b.region_id = incidents_region.id), '')"
)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_public_ids_for_assets_and_sources"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegionBoundary",
            fields=[
                (
                    "region",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="boundary",
                        serialize=False,
                        to="incidents.region",
                        verbose_name="region",
                    ),
                ),
                (
                    "geometry",
                    models.JSONField(
                        help_text="GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lon/lat).",
                        verbose_name="geometry",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=300, verbose_name="source")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "region boundary",
                "verbose_name_plural": "region boundaries",
            },
        ),
        migrations.RunSQL(COPY, BACK),
        migrations.RemoveField(
            model_name="region",
            name="boundary",
        ),
        migrations.RemoveField(
            model_name="region",
            name="boundary_source",
        ),
    ]
