import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services
from members.access import Tier, tier_of
from members.models import MemberNumberCounter, MembershipEvent, NetworkMembership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "山田 花子",
    "full_name_kana": "ヤマダ ハナコ",
    "birth_date": "1990-04-01",
    "sex": "female",
    "prefecture": "東京都",
    "occupation": "IT・クリエイティブ・ライター",
    "work_styles": ["フリーランス", "副業・兼業"],
    "agree_terms": "on",
}


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("members:membership-create"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_unverified_user_sees_how_to_unlock_not_a_bare_403(client):
    client.force_login(UserFactory(verified=False))
    response = client.get(reverse("members:membership-create"))
    assert response.status_code == 403
    assert "メールアドレスの確認" in response.content.decode()


def test_registered_user_becomes_member_with_number_card_and_audit(
    client, registered_user, django_capture_on_commit_callbacks
):
    client.force_login(registered_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:membership-create"), VALID)
    assert response.status_code == 302
    membership = NetworkMembership.objects.get(user=registered_user)
    year = timezone.localdate().year
    assert membership.member_number == f"WQ-{year}-000001"
    assert membership.work_styles == ["フリーランス", "副業・兼業"]
    assert membership.card_pdf.name.endswith(".pdf")
    assert tier_of(registered_user) == Tier.MEMBER
    actions = set(MembershipEvent.objects.filter(membership=membership).values_list("action", flat=True))
    assert actions == {"created", "card_issued"}


def test_card_pdf_shows_name_and_number(member_client, member, django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfReader

    services.membership_card_render(membership=member.membership, now=timezone.now())
    response = member_client.get(reverse("members:membership-card"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    assert "山田" in text and member.membership.member_number in text


def test_card_rendering_twice_keeps_one_file(member, django_capture_on_commit_callbacks):
    membership = member.membership
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_card_render(membership=membership, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_card_render(membership=membership, now=timezone.now())
    membership.refresh_from_db()
    storage = membership.card_pdf.storage
    assert storage.listdir("members/cards")[1] == [membership.card_pdf.name.rsplit("/", 1)[1]]
    assert MembershipEvent.objects.filter(membership=membership, action="card_issued").count() == 1


def test_card_is_private_and_each_member_only_gets_their_own(client, member, other_member):
    services.membership_card_render(membership=member.membership, now=timezone.now())
    services.membership_card_render(membership=other_member.membership, now=timezone.now())
    assert member.membership.card_pdf.storage.base_url is None  # no public URL at all
    client.force_login(other_member)
    response = client.get(reverse("members:membership-card"))
    assert response["Content-Disposition"].endswith(f"{other_member.membership.member_number}.pdf")
    client.logout()
    assert client.get(reverse("members:membership-card")).status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"full_name_kana": "やまだ はなこ"}, "フリガナはカタカナで入力してください。"),
        ({"birth_date": "2999-01-01"}, "生年月日が未来の日付になっています。"),
        ({"birth_date": "2020-01-01"}, "15歳からご登録いただけます"),
        ({"birth_date": "昭和"}, "生年月日は 1990-04-01 のように入力してください。"),
        ({"full_name": ""}, "氏名を入力してください。"),
        ({"prefecture": "火星"}, "正しく選択してください"),
        ({"occupation": "宇宙飛行士"}, "正しく選択してください"),
        ({"work_styles": []}, "働き方を1つ以上選んでください。"),
        ({"agree_terms": ""}, "同意が必要です"),
    ],
)
def test_membership_bad_input_shows_message_keeps_input_saves_nothing(
    client, registered_user, change, message
):
    client.force_login(registered_user)
    response = client.post(reverse("members:membership-create"), {**VALID, **change})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert not NetworkMembership.objects.exists()
    assert not MemberNumberCounter.objects.exists()
    if "full_name" not in change:
        assert 'value="山田 花子"' in body


def test_get_does_not_create_membership(client, registered_user):
    client.force_login(registered_user)
    assert client.get(reverse("members:membership-create")).status_code == 200
    assert not NetworkMembership.objects.exists()


def test_member_cannot_join_twice(member_client, member):
    response = member_client.post(reverse("members:membership-create"), VALID)
    assert response.status_code == 302
    assert NetworkMembership.objects.filter(user=member).count() == 1


def test_member_numbers_are_never_reused():
    numbers = [services.member_number_allocate(year=2026) for _ in range(3)]
    assert numbers == ["WQ-2026-000001", "WQ-2026-000002", "WQ-2026-000003"]
    assert services.member_number_allocate(year=2027) == "WQ-2027-000001"


def test_member_edits_own_data_and_change_is_audited(member_client, member):
    data = {k: v for k, v in VALID.items() if k != "agree_terms"}
    response = member_client.post(reverse("members:membership-edit"), {**data, "prefecture": "北海道"})
    assert response.status_code == 302
    membership = NetworkMembership.objects.get(user=member)
    assert membership.prefecture == "北海道"
    event = MembershipEvent.objects.get(membership=membership, action="updated")
    assert event.actor == member and "都道府県" in event.note


def test_update_given_the_forms_mutated_instance_still_saves_and_audits(member):
    """A ModelForm's is_valid() has already written cleaned data onto its
    instance; the service must compare with the stored row, not that object."""
    from members.forms import MembershipForm

    membership = member.membership
    data = {k: v for k, v in VALID.items() if k != "agree_terms"}
    form = MembershipForm({**data, "prefecture": "北海道"}, instance=membership, editing=True)
    assert form.is_valid(), form.errors
    assert membership.prefecture == "北海道"  # the instance is already changed in memory

    services.membership_update(
        membership=membership, data=form.cleaned_data, actor=member, now=timezone.now()
    )

    assert NetworkMembership.objects.get(pk=membership.pk).prefecture == "北海道"
    event = MembershipEvent.objects.get(membership=membership, action="updated")
    assert event.actor == member and "都道府県" in event.note


def test_status_change_from_a_stale_object_reads_the_stored_status(member, staff):
    stale = NetworkMembership.objects.get(pk=member.membership.pk)
    NetworkMembership.objects.filter(pk=stale.pk).update(status="suspended")
    services.membership_set_status(
        membership=stale, status="suspended", actor=staff, note="", now=timezone.now()
    )
    assert not MembershipEvent.objects.filter(action="status_changed").exists()


def test_status_change_is_recorded(member, staff):
    membership = member.membership
    services.membership_set_status(
        membership=membership, status="suspended", actor=staff, note="確認のため", now=timezone.now()
    )
    event = MembershipEvent.objects.get(action="status_changed")
    assert (event.from_status, event.to_status, event.actor) == ("active", "suspended", staff)
    assert tier_of(type(member).objects.get(pk=member.pk)) == Tier.REGISTERED


def test_birth_date_boundary_fifteen_today(client, registered_user):
    today = timezone.localdate()
    fifteen = today.replace(year=today.year - 15)
    client.force_login(registered_user)
    response = client.post(reverse("members:membership-create"), {**VALID, "birth_date": fifteen.isoformat()})
    assert response.status_code == 302


def test_birth_date_one_day_short_of_fifteen_is_refused(client, registered_user):
    today = timezone.localdate()
    too_young = today.replace(year=today.year - 15) + dt.timedelta(days=1)
    client.force_login(registered_user)
    response = client.post(
        reverse("members:membership-create"), {**VALID, "birth_date": too_young.isoformat()}
    )
    assert "15歳からご登録いただけます" in response.content.decode()
    assert not NetworkMembership.objects.exists()
