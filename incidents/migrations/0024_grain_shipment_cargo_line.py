"""A JCC cargo line is one record whichever table brought it.

Until now the natural key included the source name, so the JCC table and its HXL workbook
loaded under two names counted every voyage twice. Duplicates are merged into the oldest
record, which keeps what each source said in ``reported``.
"""

from django.db import migrations, models


def merge_duplicates(apps, schema_editor):
    shipment_model = apps.get_model("incidents", "GrainShipment")
    kept: dict[tuple, object] = {}
    for shipment in shipment_model.objects.order_by("pk"):
        key = (shipment.voyage_number, shipment.commodity, shipment.destination_country)
        first = kept.get(key)
        if first is None:
            kept[key] = shipment
            shipment.reported = {shipment.external_source: {}}
            shipment.save(update_fields=["reported"])
            continue
        first.reported = {**first.reported, shipment.external_source: {}}
        first.save(update_fields=["reported"])
        shipment.delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0023_leaner_figure_tables")]

    operations = [
        migrations.AddField(
            model_name="grainshipment",
            name="reported",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Per source (the JCC table, its HXL workbook, ...), the values it gave; the record holds the latest of them.",
                verbose_name="as each source reported it",
            ),
        ),
        migrations.AddField(
            model_name="historicalgrainshipment",
            name="reported",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Per source (the JCC table, its HXL workbook, ...), the values it gave; the record holds the latest of them.",
                verbose_name="as each source reported it",
            ),
        ),
        migrations.AlterField(
            model_name="grainshipment",
            name="external_source",
            field=models.CharField(
                default="jcc",
                help_text="The source that first published this cargo line.",
                max_length=64,
                verbose_name="first source",
            ),
        ),
        migrations.AlterField(
            model_name="historicalgrainshipment",
            name="external_source",
            field=models.CharField(
                default="jcc",
                help_text="The source that first published this cargo line.",
                max_length=64,
                verbose_name="first source",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="grainshipment", name="grainshipment_natural_key_unique"
        ),
        migrations.RunPython(merge_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="grainshipment",
            constraint=models.UniqueConstraint(
                fields=("voyage_number", "commodity", "destination_country"),
                name="grainshipment_cargo_line_unique",
            ),
        ),
    ]
