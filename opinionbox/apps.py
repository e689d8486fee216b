from django.apps import AppConfig


class OpinionboxConfig(AppConfig):
    name = "opinionbox"
    verbose_name = "Opinion Box"
    default_auto_field = "django.db.models.BigAutoField"
    # The box is editorial work: setting themes, deciding which voices to show
    # and writing the response. 編集 does all of it; opinions are never added
    # or deleted by staff (they come from people), and no other group needs them.
    staff_permissions: dict[str, list[str]] = {
        "編集": ["theme", "result", "themeupdate", "tag", "view:opinion", "change:opinion", "view:event"],
    }

    def ready(self) -> None:
        from opinionbox import hooks  # noqa: F401
