"""Claim services: amounts from the tables in force, the status machine, audit and e-mails."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kyosai import services
from kyosai.models import Benefit, Claim, ClaimEvent, Rate, RateTable
from tests.kyosai.claim_factories import CLAIM_NOW, EVENT_DAY, draft_claim, requirement, sent_claim, upload
from tests.kyosai.factories import approved_policy

pytestmark = pytest.mark.django_db
LATER = CLAIM_NOW + dt.timedelta(days=1)


@pytest.fixture
def policy(member):
    return approved_policy(member, {"club": {}, "life": {"plan": "B"}})


def test_hospital_stay_is_basic_cover_plus_option_1_from_the_tables(member, policy):
    claim = draft_claim(member, hospital_days=10)
    assert claim.indicative_amount == 60_000  # 1,000 × 10 + (6,000 − 1,000) × 10
    assert claim.policy == policy
    texts = [line["text"] for line in claim.computation["lines"]]
    assert texts[0].endswith("日額 1,000円 × 10日 = 10,000円")
    assert "上乗せ分 5,000円" in texts[1] and texts[1].endswith("= 50,000円")


def test_kinds_offered_follow_the_covers(member, policy):
    codes = [k.code for k in services.claim_kinds_offered(member=member, family=False, today=EVENT_DAY)]
    assert "hospital_illness" in codes and "surgery" not in codes and "death_illness" not in codes


def test_amounts_come_from_the_table_in_force_on_the_event_date(member, policy):
    """A new club table from 2027-06-01 pays 2,000円 a day; events before it keep 1,000円."""
    old = RateTable.objects.get(product="club")
    old.valid_to = dt.date(2027, 5, 31)
    old.save()
    new = RateTable.objects.create(
        product="club", version="2027年6月版（テスト）", valid_from=dt.date(2027, 6, 1), source="テスト"
    )
    Rate.objects.create(table=new, annual=3000)
    for b in old.benefits.all():
        amount = 2000 if b.group == "病気入院共済金" else b.amount
        Benefit.objects.create(
            table=new, group=b.group, label=b.label, prefix=b.prefix, amount=amount, order=b.order
        )
    now = CLAIM_NOW.replace(year=2027, month=7, day=20)
    before = draft_claim(member, event_date=dt.date(2027, 5, 31), now=now, hospital_days=3)
    assert before.computation["lines"][0]["amount"] == 3_000
    Claim.objects.filter(pk=before.pk).update(status="received")  # let a second draft start
    after = draft_claim(member, event_date=dt.date(2027, 6, 1), now=now, hospital_days=3)
    assert after.computation["lines"][0]["amount"] == 6_000
    # Option 1's 6,000円 a day includes the basic cover's, so the total stays 6,000 × 3.
    assert after.indicative_amount == 18_000


@pytest.mark.parametrize(
    ("event_date", "message"),
    [(dt.date(2026, 11, 30), "保障期間ではありません"), (dt.date(2027, 1, 16), "今日までの日付")],
)
def test_event_outside_the_cover_or_in_the_future_is_refused(member, policy, event_date, message):
    claim = services.claim_start(member=member, filed_by=member, now=CLAIM_NOW)
    services.claim_set_kind(claim=claim, kind="hospital_illness", now=CLAIM_NOW)
    with pytest.raises(ValidationError, match=message):
        services.claim_set_details(
            claim=claim, event_date=event_date, description="", hospital_days=3, now=CLAIM_NOW
        )
    claim.refresh_from_db()
    assert claim.event_date is None


def test_a_cancelled_cover_still_pays_for_days_it_covered(member, policy, staff):
    club = policy.covers.get(product="club")
    services.enrolment_request_cancel(enrolment=club, user=member, now=CLAIM_NOW)
    services.enrolment_confirm_cancel(enrolment=club, actor=staff, now=CLAIM_NOW)  # ends 2027-01-31
    claim = draft_claim(
        member, event_date=dt.date(2027, 1, 20), now=CLAIM_NOW.replace(month=3), hospital_days=2
    )
    assert claim.indicative_amount == 12_000
    with pytest.raises(ValidationError, match="保障期間ではありません"):
        services.claim_set_details(
            claim=claim,
            event_date=dt.date(2027, 2, 1),
            description="",
            hospital_days=2,
            now=CLAIM_NOW.replace(month=3),
        )


def test_no_claim_without_a_cover(member):
    with pytest.raises(ValidationError, match="ご加入がありません"):
        services.claim_start(member=member, filed_by=member, now=CLAIM_NOW)


def test_submit_needs_the_required_documents(member, policy):
    claim = draft_claim(member)
    with pytest.raises(ValidationError, match="入院証明書、または領収書・診療明細書"):
        services.claim_submit(claim_id=claim.pk, user=member, now=CLAIM_NOW)
    assert Claim.objects.get(pk=claim.pk).status == "draft"


def test_the_whole_road_is_recorded_and_emailed(member, policy, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        claim = sent_claim(member)
    assert claim.status == "received" and claim.documents.count() == 2
    assert mail.outbox[-1].to == [member.email] and "受け付けました" in mail.outbox[-1].subject
    steps = [
        lambda c: services.claim_transition(claim=c, to="documents_check", actor=staff, now=LATER),
        lambda c: services.claim_transition(
            claim=c, to="documents_requested", actor=staff, reason="診療明細書もお願いします。", now=LATER
        ),
        lambda c: services.claim_attach(
            claim=c,
            uploads=[upload("meisai.pdf", b"%PDF-1.4", "application/pdf")],
            requirement=None,
            user=member,
            now=LATER,
        ),
        lambda c: services.claim_transition(claim=c, to="review", actor=staff, now=LATER),
        lambda c: services.claim_confirm_amount(
            claim=c, amount=60_000, payment_date=dt.date(2027, 1, 25), actor=staff, now=LATER
        ),
        lambda c: services.claim_record_payment(claim=c, actor=staff, now=LATER),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step(claim)
    claim.refresh_from_db()
    assert claim.status == "completed" and claim.paid_at == LATER and claim.confirmed_amount == 60_000
    moves = list(claim.events.filter(to_status__gt="").values_list("from_status", "to_status"))
    assert moves == [
        ("draft", "received"),
        ("received", "documents_check"),
        ("documents_check", "documents_requested"),
        ("documents_requested", "documents_check"),
        ("documents_check", "review"),
        ("review", "payment"),
        ("payment", "completed"),
    ]
    requested = claim.events.get(to_status="documents_requested")
    assert requested.actor == staff and requested.note == "診療明細書もお願いします。"
    assert claim.events.get(from_status="documents_requested").actor == member
    subjects = [m.subject for m in mail.outbox]
    assert any("書類の追加をお願いします" in s for s in subjects)
    assert any("お支払い額が決まりました" in s for s in subjects)
    assert "お支払いが完了しました" in subjects[-1] and "60,000円" in mail.outbox[-1].body
    assert "診療明細書もお願いします。" in next(m.body for m in mail.outbox if "追加" in m.subject)
    assert len(mail.outbox) == 7  # one per status change
    assert all(m.alternatives and claim.number in m.alternatives[0][0] for m in mail.outbox)


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("received", "review"),
        ("documents_check", "draft"),
        ("review", "documents_check"),
        ("completed", "review"),
    ],
)
def test_invalid_transitions_are_refused(member, policy, staff, status, target):
    claim = sent_claim(member)
    Claim.objects.filter(pk=claim.pk).update(status=status, confirmed_amount=1, paid_at=LATER)
    with pytest.raises(ValidationError, match="進めません"):
        services.claim_transition(claim=claim, to=target, actor=staff, now=LATER)
    assert Claim.objects.get(pk=claim.pk).status == status


def test_payment_steps_only_through_their_services(member, policy, staff):
    claim = sent_claim(member)
    with pytest.raises(ValidationError, match="お支払い"):
        services.claim_transition(claim=claim, to="payment", actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="お支払い手続き中の請求だけ"):
        services.claim_record_payment(claim=claim, actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="進めません"):
        services.claim_confirm_amount(
            claim=claim, amount=60_000, payment_date=dt.date(2027, 2, 1), actor=staff, now=LATER
        )


def test_refusal_needs_a_reason_and_tells_it(member, policy, staff, django_capture_on_commit_callbacks):
    claim = sent_claim(member)
    with pytest.raises(ValidationError, match="理由を入力"):
        services.claim_transition(claim=claim, to="not_payable", actor=staff, reason=" ", now=LATER)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_transition(
            claim=claim, to="not_payable", actor=staff, reason="保障期間外の入院です。", now=LATER
        )
    claim.refresh_from_db()
    assert claim.status == "not_payable" and claim.decision_reason == "保障期間外の入院です。"
    assert "保障期間外の入院です。" in mail.outbox[-1].body


def test_an_amount_other_than_the_indicative_needs_a_reason(member, policy, staff):
    claim = sent_claim(member)
    for to in ("documents_check", "review"):
        services.claim_transition(claim=claim, to=to, actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="理由"):
        services.claim_confirm_amount(
            claim=claim, amount=50_000, payment_date=dt.date(2027, 2, 1), actor=staff, now=LATER
        )
    with pytest.raises(ValidationError, match="今日以降"):
        services.claim_confirm_amount(
            claim=claim, amount=60_000, payment_date=dt.date(2027, 1, 1), actor=staff, now=LATER
        )
    services.claim_confirm_amount(
        claim=claim,
        amount=50_000,
        payment_date=dt.date(2027, 2, 1),
        reason="入院は5日でした",
        actor=staff,
        now=LATER,
    )
    event = ClaimEvent.objects.get(claim=claim, action="amount_confirmed")
    assert "50,000円（目安 60,000円）" in event.note and "入院は5日でした" in event.note


def test_a_ceiling_cannot_be_passed(member, policy, staff):
    claim = sent_claim(member, kind="home_disaster", subtype="火災等")
    assert claim.indicative_amount == 200_000 and claim.indicative_is_maximum
    for to in ("documents_check", "review"):
        services.claim_transition(claim=claim, to=to, actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="上限"):
        services.claim_confirm_amount(
            claim=claim, amount=250_000, payment_date=dt.date(2027, 2, 1), actor=staff, now=LATER
        )
    services.claim_confirm_amount(
        claim=claim, amount=120_000, payment_date=dt.date(2027, 2, 1), actor=staff, now=LATER
    )


def test_family_claim_needs_a_matching_policy_and_a_verified_relationship(
    member, other_member, policy, staff, django_capture_on_commit_callbacks
):
    kwargs = dict(
        claimant_name="山田 花子",
        relationship="配偶者",
        phone="090-0000-0000",
        reason="deceased",
        now=CLAIM_NOW,
    )
    with pytest.raises(ValidationError, match="一致する証券が見つかりません"):
        services.claim_family_start(
            filed_by=other_member, policy_number=policy.number, holder_name="山田 次郎", **kwargs
        )
    with pytest.raises(ValidationError, match="ご本人の請求"):
        services.claim_family_start(
            filed_by=member, policy_number=policy.number, holder_name="山田 太郎", **kwargs
        )
    claim = services.claim_family_start(
        filed_by=other_member, policy_number=policy.number.lower(), holder_name="山田　太郎", **kwargs
    )
    assert claim.member == member and claim.is_family and claim.needs_claimant_check
    offered = {k.code for k in services.claim_kinds_offered(member=member, family=True, today=EVENT_DAY)}
    assert "death_illness" in offered
    claim = services.claim_set_kind(claim=claim, kind="death_illness", now=CLAIM_NOW)
    claim = services.claim_set_details(claim=claim, event_date=EVENT_DAY, description="", now=CLAIM_NOW)
    assert claim.indicative_amount == 6_000_000
    services.claim_attach(
        claim=claim,
        uploads=[upload()],
        requirement=requirement(claim, "死亡診断書"),
        user=other_member,
        now=CLAIM_NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_submit(claim_id=claim.pk, user=other_member, now=CLAIM_NOW)
    assert set(mail.outbox[-1].to) == {other_member.email, member.email}
    services.claim_transition(claim=claim, to="documents_check", actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="続柄を確認"):
        services.claim_transition(claim=claim, to="review", actor=staff, now=LATER)
    services.claim_verify_claimant(claim=claim, actor=staff, now=LATER)
    services.claim_transition(claim=claim, to="review", actor=staff, now=LATER)
    assert claim.events.filter(action="claimant_verified", actor=staff).exists()


def test_documents_only_while_the_claim_accepts_them(member, policy, staff):
    claim = sent_claim(member)
    for to in ("documents_check", "review"):
        services.claim_transition(claim=claim, to=to, actor=staff, now=LATER)
    with pytest.raises(ValidationError, match="書類を追加できません"):
        services.claim_attach(claim=claim, uploads=[upload()], requirement=None, user=member, now=LATER)


def test_submit_twice_changes_nothing(member, policy):
    claim = sent_claim(member)
    with pytest.raises(ValidationError, match="送信済み"):
        services.claim_submit(claim_id=claim.pk, user=member, now=LATER)
    assert claim.events.filter(action="submitted").count() == 1


def test_open_claims_block_account_deletion(member, policy):
    sent_claim(member)
    assert services.claim_deletion_blockers(member)


def test_export_lists_claims_and_forgetting_removes_drafts_and_contact_details(member, policy):
    sent = sent_claim(member)
    draft = draft_claim(member)
    services.claim_attach(claim=draft, uploads=[upload()], requirement=None, user=member, now=CLAIM_NOW)
    exported = services.claim_personal_data_export(member)["kyosai_claims"]
    assert {c["number"] for c in exported} == {sent.number, draft.number}
    services.claim_personal_data_delete(member)
    assert list(Claim.objects.values_list("pk", flat=True)) == [sent.pk]
    assert sent.documents.count() == 2
