from django.apps import AppConfig


class OpinionboxConfig(AppConfig):
    name = "opinionbox"
    verbose_name = "Opinion Box"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    staff_permissions: dict[str, list[str]] = {}
