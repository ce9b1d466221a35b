"""Ship the ports that export Ukrainian grain: the three of the Black Sea Grain Initiative,
the Danube ports that carried exports after it ended, and Mykolaiv."""

from decimal import Decimal

from django.db import migrations

# name, Ukrainian name, UN/LOCODE, region P-code, latitude, longitude, alternative names
PORTS = [
    ("Odesa", "Одеса", "UAODS", "UA51", "46.4925", "30.7400", ["Odessa"]),
    (
        "Chornomorsk",
        "Чорноморськ",
        "UAILK",
        "UA51",
        "46.3000",
        "30.6550",
        ["Illichivsk", "Ilyichevsk"],
    ),
    (
        "Pivdennyi",
        "Південний",
        "UAYUZ",
        "UA51",
        "46.6220",
        "31.0110",
        ["Yuzhny", "Yuzhnyi", "Pivdenny"],
    ),
    ("Izmail", "Ізмаїл", "UAIZL", "UA51", "45.3400", "28.8400", ["Ismail"]),
    ("Reni", "Рені", "UARNI", "UA51", "45.4500", "28.2900", []),
    ("Mykolaiv", "Миколаїв", "UANIK", "UA48", "46.9590", "31.9880", ["Nikolaev"]),
]


def load_ports(apps, schema_editor):
    port_model = apps.get_model("incidents", "Port")
    region_model = apps.get_model("incidents", "Region")
    for name, name_uk, unlocode, pcode, lat, lon, alternatives in PORTS:
        port_model.objects.update_or_create(
            name=name,
            defaults={
                "name_uk": name_uk,
                "unlocode": unlocode,
                "region": region_model.objects.get(pcode=pcode),
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "alternative_names": alternatives,
            },
        )


def remove_ports(apps, schema_editor):
    apps.get_model("incidents", "Port").objects.filter(name__in=[p[0] for p in PORTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_regions")]

    operations = [migrations.RunPython(load_ports, remove_ports)]
