import pytest
from django.urls import reverse
from django.utils import timezone

from kyosai import services
from kyosai.models import Application, Document, Policy, QuoteRequest
from members import services as member_services
from tests.kyosai.factories import approved_policy, submitted_application

pytestmark = pytest.mark.django_db


def test_policies_in_force_block_account_deletion(member, staff):
    approved_policy(member, staff=staff)
    reasons = member_services.account_deletion_blockers(user=member)
    assert any("解約" in r for r in reasons)
    with pytest.raises(member_services.AccountDeletionBlocked):
        member_services.account_delete(user=member, now=timezone.now())


def test_export_and_deletion_handler(member):
    submitted_application(member, {"club": {}, "rosai": {"daily": 3500}})
    data = member_services.account_export(user=member)
    assert data["kyosai"]["applications"][0]["full_name"] == "山田 太郎"
    services.application_reject(
        application=Application.objects.get(), actor=None, reason="テスト", now=timezone.now()
    )
    member_services.account_delete(user=member, now=timezone.now())
    application = Application.objects.get()
    assert (application.full_name, application.birth_date, application.answers) == ("", None, [])
    assert not Document.objects.exists()


def test_quote_request_and_answer(
    member_client, member, staff, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("kyosai:quote-request")
    page = member_client.get(url + "?age=45&sex=female&payment=whole_life&daily=5000")
    assert 'value="45"' in page.content.decode()
    response = member_client.post(url, {"age": 45, "sex": "female", "payment": "whole_life", "daily": 5000})
    assert response.status_code == 302
    request = QuoteRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_request_answer(
            quote_request=request, answer="お見積りしました。", monthly=4000, actor=staff, now=timezone.now()
        )
    assert "4000円" in mailoutbox[-1].body
    assert not Policy.objects.exists()


def test_quote_request_bad_input(member_client):
    response = member_client.post(
        reverse("kyosai:quote-request"), {"age": 5, "sex": "male", "payment": "whole_life", "daily": 5000}
    )
    assert "15" in response.content.decode()
    assert not QuoteRequest.objects.exists()
