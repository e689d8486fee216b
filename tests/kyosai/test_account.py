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
    member.membership.birth_date = None  # a member who has not given it: the form asks
    member.membership.save()
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


def test_quote_request_bad_input(member_client, member):
    member.membership.birth_date = None
    member.membership.save()
    response = member_client.post(
        reverse("kyosai:quote-request"), {"age": 5, "sex": "male", "payment": "whole_life", "daily": 5000}
    )
    assert "15" in response.content.decode()
    assert not QuoteRequest.objects.exists()


def test_medical_enrolment_uses_the_answered_quote(member, staff):
    from django.core.exceptions import ValidationError

    from kyosai.models import Enrolment
    from tests.kyosai.factories import NOW

    selection = {"club": {}, "medical": {"daily": 5000, "payment": "whole_life"}}
    with pytest.raises(ValidationError, match="公表されていません"):
        submitted_application(member, selection)  # 38 years old: no published figure
    request = services.quote_request_create(
        user=member,
        product="medical",
        age=38,
        sex="male",
        daily=5000,
        payment="whole_life",
        message="",
        now=NOW,
    )
    services.quote_request_answer(
        quote_request=request, answer="月3,980円です。", monthly=3980, actor=staff, now=NOW
    )
    services.application_submit(
        application_id=Application.objects.get().pk, user=member, consent=True, now=NOW
    )
    assert Enrolment.objects.get(product="medical").monthly == 3980


def test_kyosai_staff_can_edit_rate_tables_in_admin(client):
    from kyosai.models import RateTable
    from tests.conftest import make_staff

    table = RateTable.objects.get(product="life")
    url = reverse("admin:kyosai_ratetable_change", args=[table.pk])
    client.force_login(make_staff("編集", email="e@example.jp", nickname="編集者"))
    assert client.get(url).status_code == 403
    client.force_login(make_staff("共済担当", email="k@example.jp", nickname="共済"))
    page = client.get(url)
    assert page.status_code == 200 and 'value="7637"' in page.content.decode()


def test_a_rate_table_that_priced_an_enrolment_is_frozen_in_admin(client, member):
    from kyosai.models import RateTable
    from tests.conftest import make_staff

    submitted_application(member)
    table = RateTable.objects.get(product="life")
    client.force_login(make_staff("共済担当", email="k@example.jp", nickname="共済"))
    page = client.get(reverse("admin:kyosai_ratetable_change", args=[table.pk])).content.decode()
    assert 'name="rates-0-monthly"' not in page and "<p>7637</p>" in page
    assert 'name="valid_to"' in page


@pytest.mark.parametrize(
    "answered, accepted",
    [
        ({"daily": 5000, "payment": "whole_life"}, True),
        ({"daily": 10000, "payment": "whole_life"}, False),
        ({"daily": 5000, "payment": "paid_up_at_65"}, False),
        ({"daily": None, "payment": "whole_life"}, False),
    ],
)
def test_the_options_step_and_review_agree_on_an_answered_quote(member, staff, answered, accepted):
    """One lookup: the options step accepts a 見積り choice exactly when review prices it."""
    import datetime as dt

    from django.utils import timezone

    from kyosai import premiums
    from kyosai.forms import OptionsForm
    from tests.kyosai.factories import NOW

    quote = services.quote_request_create(
        user=member, product="medical", age=38, sex="male", message="", now=NOW, **answered
    )
    services.quote_request_answer(
        quote_request=quote, answer="回答です。", monthly=3980, actor=staff, now=NOW
    )
    application = services.application_draft(user=member, now=NOW)
    choice = {"daily": 5000, "payment": "whole_life"}
    services.application_set_products(
        application=application, selection={"club": {}, "medical": choice}, now=NOW
    )
    birth = dt.date(1988, 4, 1)
    services.application_set_details(
        application=application,
        full_name="山田 太郎",
        birth_date=birth,
        sex="male",
        beneficiary="",
        answers=[],
        now=NOW,
    )
    start = services.expected_cover_start("medical", timezone.localdate(NOW))
    form = OptionsForm(
        {"medical_payment": "whole_life", "medical_daily": "5000"},
        start=start,
        age=premiums.age_on(birth, start),
        sex="male",
        user=member,
    )
    (line,) = [
        ln
        for ln in services.application_quote(application=application, on=timezone.localdate(NOW))
        if ln.product == "medical"
    ]
    assert form.is_valid() is accepted
    assert (not line.error) is accepted
