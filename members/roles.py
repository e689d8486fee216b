"""Staff groups and their least-privilege permissions.

The groups are created by a data migration; after every migrate their
permissions are synced from ``staff_permissions`` on each app's AppConfig
(``{"group": ["model"]}`` grants view/add/change/delete on that model;
``"view:model"`` grants only that action).
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_migrate
from django.dispatch import receiver

STAFF_GROUPS = ["編集", "モデレーター", "共済担当", "相談担当"]
ALL_ACTIONS = ("view", "add", "change", "delete")


def wanted_permissions() -> dict[str, set[tuple[str, str]]]:
    """{group: {(app_label, codename)}} as declared by the apps."""
    wanted: dict[str, set[tuple[str, str]]] = {g: set() for g in STAFF_GROUPS}
    for config in apps.get_app_configs():
        for group, entries in getattr(config, "staff_permissions", {}).items():
            for entry in entries:
                if ":" in entry:
                    action, model = entry.split(":", 1)
                    actions = (action,)
                else:
                    model, actions = entry, ALL_ACTIONS
                for action in actions:
                    wanted.setdefault(group, set()).add((config.label, f"{action}_{model}"))
    return wanted


def sync_staff_groups() -> None:

    for group_name, perms in wanted_permissions().items():
        group, _ = Group.objects.get_or_create(name=group_name)
        objs = []
        for app_label, codename in sorted(perms):
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                objs.append(perm)
        group.permissions.set(objs)


@receiver(post_migrate)
def _sync_after_migrate(sender, **kwargs):
    # post_migrate is sent once per app; the last app sees every permission.
    if sender.label == list(apps.app_configs)[-1]:
        sync_staff_groups()
