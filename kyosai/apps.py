from django.apps import AppConfig


class KyosaiConfig(AppConfig):
    name = "kyosai"
    verbose_name = "Wor-Q共済"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    staff_permissions: dict[str, list[str]] = {}
