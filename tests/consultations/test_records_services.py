"""取引記録: services, database constraints, reminders, export and deletion."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations import services, tasks
from consultations.models import EngagementEvent, EngagementEvidence, EngagementRecord, EngagementReminder
from members import services as member_services
from tests.consultations.factories import EngagementRecordFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
TODAY = timezone.localdate(NOW)
DATA = {
    "client_name": "株式会社サンプル",
    "client_has_employees": "yes",
    "start_on": dt.date(2026, 3, 1),
    "work": "ロゴの制作",
    "fee": 80000,
    "delivered_on": dt.date(2026, 3, 20),
}


def pdf_upload(name="order.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test")


def test_create_update_mark_paid_are_audited(member):
    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    services.engagement_update(record=record, data={**DATA, "fee": 90000, "fee_note": "修正後"}, now=NOW)
    services.engagement_update(record=record, data={**DATA, "fee": 90000, "fee_note": "修正後"}, now=NOW)
    services.engagement_mark_paid(record=record, paid_on=dt.date(2026, 5, 1), now=NOW)
    record.refresh_from_db()
    assert (record.fee, record.paid_on) == (90000, dt.date(2026, 5, 1))
    events = list(EngagementEvent.objects.filter(record=record).order_by("id").values_list("action", "note"))
    assert events == [
        ("created", ""),
        ("updated", "報酬（円）、報酬についてのメモ"),  # an unchanged save writes nothing
        ("paid", "2026-05-01"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_on": dt.date(2026, 2, 1)}, "end_on"),
        ({"delivered_on": dt.date(2026, 2, 1)}, "delivered_on"),
        ({"agreed_due_on": dt.date(2026, 3, 19)}, "agreed_due_on"),
        ({"end_on": dt.date(2026, 6, 1), "renewed_until": dt.date(2026, 5, 1)}, "renewed_until"),
    ],
)
def test_bad_dates_are_refused_and_nothing_saved(member, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.engagement_create(owner=member, data={**DATA, **changes}, now=NOW)
    assert field in exc.value.message_dict
    assert not EngagementRecord.objects.exists()
    assert not EngagementEvent.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"end_on": dt.date(2026, 2, 1)},
        {"delivered_on": dt.date(2026, 2, 1)},
        {"agreed_due_on": dt.date(2026, 3, 19)},
        {"paid_on": dt.date(2026, 2, 1)},
    ],
)
def test_database_constraints_hold_without_clean(member, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        EngagementRecord.objects.create(owner=member, **{**DATA, **changes})


def test_future_paid_date_refused(member):
    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    with pytest.raises(ValidationError):
        services.engagement_mark_paid(record=record, paid_on=TODAY + dt.timedelta(days=1), now=NOW)
    record.refresh_from_db()
    assert record.paid_on is None


def test_terms_check_is_computed_from_the_saved_text(member):
    from consultations import terms_checker

    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    text = "山田様\nロゴ制作をお願いします。報酬 80,000円、納期 3月20日。お支払いは請求書受領後に。"
    services.engagement_save_terms_check(record=record, text=f"  {text}\n", now=NOW)
    record.refresh_from_db()
    assert record.client_message == text
    assert record.terms_check == terms_checker.check_terms(text).as_dict()
    assert record.terms_checked_at == NOW
    with pytest.raises(ValidationError):
        services.engagement_save_terms_check(record=record, text="   ", now=NOW)


def test_evidence_add_remove_and_files_go_after_commit(member, django_capture_on_commit_callbacks):
    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    evidence = services.evidence_add(
        record=record, upload=pdf_upload(), content_type="application/pdf", note="発注メール", now=NOW
    )
    assert evidence.file.name.startswith("consultations/evidence/")
    storage = evidence.file.storage
    assert storage.exists(evidence.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=evidence, now=NOW)
    assert not storage.exists(evidence.file.name)
    assert list(EngagementEvent.objects.filter(record=record).values_list("action", flat=True)) == [
        "evidence_removed",
        "evidence_added",
        "created",
    ]


def test_delete_keeps_an_audit_row_and_removes_files(member, django_capture_on_commit_callbacks):
    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    evidence = services.evidence_add(
        record=record, upload=pdf_upload(), content_type="application/pdf", note="", now=NOW
    )
    name, storage = evidence.file.name, evidence.file.storage
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.engagement_delete(record=record, now=NOW)
    assert storage.exists(name)  # not before the commit
    for callback in callbacks:
        callback()
    assert not storage.exists(name)
    assert not EngagementRecord.objects.exists() and not EngagementEvidence.objects.exists()
    assert EngagementEvent.objects.filter(owner=member, action="deleted", record=None).exists()


# --- Reminders ------------------------------------------------------------------------------
REAL_TODAY = timezone.localdate()


def overdue_record(owner, **kwargs):
    return EngagementRecordFactory(
        owner=owner,
        start_on=REAL_TODAY - dt.timedelta(days=120),
        delivered_on=REAL_TODAY - dt.timedelta(days=90),
        agreed_due_on=REAL_TODAY - dt.timedelta(days=70),
        **kwargs,
    )


def test_overdue_reminder_runs_twice_sends_once(member, django_capture_on_commit_callbacks, settings):
    record = overdue_record(member)
    EngagementRecordFactory(owner=member, delivered_on=REAL_TODAY - dt.timedelta(days=90), paid_on=REAL_TODAY)
    EngagementRecordFactory(owner=member, delivered_on=REAL_TODAY)  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_engagement_reminders() == 1
        assert tasks.send_engagement_reminders() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert "支払期日を過ぎています" in message.subject
    assert f"/consultations/records/{record.pk}/" in message.body
    assert "text/html" in message.alternatives[0][1]
    reminder = EngagementReminder.objects.get()
    assert (reminder.record, reminder.kind, reminder.on) == (record, "overdue", record.agreed_due_on)
    assert EngagementEvent.objects.get(record=record, action="reminded").actor is None


def test_no_overdue_reminder_without_employees_or_once_paid(member, django_capture_on_commit_callbacks):
    overdue_record(member, client_has_employees="no")
    paid = overdue_record(member)
    services.engagement_mark_paid(record=paid, paid_on=REAL_TODAY, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.engagement_reminders_send(now=timezone.now()) == 0
    assert mail.outbox == []


def test_notice_reminder_before_the_notice_date(member, django_capture_on_commit_callbacks):
    from consultations import freelance_act

    start = REAL_TODAY - dt.timedelta(days=300)
    # Find an end date whose notice_by falls within the reminder window.
    end = REAL_TODAY + dt.timedelta(days=35)
    notice = [m for m in freelance_act.engagement_milestones(start=start, end=end) if m.code == "notice_by"]
    assert notice and 0 <= (notice[0].on - REAL_TODAY).days <= services.NOTICE_REMINDER_DAYS
    record = EngagementRecordFactory(owner=member, start_on=start, end_on=end, delivered_on=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.engagement_reminders_send(now=timezone.now()) == 1
        assert services.engagement_reminders_send(now=timezone.now()) == 0
    assert "予告" in mail.outbox[0].subject
    assert EngagementReminder.objects.get(record=record).kind == "notice"


# --- Account data ---------------------------------------------------------------------------
def test_export_and_account_deletion_include_records_and_files(member, django_capture_on_commit_callbacks):
    record = services.engagement_create(owner=member, data=DATA, now=NOW)
    evidence = services.evidence_add(
        record=record, upload=pdf_upload("proof.pdf"), content_type="application/pdf", note="納品", now=NOW
    )
    exported = member_services.account_export(user=member)
    records = [v for v in _walk(exported) if isinstance(v, dict) and v.get("取引先") == "株式会社サンプル"]
    assert records and records[0]["証拠ファイル"][0]["ファイル名"] == "proof.pdf"
    name, storage = evidence.file.name, evidence.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        member_services.account_delete(user=member, now=timezone.now())
    assert not EngagementRecord.objects.exists()
    assert not EngagementEvent.objects.filter(owner=member).exists()
    assert not storage.exists(name)


def _walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def test_demo_is_idempotent():
    from consultations import demo
    from members import demo as members_demo

    members_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    record = EngagementRecord.objects.get(owner__email="sakura@example.jp")
    assert services.engagement_payment(record, today=timezone.localdate()).overdue
    assert record.terms_check and record.evidence.count() == 1
