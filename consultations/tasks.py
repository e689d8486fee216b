from celery import shared_task
from django.utils import timezone

from consultations import embeddings, search, services


@shared_task
def send_engagement_reminders() -> int:
    """Beat, daily: overdue-payment and notice-date reminders. Safe to run twice."""
    return services.engagement_reminders_send(now=timezone.now())


@shared_task(time_limit=600, soft_time_limit=540)
def embed_cases(case_ids: list[int]) -> int:
    """Make the vectors of these cases for semantic search. Safe to run twice:
    a case whose vector is current is skipped; a missing case is ignored."""
    return search.embed_cases(case_ids=case_ids)


@shared_task(time_limit=570, soft_time_limit=540)
def embed_stale_cases() -> int:
    """Beat, every 10 minutes: vectors for published cases that lack one of the
    current model (a batch of search.STALE_BATCH at most; stopped before the
    next run starts). Safe to run twice, and beside the embedding task."""
    return search.embed_stale()


@shared_task(time_limit=1800, soft_time_limit=1700)
def refresh_similar_cases() -> int:
    """Beat, nightly: every case's stored 「似た相談事例」 worked out again from all
    vectors (the embedding task keeps them up to date as cases are added; this
    also drops places held by cases whose text, and so vector, changed).
    About 4 minutes at 100,000 cases. Safe to run twice."""
    try:
        return search.refresh_neighbours()
    except embeddings.EmbeddingsUnavailable:  # no model here: nothing to work out
        return 0
