"""Fault injection (issue 13): the cache or the broker at a closed port, the
worker killed mid-newsletter. Each time: nothing lost, nothing doubled, and
the person saw a normal page."""

import asyncio
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import ConsultationRequest
from kyosai.models import Application
from magazine.models import Campaign, Delivery
from tests.kyosai.test_views import walk_to_review
from tests.magazine.factories import CampaignFactory, SubscriptionFactory
from tests.worq.test_security import ASK, ASK_DATA
from worq.lib import cache as fallback_cache
from worq.lib.outbox import outbox_sweep
from worq.models import OutboxItem, SentEmail

ROOT = Path(__file__).resolve().parents[2]
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1

pytestmark = pytest.mark.faults


# --- The cache at a closed port -------------------------------------------------------------
@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "worq.lib.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"},
        },
        "redis": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
        "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "worq_cache"},
    }
    fallback_cache._down_until.clear()
    yield
    fallback_cache._down_until.clear()


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM worq_cache")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_with_the_cache_down_login_reset_and_search_still_answer(client, registered_user, cache_down):
    login = client.post(reverse("account_login"), {"login": registered_user.email, "password": "wrong-one"})
    assert login.status_code == 200 and "メールアドレス" in login.content.decode()
    assert client.post(reverse("account_reset_password"), {"email": registered_user.email}).status_code == 302
    assert client.get("/consultations/", {"q": "報酬 未払い"}).status_code == 200
    assert _cache_rows() > 0  # the rate limits are counted in the database instead
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["cache"] == "fallback"


@pytest.mark.django_db
def test_with_the_cache_down_rate_limits_still_hold(cache_down):
    client = Client()
    codes = [client.post(ASK, ASK_DATA, REMOTE_ADDR=f"203.0.113.{i}").status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert ConsultationRequest.objects.count() == 3


# --- The broker at a closed port -------------------------------------------------------------
def _point_broker(url: str, *, eager: bool) -> None:
    from worq.celery import app

    app.conf.broker_url = url
    app.conf.task_always_eager = eager
    # kombu keeps one pool per broker URL; forget the app's, so the next publish picks the URL's.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    _point_broker(CLOSED, eager=False)
    yield
    _point_broker(django_settings.CELERY_BROKER_URL, eager=True)


def _submit_consultation(client, capture):
    with capture(execute=True):
        response = client.post(ASK, ASK_DATA)
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200
    return page


@pytest.mark.django_db
def test_consultation_with_the_broker_down_is_saved_and_mailed_once_later(
    client, django_capture_on_commit_callbacks, broker_down
):
    from tests.conftest import make_staff

    make_staff("相談担当", email="soudan@example.jp", nickname="そうだん")
    page = _submit_consultation(client, django_capture_on_commit_callbacks)
    consultation = ConsultationRequest.objects.get()
    assert consultation.receipt_number in page.content.decode()
    assert not mail.outbox
    assert OutboxItem.objects.filter(status="pending").count() == 2

    _point_broker(django_settings.CELERY_BROKER_URL, eager=True)  # the broker is back
    later = timezone.now() + dt.timedelta(minutes=1)
    assert outbox_sweep(now=later) == 2
    assert outbox_sweep(now=later) == 0
    OutboxItem.objects.update(status="pending")  # a second hand-off of the same work…
    outbox_sweep(now=later)
    assert sorted(m.to[0] for m in mail.outbox) == ["asker@example.jp", "soudan@example.jp"]  # …sends nothing


@pytest.mark.django_db
def test_enrolment_with_the_broker_down_is_submitted_and_mailed_once_later(
    member_client, member, django_capture_on_commit_callbacks, broker_down
):
    _point_broker(django_settings.CELERY_BROKER_URL, eager=True)
    application = walk_to_review(member_client, options={"liability": "on"})
    _point_broker(CLOSED, eager=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("kyosai:apply-review"), {"application": application.pk, "consent": "on"}
        )
    assert response.status_code == 302
    assert member_client.get(response.url).status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not mail.outbox and OutboxItem.objects.filter(status="pending").count() == 1

    _point_broker(django_settings.CELERY_BROKER_URL, eager=True)
    later = timezone.now() + dt.timedelta(minutes=1)
    outbox_sweep(now=later)
    OutboxItem.objects.update(status="pending")
    outbox_sweep(now=later)
    assert [m.to for m in mail.outbox] == [[member.email]]


# --- Real worker: broker back after an outage; worker killed mid-newsletter ---------------------
def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _require_real_services():
    if not django_settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip(
            "REDIS_URL と PostgreSQL の DATABASE_URL があるときだけ実行します（ワーカーと DB を共有するため）"
        )


class Worker:
    """A real ``celery worker`` process sharing the test database."""

    def __init__(self, var_dir: Path, env_extra: dict | None = None):
        self.var_dir = var_dir
        self.env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "worq.settings",
                "DATABASE_URL": _database_url(),
                "WORQ_VAR_DIR": str(var_dir),
                **(env_extra or {}),
            }
        )
        self.proc = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.log = open(self.var_dir / f"worker-{self.starts}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worq", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "celery"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.var_dir.glob("worker-*.log")))

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def _wait(condition, *, seconds: float, worker: Worker) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert worker.proc.poll() is None, worker.logs()
        time.sleep(0.3)
    return False


