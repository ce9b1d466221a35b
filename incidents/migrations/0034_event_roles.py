"""Verifiers and Analysts read events (Reporters see their own reports, not events that may
gather other organisations' unpublished ones); Verifiers grade the feeds' reliability, as
they curate other reference data. Events change only through linking (no add or change)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Verifier": [
        "view_event",
        "view_sourcereliability",
        "add_sourcereliability",
        "change_sourcereliability",
        "delete_sourcereliability",
    ],
    "Analyst": ["view_event", "view_sourcereliability"],
}


def _permissions(apps, codenames):
    permission_model = apps.get_model("auth", "Permission")
    found = list(
        permission_model.objects.filter(content_type__app_label="incidents", codename__in=codenames)
    )
    if len(found) != len(codenames):
        raise RuntimeError(f"Missing event permissions among {codenames}")
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
    dependencies = [("incidents", "0033_events")]

    operations = [migrations.RunPython(grant, revoke)]
