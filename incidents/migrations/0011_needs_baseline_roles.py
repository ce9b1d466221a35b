"""Every role reads needs baselines; Verifiers maintain them, as they do other curated data."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Reporter": ["view_needsbaseline"],
    "Verifier": [
        "view_needsbaseline",
        "add_needsbaseline",
        "change_needsbaseline",
        "delete_needsbaseline",
    ],
    "Analyst": ["view_needsbaseline"],
}


def _permissions(apps, codenames):
    permission_model = apps.get_model("auth", "Permission")
    found = list(
        permission_model.objects.filter(content_type__app_label="incidents", codename__in=codenames)
    )
    if len(found) != len(codenames):
        raise RuntimeError(f"Missing needs baseline permissions among {codenames}")
    return found


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name, codenames in ROLES.items():
        group = group_model.objects.filter(name=name).first()
        if group:
            group.permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_needs_baseline")]

    operations = [migrations.RunPython(grant, revoke)]
