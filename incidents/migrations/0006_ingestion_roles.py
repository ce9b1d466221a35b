"""Give the roles their share of ingestion: Verifiers run feeds, Analysts watch them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Verifier": [
        "add_feed",
        "change_feed",
        "view_feed",
        "add_ingestionrun",
        "view_ingestionrun",
        "view_ingestionissue",
    ],
    "Analyst": ["view_feed", "view_ingestionrun", "view_ingestionissue"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = list(
            permission_model.objects.filter(
                content_type__app_label="incidents", codename__in=codenames
            )
        )
        if len(permissions) != len(codenames):
            raise RuntimeError(f"Missing ingestion permissions for {name}")
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group = group_model.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *permission_model.objects.filter(
                    content_type__app_label="incidents", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_ingestion")]

    operations = [migrations.RunPython(grant, revoke)]
