"""共済担当 review claims in the admin: computation shown, every move through a service."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kyosai.models import Claim
from tests.kyosai.claim_factories import sent_claim
from tests.kyosai.factories import approved_policy

pytestmark = pytest.mark.django_db
NOW = timezone.now()
EVENT = timezone.localdate(NOW) - dt.timedelta(days=5)


@pytest.fixture
def claim(member):
    approved_policy(member, {"club": {}, "life": {"plan": "B"}}, now=NOW - dt.timedelta(days=70))
    return sent_claim(member, now=NOW, event_date=EVENT)


def url(name, claim):
    return reverse(f"admin:kyosai_claim_{name}", args=[claim.pk])


def test_staff_see_the_computation_from_the_tables(staff_client, claim):
    page = staff_client.get(url("change", claim)).content.decode()
    assert "日額 1,000円 × 10日 = 10,000円" in page and "目安：60,000円" in page
    assert "書類確認にする" in page and "お支払いの対象外にする" in page
    assert staff_client.get(reverse("admin:kyosai_claim_changelist")).status_code == 200


def test_staff_walk_a_claim_to_completion(staff_client, claim, django_capture_on_commit_callbacks):
    pay_on = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("move", claim), {"to": "documents_check"})
        staff_client.post(url("move", claim), {"to": "review"})
        page = staff_client.get(url("change", claim)).content.decode()
        assert 'name="amount" value="60000"' in page  # the indicative amount, never typed from memory
        staff_client.post(url("amount", claim), {"amount": "60000", "payment_date": pay_on})
        staff_client.post(url("paid", claim))
    claim.refresh_from_db()
    assert claim.status == "completed" and claim.confirmed_amount == 60_000 and claim.paid_at
    assert [m.subject for m in mail.outbox][-1].endswith(f"お支払いが完了しました（受付番号 {claim.number}）")


def test_a_request_for_documents_needs_its_reason(staff_client, claim):
    response = staff_client.post(url("move", claim), {"to": "documents_requested", "reason": ""}, follow=True)
    assert "追加でお願いする書類と、その理由を入力してください" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "received"
    staff_client.post(url("move", claim), {"to": "documents_requested", "reason": "明細書をお願いします"})
    claim.refresh_from_db()
    assert claim.status == "documents_requested" and claim.request_note == "明細書をお願いします"
    assert claim.events.last().note == "明細書をお願いします"


def test_get_on_an_action_changes_nothing(staff_client, claim):
    assert staff_client.get(url("move", claim)).status_code == 405
    assert Claim.objects.get(pk=claim.pk).status == "received"


def test_bulk_action_moves_what_it_can_and_says_why_not(staff_client, claim):
    response = staff_client.post(
        reverse("admin:kyosai_claim_changelist"),
        {"action": "move_to_review", "_selected_action": [claim.pk]},
        follow=True,
    )
    assert "進めません" in response.content.decode()
    staff_client.post(
        reverse("admin:kyosai_claim_changelist"),
        {"action": "start_document_check", "_selected_action": [claim.pk]},
    )
    assert Claim.objects.get(pk=claim.pk).status == "documents_check"


def test_staff_without_the_kyosai_role_cannot_move_claims(client, claim):
    from tests.conftest import make_staff

    client.force_login(make_staff("編集", email="editor@example.jp", nickname="へんしゅう"))
    assert client.post(url("move", claim), {"to": "documents_check"}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == "received"