@pytest.fixture
def real_broker():
    _require_real_services()
    from worq.celery import app

    _point_broker(django_settings.CELERY_BROKER_URL, eager=False)
    app.control.purge()
    yield
    _point_broker(django_settings.CELERY_BROKER_URL, eager=True)


@pytest.mark.django_db(transaction=True)
def test_outbox_reaches_a_real_worker_once_the_broker_is_back(tmp_path, real_broker):
    _point_broker(CLOSED, eager=False)
    client = Client()
    response = client.post(ASK, ASK_DATA)
    assert response.status_code == 302 and client.get(response.url).status_code == 200
    assert OutboxItem.objects.filter(status="pending").count() == 2  # receipt + staff notice (none here)

    worker = Worker(tmp_path)
    worker.start()
    try:
        _point_broker(django_settings.CELERY_BROKER_URL, eager=False)
        later = timezone.now() + dt.timedelta(minutes=1)
        assert outbox_sweep(now=later) == 2
        OutboxItem.objects.update(status="pending")  # handed over twice
        assert outbox_sweep(now=later) == 2
        assert _wait(lambda: SentEmail.objects.filter(status="sent").count() == 2, seconds=90, worker=worker)
        time.sleep(2)  # let a doubled task run, if there were one
    finally:
        worker.stop()
    sent = [p.read_text(errors="replace") for p in (tmp_path / "mail").glob("*")]
    to_asker = sum(len(re.findall(r"^To: asker@example\.jp$", m, re.MULTILINE)) for m in sent)
    assert to_asker == 1, worker.logs()


class SlowSMTP:
    """An SMTP server that takes a little time per message, like a real one."""

    def __init__(self):
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.15)
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_newsletter_survives_a_worker_killed_mid_send(tmp_path, real_broker):
    from magazine.services import campaign_send

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = SlowSMTP()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    subscribers = SubscriptionFactory.create_batch(40)
    campaign = CampaignFactory()
    worker = Worker(
        tmp_path,
        {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "false"},
    )
    worker.start()
    try:
        campaign_send(campaign=campaign, now=timezone.now())
        assert _wait(lambda: len(smtp.received) >= 8, seconds=90, worker=worker), worker.logs()
        worker.proc.kill()  # kill -9, mid-batch
        worker.proc.wait()
        worker.log.close()
        in_flight = Delivery.objects.filter(campaign=campaign, status="sending").count()
        assert in_flight > 0, "the kill should leave rows in flight"

        restarted = time.monotonic()
        worker.start()
        done = _wait(
            lambda: not Delivery.objects.filter(campaign=campaign, status__in=["queued", "sending"]).exists(),
            seconds=120,
            worker=worker,
        )
        recovered_in = time.monotonic() - restarted
    finally:
        worker.stop()
        controller.stop()
    assert done, worker.logs()
    assert recovered_in < 60, f"rows came back after {recovered_in:.0f}s"
    counts = Counter(smtp.received)
    assert set(counts) == {s.user.email for s in subscribers}  # nobody left out
    # Only a message SMTP accepted just before the kill may go out twice.
    assert sum(n - 1 for n in counts.values()) <= 1, counts
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    print(f"in flight at the kill: {in_flight}; all sent {recovered_in:.1f}s after the restart")
