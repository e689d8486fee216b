from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "相談・事例"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    staff_permissions: dict[str, list[str]] = {}
