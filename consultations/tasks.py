from celery import shared_task
from django.utils import timezone

from consultations import services


@shared_task
def send_engagement_reminders() -> int:
    """Beat, daily: overdue-payment and notice-date reminders. Safe to run twice."""
    return services.engagement_reminders_send(now=timezone.now())
