"""What kyosai adds to マイページ, the account export and the account deletion."""

from django.db.models import Prefetch

from kyosai import services
from kyosai.models import Application, Enrolment, Policy
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
    club = next(
        (e for e in enrolments if e.product == "club" and e.status in ("approved", "cancel_requested")), None
    )
    club_year = max(club.club_years.all(), key=lambda y: y.starts_on, default=None) if club else None
    if not applications and not getattr(user, "membership", None):
        return None
    return {
        "draft": draft,
        "enrolments": enrolments,
        "club_year": club_year,
        "policies": Policy.objects.filter(user=user),
    }


def export(user) -> dict:
    return services.personal_data_export(user)


def blockers(user) -> list[str]:
    return services.deletion_blockers(user)


def forget(*, user, now) -> None:
    services.personal_data_delete(user)


register_mypage_section(order=30, template="kyosai/includes/mypage.html", context=mypage_context)
