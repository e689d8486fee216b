import io

import pytest
from django.core.management import call_command

from magazine.models import Campaign, Subscription
from members.models import User
from tests.magazine.factories import SubscriptionFactory


@pytest.mark.django_db
def test_bench_newsletter_sends_through_a_local_sink_and_cleans_up(settings):
    backend = settings.EMAIL_BACKEND
    real = SubscriptionFactory()  # a real subscriber must never be part of the bench
    out = io.StringIO()
    call_command("bench_newsletter", recipients=30, stdout=out)
    text = out.getvalue()
    assert "mode: eager (in-process)" in text
    assert "Celery path: 30 sent, 0 failed" in text and "0 received twice" in text
    assert "plain smtplib loop: 30 sent" in text and "ratio" in text
    assert not User.objects.filter(email__endswith="@bench.worq.invalid").exists()
    assert not Campaign.objects.exists()
    assert list(Subscription.objects.all()) == [real]
    assert settings.EMAIL_BACKEND == backend  # the sink settings did not leak
