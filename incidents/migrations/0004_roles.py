"""Create the staff roles as groups with their model permissions.

Row-level rules (own organisation, drafts only) are enforced in code; these
permissions decide which screens and actions each role has at all.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REFERENCE_MODELS = ["region", "port"]
REPORTED_MODELS = ["incident", "damagedasset", "source", "servicedisruption", "graindisruption"]
CURATED_MODELS = ["attackwave", "attackwaveweapon", "grainshipment"]
ALL_MODELS = REFERENCE_MODELS + REPORTED_MODELS + CURATED_MODELS
VERIFY = ["verify_incident", "verify_servicedisruption", "verify_graindisruption"]


def _codenames(actions, models):
    return [f"{action}_{model}" for model in models for action in actions]


ROLES = {
    "Reporter": (
        _codenames(["view"], ALL_MODELS) + _codenames(["add", "change", "delete"], REPORTED_MODELS)
    ),
    "Verifier": (
        _codenames(["view"], ALL_MODELS)
        + _codenames(["add", "change", "delete"], REPORTED_MODELS + CURATED_MODELS)
        + VERIFY
        + ["access_all_organisations"]
    ),
    "Analyst": _codenames(["view"], ALL_MODELS) + ["access_all_organisations"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = permission_model.objects.filter(
            content_type__app_label="incidents", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for role {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_ports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
