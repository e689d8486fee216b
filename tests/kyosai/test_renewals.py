import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from kyosai import services
from kyosai.models import ClubYear, Enrolment, Event
from kyosai.tasks import run_daily_club_renewals
from tests.kyosai.factories import approved_policy

pytestmark = pytest.mark.django_db


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(2, 0)))


@pytest.fixture
def club(member, staff):
    approved_policy(member, {"club": {}, "liability": {}}, staff=staff)
    return Enrolment.objects.get(product="club")  # cover 2026-12-01 .. 2027-11-30


def run_twice(day, capture):
    reports = []
    for _ in range(2):
        with capture(execute=True):
            reports.append(services.club_renewals_run(now=at(day)))
    return reports


def test_paid_club_gets_one_reminder_30_days_before_the_year_ends(
    club, staff, django_capture_on_commit_callbacks
):
    services.club_year_mark_paid(club_year=club.club_years.get(), actor=staff, now=at(dt.date(2026, 12, 3)))
    mail.outbox.clear()
    assert run_twice(dt.date(2027, 10, 30), django_capture_on_commit_callbacks)[0].reminded == 0
    first, second = run_twice(dt.date(2027, 10, 31), django_capture_on_commit_callbacks)
    assert (first.reminded, second.reminded) == (1, 0)
    assert len(mail.outbox) == 1 and "更新のご案内" in mail.outbox[0].subject
    assert "3000円" in mail.outbox[0].body


def test_new_year_opens_and_covers_extend_once(club, staff, django_capture_on_commit_callbacks):
    services.club_year_mark_paid(club_year=club.club_years.get(), actor=staff, now=at(dt.date(2026, 12, 3)))
    run_twice(dt.date(2027, 12, 1), django_capture_on_commit_callbacks)
    assert ClubYear.objects.count() == 2
    assert set(Enrolment.objects.values_list("cover_end", flat=True)) == {dt.date(2028, 11, 30)}
    assert Enrolment.objects.filter(status="approved").count() == 2


def test_unpaid_after_grace_lapses_club_and_options_once(club, django_capture_on_commit_callbacks):
    # grace 30 days from 2026-12-01: still fine on 2026-12-31, lapsed on 2027-01-01
    run_twice(dt.date(2026, 12, 31), django_capture_on_commit_callbacks)
    assert not Enrolment.objects.filter(status="lapsed").exists()
    mail.outbox.clear()
    first, second = run_twice(dt.date(2027, 1, 1), django_capture_on_commit_callbacks)
    assert (first.lapsed, second.lapsed) == (1, 0)
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"lapsed"}
    assert len(mail.outbox) == 1 and "失効" in mail.outbox[0].subject
    assert Event.objects.filter(action=Event.Action.LAPSED).count() == 2


def test_beat_task_runs_twice(member, staff):
    # Approved about 100 days ago and never paid: past the 30-day grace period.
    approved_policy(member, {"club": {}}, staff=staff, now=timezone.now() - dt.timedelta(days=100))
    assert run_daily_club_renewals()["lapsed"] == 1
    assert run_daily_club_renewals() == {"reminded": 0, "renewed": 0, "lapsed": 0}
    assert Enrolment.objects.get().status == "lapsed"


def test_mark_paid_twice_records_once(club, staff):
    year = club.club_years.get()
    services.club_year_mark_paid(club_year=year, actor=staff, now=at(dt.date(2026, 12, 2)))
    services.club_year_mark_paid(club_year=year, actor=staff, now=at(dt.date(2026, 12, 9)))
    year.refresh_from_db()
    assert year.paid_at == at(dt.date(2026, 12, 2))
    assert Event.objects.filter(action=Event.Action.FEE_PAID).count() == 1
