from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "相談・事例"
    default_auto_field = "django.db.models.BigAutoField"
    # Model names of this app each staff group may manage (members.roles).
    # Only 相談担当 reads consultation requests and referrals (personal data).
    staff_permissions: dict[str, list[str]] = {
        "編集": [
            "case",
            "glossaryterm",
            "answerentry",
            "usefullink",
            "view:consultationchannel",
            "view:lineconsultationday",
        ],
        "相談担当": [
            "consultationrequest",
            "view:consultationrequestevent",
            "lawyer",
            "lawyerreferral",
            "consultationchannel",
            "lineconsultationday",
        ],
    }

    def ready(self) -> None:
        from consultations import hooks, signals  # noqa: F401
