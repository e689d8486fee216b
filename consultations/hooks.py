"""What this app adds to the site shell (home, マイページ, export, deletion)."""

from django.utils import timezone

from consultations import services
from consultations.models import Case, ConsultationRequest, LawyerReferral
from members.access import Tier, has_tier
from worq.lib.hooks import register_key_number, register_mypage_section, register_news_source


def export(user) -> dict:
    return services.account_export(user) | services.engagement_export(user)


def blockers(user) -> list[str]:
    return []


def forget(*, user, now) -> None:
    services.account_delete(user)
    services.engagement_forget(user)


def _mypage(user) -> dict | None:
    consultations = list(ConsultationRequest.objects.filter(user=user).order_by("-created_at")[:20])
    referrals = list(
        LawyerReferral.objects.filter(member=user).select_related("lawyer").order_by("-created_at")[:20]
    )
    if not consultations and not referrals:
        return None
    return {"consultations": consultations, "referrals": referrals}


def _records(user) -> dict | None:
    if not has_tier(user, Tier.MEMBER):
        return None
    return {"rows": services.engagement_rows(user, today=timezone.localdate(), limit=5)}


register_key_number(
    order=20,
    label="労働相談事例掲載件数",
    unit="件",
    count=lambda: Case.objects.published().count(),
)
register_mypage_section(order=20, template="consultations/includes/mypage.html", context=_mypage)
register_mypage_section(order=21, template="consultations/records/includes/mypage.html", context=_records)


def _news(limit: int) -> list[dict]:
    cases = Case.objects.published().filter(members_only=False).order_by("-published_at", "-pk")[:limit]
    return [{"title": c.title, "url": c.get_absolute_url(), "date": c.published_at} for c in cases]


register_news_source(order=20, label="相談事例", items=_news)
