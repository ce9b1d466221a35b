from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0027_date_bounds")]

    operations = [
        migrations.AddField(
            model_name="ingestionrun",
            name="task_id",
            field=models.CharField(
                blank=True,
                help_text="The task working on the run. The same task delivered again (its worker died, or it is retried) takes the run over at once.",
                max_length=255,
                verbose_name="worker task",
            ),
        ),
        migrations.AddField(
            model_name="ingestionrun",
            name="worker",
            field=models.CharField(blank=True, max_length=255, verbose_name="worker"),
        ),
    ]
