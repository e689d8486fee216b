from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "会員"
    default_auto_field = "django.db.models.BigAutoField"
    # 共済担当 needs name, birth date and sex to price and review kyosai; the
    # moderators only ever see users (nickname, e-mail), never memberships.
    staff_permissions = {
        "モデレーター": ["view:user"],
        "編集": ["coupon", "view:couponreveal"],
        "共済担当": [
            "view:user",
            "view:networkmembership",
            "change:networkmembership",
            "view:membershipevent",
        ],
        "相談担当": ["view:user"],
    }

    def ready(self) -> None:
        from members import hooks, roles  # noqa: F401
