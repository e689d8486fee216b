"""What kyosai adds to マイページ, the account export and the account deletion."""

from django.db.models import Prefetch

from kyosai import services
from kyosai.models import Application, Claim, Enrolment, Policy
from worq.lib.hooks import register_mypage_section


def mypage_context(user) -> dict | None:
    if not user.is_authenticated:
        return None
    applications = list(
        Application.objects.filter(user=user).prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.select_related("policy")),
            "enrolments__club_years",
        )
    )
    draft = next((a for a in applications if a.status == Application.Status.DRAFT), None)
    enrolments = [e for a in applications for e in a.enrolments.all() if a.status != "draft"]
    club = next((e for e in enrolments if e.product == "club" and e.is_held), None)
    club_year = max(club.club_years.all(), key=lambda y: y.starts_on, default=None) if club else None
    if not applications and not getattr(user, "membership", None):
        return None
    return {
        "draft": draft,
        "enrolments": enrolments,
        "club_year": club_year,
        "policies": Policy.objects.filter(user=user),
    }


def mypage_claims_context(user) -> dict | None:
    if not user.is_authenticated:
        return None
    claims = list(Claim.objects.visible_to(user).sent()[:5])
    draft = Claim.objects.filter(filed_by=user, status=Claim.Status.DRAFT).first()
    policies = list(Policy.objects.filter(user=user))
    rosai = Enrolment.objects.ever_held().filter(user=user, product__in=services.STATE_PAID_PRODUCTS).exists()
    if not (claims or draft or policies):
        return None
    return {"claims": claims, "draft": draft, "policies": policies, "rosai": rosai}


def export(user) -> dict:
    return services.personal_data_export(user) | services.claim_personal_data_export(user)


def blockers(user) -> list[str]:
    return services.deletion_blockers(user) + services.claim_deletion_blockers(user)


def forget(*, user, now) -> None:
    services.personal_data_delete(user)
    services.claim_personal_data_delete(user)


register_mypage_section(order=30, template="kyosai/includes/mypage.html", context=mypage_context)
# 共済金・保険金の請求
register_mypage_section(
    order=31, template="kyosai/includes/mypage_claims.html", context=mypage_claims_context
)
