"""Damaged assets and sources get a random public id: the API shows no sequential ids."""

import uuid

from django.db import migrations, models


def distinct_ids(apps, schema_editor):
    """AddField gave every existing row the same UUID; give each its own."""
    for name in ("DamagedAsset", "Source"):
        model = apps.get_model("incidents", name)
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.connection.ops.quote_name(model._meta.db_table)
            schema_editor.execute(f"UPDATE {table} SET public_id = gen_random_uuid()")
            continue
        batch = []
        for row in model.objects.only("pk").iterator(chunk_size=2000):
            row.public_id = uuid.uuid4()
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, ["public_id"])
                batch = []
        model.objects.bulk_update(batch, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0013_fill_daily_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="damagedasset",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="public id"),
        ),
        migrations.AddField(
            model_name="historicaldamagedasset",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="public id"),
        ),
        migrations.AddField(
            model_name="historicalsource",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="public id"),
        ),
        migrations.AddField(
            model_name="source",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="public id"),
        ),
        migrations.RunPython(distinct_ids, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="damagedasset",
            constraint=models.UniqueConstraint(
                fields=("public_id",), name="damagedasset_public_id_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="source",
            constraint=models.UniqueConstraint(
                fields=("public_id",), name="source_public_id_unique"
            ),
        ),
    ]
