from django.db import migrations

STAFF_GROUPS = ["編集", "モデレーター", "共済担当", "相談担当"]


def create_groups(apps, schema_editor):
    # Permissions are attached after every migrate by members.roles, once
    # all apps' permissions exist.
    Group = apps.get_model("auth", "Group")
    for name in STAFF_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
