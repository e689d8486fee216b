from celery import shared_task
from django.utils import timezone

from consultations import search, services


@shared_task
def send_engagement_reminders() -> int:
    """Beat, daily: overdue-payment and notice-date reminders. Safe to run twice."""
    return services.engagement_reminders_send(now=timezone.now())


@shared_task(time_limit=600, soft_time_limit=540)
def embed_cases(case_ids: list[int]) -> int:
    """Make the vectors of these cases for semantic search. Safe to run twice:
    a case whose vector is current is skipped; a missing case is ignored."""
    return search.embed_cases(case_ids=case_ids)
