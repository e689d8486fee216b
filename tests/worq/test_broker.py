"""Tasks really travel through Redis to a Celery worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from members.models import NetworkMembership
from tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(tmp_path):
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip(
            "REDIS_URL と PostgreSQL の DATABASE_URL があるときだけ実行します（ワーカーと DB を共有するため）"
        )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "worq.settings",
            "DATABASE_URL": _database_url(),
            "WORQ_VAR_DIR": str(tmp_path),
        }
    )
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worq",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            "celery",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield proc, tmp_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_task_goes_through_redis_to_a_real_worker(celery_worker_process, settings):
    from members.tasks import render_membership_card
    from worq.celery import app

    proc, var_dir = celery_worker_process
    settings.PRIVATE_MEDIA_ROOT = var_dir / "private"
    membership = MembershipFactory()
    app.conf.task_always_eager = False
    try:
        render_membership_card.delay(membership.pk)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            membership.refresh_from_db()
            if membership.card_rendered_at:
                break
            assert proc.poll() is None, (var_dir / "worker.log").read_text()
            time.sleep(0.5)
    finally:
        app.conf.task_always_eager = True
    assert membership.card_rendered_at, (var_dir / "worker.log").read_text()
    assert (var_dir / "private" / membership.card_pdf.name).exists()
    assert NetworkMembership.objects.get(pk=membership.pk).card_pdf.name.endswith(".pdf")
