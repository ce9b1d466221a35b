"""More of the names grain ports are written under: the town names the ports are known by
(Yuzhne / Pivdenne for Pivdennyi) and Russian-era transliterations seen in shipping data.
Only names 0003 did not already give, so that reversing this removes only its own."""

from django.db import migrations

ADDED = {
    "Pivdennyi": ["Yuzhne", "Yuzhnyy", "Pivdenne", "Pivdennyy", "Южный", "Южне", "Південне"],
    "Chornomorsk": ["Chernomorsk", "Черноморск", "Іллічівськ"],
    "Odesa": ["Одесса"],
    "Izmail": ["Izmayil", "Измаил"],
    "Mykolaiv": ["Mykolayiv", "Николаев"],
}


def add_names(apps, schema_editor):
    port_model = apps.get_model("incidents", "Port")
    for port in port_model.objects.filter(name__in=ADDED):
        names = list(port.alternative_names)
        names += [name for name in ADDED[port.name] if name not in names]
        port.alternative_names = names
        port.save(update_fields=["alternative_names"])


def remove_names(apps, schema_editor):
    port_model = apps.get_model("incidents", "Port")
    for port in port_model.objects.filter(name__in=ADDED):
        added = set(ADDED[port.name])
        port.alternative_names = [name for name in port.alternative_names if name not in added]
        port.save(update_fields=["alternative_names"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0024_grain_shipment_cargo_line")]

    operations = [migrations.RunPython(add_names, remove_names)]
