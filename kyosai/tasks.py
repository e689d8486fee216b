from celery import shared_task
from django.utils import timezone

from kyosai import services
from kyosai.models import Policy


@shared_task
def render_certificate(policy_id: int) -> None:
    """Render (or re-render) a policy's 加入証明書; a re-run replaces the file."""
    policy = Policy.objects.select_related("user").filter(pk=policy_id).first()
    if policy is None or policy.user.deleted_at:
        return
    services.certificate_render(policy=policy, now=timezone.now())


@shared_task
def run_daily_club_renewals() -> dict:
    """Beat, daily: renewal reminders, new club years, lapses. Safe to run twice."""
    report = services.club_renewals_run(now=timezone.now())
    return {"reminded": report.reminded, "renewed": report.renewed, "lapsed": report.lapsed}
