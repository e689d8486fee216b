import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kyosai import services
from kyosai.models import Application, ClubYear, Enrolment, Event, Policy
from tests.kyosai.factories import NOW, approved_policy, submitted_application

pytestmark = pytest.mark.django_db


def test_submit_prices_each_cover_with_age_on_cover_start(member, django_capture_on_commit_callbacks):
    # Born 1988-04-01: 38 on 2026-12-01 (the 1st of the month after 2026-11-20).
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted_application(
            member, {"club": {}, "life": {"plan": "B"}, "income": {"job_class": 1, "benefit": 200000}}
        )
    covers = {e.product: e for e in application.enrolments.all()}
    assert covers["club"].annual == 3000
    assert covers["life"].monthly == 1626  # male 36-40, plan B
    assert covers["income"].monthly == 3200  # 35-39, class 1, 20万円
    assert covers["life"].rate_table.product == "life"
    assert application.status == "submitted"
    assert mail.outbox[-1].to == [member.email]


def test_approval_issues_policy_club_year_certificate_and_mail(
    member, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, staff=staff)
    policy.refresh_from_db()
    assert policy.number.startswith("WQK-2026-")
    assert policy.certificate.name.endswith(".pdf")
    assert policy.cover_start == dt.date(2026, 12, 1)
    assert policy.cover_end == dt.date(2027, 11, 30)
    assert ClubYear.objects.get().fee == 3000
    assert Event.objects.filter(action=Event.Action.APPROVED, actor=staff).exists()
    assert "証券番号" in mail.outbox[-1].subject


def test_reject_needs_reason_and_mails_it(member, staff, django_capture_on_commit_callbacks):
    application = submitted_application(member)
    with pytest.raises(ValidationError):
        services.application_reject(application=application, actor=staff, reason=" ", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            application=application, actor=staff, reason="告知の内容を確認させてください。", now=NOW
        )
    assert Application.objects.get().status == "rejected"
    assert "告知の内容を確認させてください。" in mail.outbox[-1].body
    assert not Policy.objects.exists()


def test_double_submit_and_double_approve_change_nothing_twice(member, staff):
    application = submitted_application(member)
    with pytest.raises(ValidationError, match="すでに送信済み"):
        services.application_submit(application_id=application.pk, user=member, consent=True, now=NOW)
    services.application_approve(application=application, actor=staff, now=NOW)
    with pytest.raises(ValidationError):
        services.application_approve(application=application, actor=staff, now=NOW)
    assert Policy.objects.count() == 1


def test_one_active_enrolment_per_member_and_product_in_the_database(member):
    application = submitted_application(member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(application=application, user=member, product="life", status="draft")


def test_second_application_for_a_product_already_applied_for_is_refused(member, staff):
    approved_policy(member, staff=staff)
    draft = services.application_draft(user=member, now=NOW)
    with pytest.raises(ValidationError, match="すでにお申込み"):
        services.application_set_products(application=draft, selection={"life": {"plan": "A"}}, now=NOW)
    # Options only, since the club is already active.
    services.application_set_products(application=draft, selection={"liability": {}}, now=NOW)


def test_options_need_the_club(member):
    draft = services.application_draft(user=member, now=NOW)
    with pytest.raises(ValidationError, match="クラブへの加入が必要"):
        services.application_set_products(application=draft, selection={"liability": {}}, now=NOW)


def test_submit_refuses_plan_c_at_62(member):
    application = services.application_draft(user=member, now=NOW)
    services.application_set_products(
        application=application, selection={"club": {}, "life": {"plan": "C"}}, now=NOW
    )
    services.application_set_details(
        application=application,
        full_name="山田 太郎",
        birth_date=dt.date(1964, 1, 1),
        sex="male",
        beneficiary="x",
        answers=[],
        now=NOW,
    )
    with pytest.raises(ValidationError, match="Cプランは60歳までの方が対象です"):
        services.application_submit(application_id=application.pk, user=member, consent=True, now=NOW)
    assert Application.objects.get().status == "draft"
    assert not Enrolment.objects.filter(status="submitted").exists()


def test_cancellation_ends_at_month_end_and_club_takes_options(
    member, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, staff=staff)
    club = policy.covers.get(product="club")
    later = NOW + dt.timedelta(days=30)  # 2026-12-20
    services.enrolment_request_cancel(enrolment=club, user=member, now=later)
    with django_capture_on_commit_callbacks(execute=True):
        ended = services.enrolment_confirm_cancel(enrolment=club, actor=staff, now=later)
    assert {e.product for e in ended} == {"club", "life"}
    assert {e.cover_end for e in Enrolment.objects.all()} == {dt.date(2026, 12, 31)}
    assert policy.state_on(dt.date(2027, 1, 5)) == "cancelled"


def test_certificate_task_runs_twice_and_replaces_the_file(member, staff, django_capture_on_commit_callbacks):
    from kyosai.tasks import render_certificate

    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, staff=staff)
    policy.refresh_from_db()
    first = policy.certificate.name
    storage = policy.certificate.storage
    with django_capture_on_commit_callbacks(execute=True):
        render_certificate(policy.pk)
    with django_capture_on_commit_callbacks(execute=True):
        render_certificate(policy.pk)
    policy.refresh_from_db()
    assert storage.exists(policy.certificate.name)
    assert not storage.exists(first) or first == policy.certificate.name
    assert len(storage.listdir("kyosai/certificates")[1]) == 1


def test_certificate_pdf_content(member, staff, django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfReader

    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, {"club": {}, "liability": {}}, staff=staff)
    policy.refresh_from_db()
    data = policy.certificate.read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "山田 太郎" in text and policy.number in text
    assert "業務遂行中の賠償事故" in text and "100,000,000円" in text
    assert policy.verify_token in text.replace("\n", "")
    assert len(data) < 200_000
