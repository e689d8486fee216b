from django.utils import timezone

from opinionbox import services
from opinionbox.models import Opinion, Theme
from worq.lib.hooks import register_key_number, register_mypage_section, register_news_source

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


def _news(limit: int) -> list[dict]:

    today = timezone.localdate()
    themes = Theme.objects.filter(opens_on__lte=today).order_by("-opens_on", "-pk")[:limit]
    return [{"title": t.title, "url": t.get_absolute_url(), "date": t.opens_on} for t in themes]


register_news_source(order=40, label="Opinion Box のテーマ", items=_news)
