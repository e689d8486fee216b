from opinionbox import services
from opinionbox.models import Opinion
from worq.lib.hooks import register_key_number, register_mypage_section

MYPAGE_LIMIT = 5


def _mypage_context(user) -> dict | None:
    opinions = list(
        Opinion.objects.filter(author=user)
        .select_related("theme")
        .order_by("-created_at", "-id")[: MYPAGE_LIMIT + 1]
    )
    return {"opinions": opinions[:MYPAGE_LIMIT], "has_more": len(opinions) > MYPAGE_LIMIT}


def export(user) -> dict:
    return services.opinions_export(user)


def blockers(user) -> list[str]:
    return []


def forget(*, user, now) -> None:
    services.opinions_forget(user)


register_mypage_section(order=70, template="opinionbox/includes/mypage.html", context=_mypage_context)
register_key_number(
    order=60, label="Opinion Box に届いた声", unit="件", count=lambda: Opinion.objects.count()
)
