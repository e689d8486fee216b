from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "コミュニティ"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    staff_permissions: dict[str, list[str]] = {}
