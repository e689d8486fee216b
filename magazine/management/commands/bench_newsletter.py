"""Measure Wor-Q Letters sending against a local SMTP sink.

Sends one campaign to N throw-away subscribers through the real path
(dispatch_campaign → send_batch tasks → SMTP, one connection per batch), then
sends the same N messages with plain smtplib in one loop, and prints both
rates and their ratio. With REDIS_URL set it starts a real Celery worker;
otherwise the tasks run eagerly in this process. Everything it creates is
removed at the end (unless --keep).
"""

import logging
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from magazine import letters, sending
from magazine.models import Campaign, Delivery, Subscription
from magazine.tasks import dispatch_campaign
from members.models import User
from worq.celery import app

BENCH_DOMAIN = "bench.worq.invalid"
BENCH_SUBJECT = "［ベンチマーク］Wor-Q Letters 送信速度の計測"
BENCH_BODY = (
    "これは送信速度を計測するためのメッセージです。\n\n"
    "## 今月の特集\n\n- 契約書で確認したいこと\n- 支払期日の目安\n\n"
    "[Wor-Q Magazine を読む](https://worq.example.jp/magazine/)\n"
)


class Sink:
    """aiosmtpd handler: accepts everything and counts recipients per phase."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter = Counter()
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.messages = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Wor-Q Letters の送信速度を、ローカルのSMTPシンクで計測します。"

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=20000)
        parser.add_argument("--concurrency", type=int, default=4, help="worker processes (Redis mode)")
        parser.add_argument("--timeout", type=int, default=900)
        parser.add_argument("--keep", action="store_true", help="keep the bench rows afterwards")

    def handle(self, *args, recipients: int, concurrency: int, timeout: int, keep: bool, **options):
        if recipients < 1:
            raise CommandError("--recipients は1以上にしてください。")
        # aiosmtpd logs every SMTP command at INFO; that would measure the logger.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        port = free_port()
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        worker = None
        try:
            self._cleanup()
            campaign = self._prepare(recipients)
            mode = "eager (in-process)" if settings.CELERY_TASK_ALWAYS_EAGER else "Celery worker + Redis"
            self.stdout.write(f"SMTP sink 127.0.0.1:{port}, {recipients} recipients, mode: {mode}")
            if settings.CELERY_TASK_ALWAYS_EAGER:
                with override_settings(**self._sink_settings(port)):
                    celery_rate = self._run_celery(campaign, sink, recipients, timeout)
            else:
                worker = self._start_worker(port, concurrency)
                celery_rate = self._run_celery(campaign, sink, recipients, timeout)
            sink.reset()
            plain_rate = self._run_plain(campaign, sink, port)
        finally:
            if worker is not None:
                self._stop_worker(worker)
            controller.stop()
            if not keep:
                self._cleanup()
        ratio = celery_rate / plain_rate
        self.stdout.write(f"Celery path : {celery_rate:,.0f} msgs/s")
        self.stdout.write(f"plain smtplib: {plain_rate:,.0f} msgs/s")
        self.stdout.write(f"ratio        : {ratio:.2f}")

    # --- set-up ---------------------------------------------------------------
    def _prepare(self, n: int) -> Campaign:
        now = timezone.now()
        User.objects.bulk_create(
            [
                User(email=f"bench-{i:06d}@{BENCH_DOMAIN}", password="!", newsletter_opt_in=True)
                for i in range(n)
            ],
            batch_size=2000,
        )
        users = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
        Subscription.objects.bulk_create(
            [
                Subscription(
                    user_id=pk,
                    status=Subscription.Status.CONFIRMED,
                    requested_at=now,
                    confirmed_at=now,
                    source="bench",
                )
                for pk in users.values_list("pk", flat=True)
            ],
            batch_size=2000,
        )
        campaign = Campaign.objects.create(
            subject=BENCH_SUBJECT,
            body=BENCH_BODY,
            test_sent_at=now,
            started_at=now,
            status=Campaign.Status.SENDING,
            recipients_built_at=now,
        )
        # Only the bench subscribers: real subscribers in this database must
        # never be part of a measurement, so the audience is frozen here.
        subs = Subscription.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}")
        Delivery.objects.bulk_create(
            [
                Delivery(campaign=campaign, subscription_id=pk, email=email)
                for pk, email in subs.values_list("pk", "user__email")
            ],
            batch_size=2000,
        )
        return campaign

    def _cleanup(self) -> None:
        Campaign.objects.filter(subject=BENCH_SUBJECT).delete()
        Subscription.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}").delete()
        User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").delete()

    @staticmethod
    def _sink_settings(port: int) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 20,
        }

    def _start_worker(self, port: int, concurrency: int) -> subprocess.Popen:

        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "LOG_LEVEL": "WARNING",
        }
        log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)
        hostname = f"bench-{os.getpid()}@%h"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worq",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--hostname",
                hostname,
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        self.stdout.write(f"started Celery worker pid {worker.pid} (log {log.name})")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise CommandError(f"Celery worker が起動できませんでした。ログ: {log.name}")
            if app.control.ping(timeout=0.5):
                return worker
        self._stop_worker(worker)
        raise CommandError("Celery worker が60秒以内に応答しませんでした。")

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()

    # --- measurements -----------------------------------------------------------
    def _run_celery(self, campaign: Campaign, sink: Sink, n: int, timeout: int) -> float:

        started = time.perf_counter()
        dispatch_campaign.delay(campaign.pk)
        deadline = time.monotonic() + timeout
        while True:
            open_rows = Delivery.objects.filter(
                campaign=campaign, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
            ).exists()
            if not open_rows:
                break
            if time.monotonic() > deadline:
                raise CommandError("時間内に送信が終わりませんでした。")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        counts = campaign.deliveries.counts()
        twice = sum(1 for c in sink.received.values() if c > 1)
        self.stdout.write(
            f"Celery path: {counts['sent']} sent, {counts['failed']} failed in {elapsed:.2f}s; "
            f"sink got {sink.messages} messages, {len(sink.received)} distinct recipients, "
            f"{twice} received twice"
        )
        if counts["sent"] != n or len(sink.received) != n or twice:
            raise CommandError("送信数が合いません。上の数字を確認してください。")
        return n / elapsed

    def _run_plain(self, campaign: Campaign, sink: Sink, port: int) -> float:
        """The same personalised messages, pre-rendered, sent in one smtplib loop."""
        letter = sending.render_letter(campaign)
        rows = list(campaign.deliveries.order_by("pk").values_list("email", "subscription_id"))
        payloads = [
            (
                email,
                letters.build_message(
                    letter=letter, to=email, unsubscribe_url=sending.unsubscribe_url(sub_id)
                )
                .message()
                .as_bytes(linesep="\r\n"),
            )
            for email, sub_id in rows
        ]
        sender = settings.DEFAULT_FROM_EMAIL
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for email, payload in payloads:
                smtp.sendmail(sender, [email], payload)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"plain smtplib loop: {len(payloads)} sent in {elapsed:.2f}s (sink got {sink.messages})"
        )
        return len(payloads) / elapsed
