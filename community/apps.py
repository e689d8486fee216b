from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "コミュニティ"
    default_auto_field = "django.db.models.BigAutoField"
    # Moderators run the communities. They see nicknames and e-mails (members
    # grants view:user) and nothing from memberships or kyosai.
    staff_permissions: dict[str, list[str]] = {
        "モデレーター": [
            "community",
            "topic",
            "view:post",
            "change:post",
            "view:reviewitem",
            "change:reviewitem",
            "view:report",
            "view:postrevision",
            "view:suspension",
            "add:suspension",
            "change:suspension",
            "view:moderationaction",
        ],
    }

    def ready(self) -> None:
        from community import hooks  # noqa: F401
