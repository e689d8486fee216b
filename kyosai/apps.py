from django.apps import AppConfig


class KyosaiConfig(AppConfig):
    name = "kyosai"
    verbose_name = "Wor-Q共済"
    default_auto_field = "django.db.models.BigAutoField"
    # 共済担当 review applications, issue policies, keep the rate tables and
    # answer 見積依頼. Audit rows and uploads are read-only for them.
    staff_permissions: dict[str, list[str]] = {
        "共済担当": [
            "view:application",
            "change:application",
            "view:enrolment",
            "change:enrolment",
            "view:policy",
            "change:policy",
            "view:document",
            "view:event",
            "clubyear",
            "quoterequest",
            "ratetable",
            "rate",
            "benefit",
            "product",
            "healthquestion",
            # 共済金の請求: staff move claims through services; files and history are read-only.
            "view:claim",
            "change:claim",
            "view:claimdocument",
            "view:claimevent",
            "claimdocumentrequirement",
        ],
    }

    def ready(self) -> None:
        from kyosai import hooks  # noqa: F401
