import smtplib

from celery import shared_task
from django.utils import timezone

from opinionbox import services
from opinionbox.models import Theme


@shared_task
def update_theme_statuses() -> dict[str, int]:
    """Daily (beat): open and close themes on their dates. Safe to run twice."""
    return services.theme_statuses_update(now=timezone.now())


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notify_result(theme_pk: int) -> int:
    """E-mail the people who asked to hear the result. Safe to run twice."""
    theme = Theme.objects.filter(pk=theme_pk).first()
    if theme is None:
        return 0
    return services.result_notify(theme=theme, now=timezone.now())
