from django.apps import AppConfig


class MagazineConfig(AppConfig):
    name = "magazine"
    verbose_name = "マガジン・Letters"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    staff_permissions: dict[str, list[str]] = {
        "編集": [
            "article",
            "articleimage",
            "feature",
            "category",
            "tag",
            "campaign",
            "view:delivery",
            "view:subscription",
            "view:subscriptionevent",
        ],
    }

    def ready(self) -> None:
        from magazine import hooks  # noqa: F401
