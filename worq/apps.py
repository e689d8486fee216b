from django.apps import AppConfig


class WorqConfig(AppConfig):
    name = "worq"
    verbose_name = "サイト"
    default_auto_field = "django.db.models.BigAutoField"
    staff_permissions = {"編集": ["page"]}

    def ready(self) -> None:
        from worq import checks  # noqa: F401  (registers the deploy checks)
