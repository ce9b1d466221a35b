"""Fill the daily outage figures from the outages already stored."""

from django.db import migrations

# The outage's fields the figures read, as the table stood then: its people were
# ``people_affected`` until 0032 counted households too (``people_counted``).
FIELDS = ("region_id", "service", "status", "people_affected", "started_at", "restored_at")


def fill(apps, schema_editor):
    from incidents.figures.outages import add_outage, figure_rows
    from incidents.figures.sums import COUNTED_STATUSES

    outages = apps.get_model("incidents", "ServiceDisruption").objects
    figures = apps.get_model("incidents", "OutageDayFigures")
    sums = {}
    for outage in outages.filter(status__in=COUNTED_STATUSES).values_list(*FIELDS).iterator():
        add_outage(sums, outage, None)
    figures.objects.bulk_create(figure_rows(sums, figures), batch_size=5000)


def empty(apps, schema_editor):
    apps.get_model("incidents", "OutageDayFigures").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0018_outage_day_figures")]

    operations = [migrations.RunPython(fill, empty)]
