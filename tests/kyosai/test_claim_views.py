"""Member claim pages: the happy path, access (404 matrix), GET changes nothing, bad input."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kyosai.models import Claim, ClaimDocument
from tests.kyosai.claim_factories import JPEG, requirement
from tests.kyosai.claim_factories import draft_claim as make_draft
from tests.kyosai.claim_factories import sent_claim as make_sent
from tests.kyosai.factories import approved_policy

pytestmark = pytest.mark.django_db


# Views use the real clock: the policy was approved 70 days ago, so its cover is in force.
NOW = timezone.now()
TODAY = timezone.localdate(NOW)
EVENT = TODAY - dt.timedelta(days=5)


@pytest.fixture
def policy(member):
    return approved_policy(member, {"club": {}, "life": {"plan": "B"}}, now=NOW - dt.timedelta(days=70))


@pytest.fixture
def frozen():
    return NOW


def draft_claim(member, **kwargs):
    return make_draft(member, now=NOW, event_date=EVENT, **kwargs)


def sent_claim(member, **kwargs):
    return make_sent(member, now=NOW, event_date=EVENT, **kwargs)


def photo(name="photo.jpg"):
    return SimpleUploadedFile(name, JPEG, "image/jpeg")


def test_member_claims_a_hospital_stay_step_by_step(
    member_client, member, policy, frozen, django_capture_on_commit_callbacks
):
    page = member_client.get(reverse("kyosai:claim-new"))
    assert "病気で入院した" in page.content.decode()
    response = member_client.post(reverse("kyosai:claim-new"))
    claim = Claim.objects.get(member=member)
    assert response.url == reverse("kyosai:claim-kind", args=[claim.pk])
    page = member_client.get(response.url)
    assert "加入者が病気等で亡くなった" not in page.content.decode()  # the member's own claim
    response = member_client.post(response.url, {"kind": "hospital_illness"})
    assert response.url == reverse("kyosai:claim-details", args=[claim.pk])
    response = member_client.post(response.url, {"event_date": EVENT.isoformat(), "hospital_days": "10"})
    assert response.url == reverse("kyosai:claim-documents", args=[claim.pk])
    page = member_client.get(response.url).content.decode()
    assert (
        'accept="image/*,application/pdf"' in page and 'capture="environment"' in page and "multiple" in page
    )
    claim.refresh_from_db()
    hospital = requirement(claim, "入院証明書")
    response = member_client.post(
        response.url, {"requirement": hospital.pk, "files": [photo("a.jpg"), photo("b.jpg")]}
    )
    assert (
        response.status_code == 302
        and ClaimDocument.objects.filter(claim=claim, requirement=hospital).count() == 2
    )
    page = member_client.get(reverse("kyosai:claim-confirm", args=[claim.pk])).content.decode()
    assert "60,000円" in page and "上乗せ分 5,000円" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("kyosai:claim-confirm", args=[claim.pk]), {"claim": claim.pk, "confirm": "on"}
        )
    assert response.url == reverse("kyosai:claim-detail", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.status == "received" and claim.indicative_amount == 60_000
    page = member_client.get(response.url).content.decode()
    assert "受付" in page and "書類を追加する" in page and claim.number in page
    assert "受け付けました" in mail.outbox[-1].subject
    mypage = member_client.get(reverse("members:mypage")).content.decode()
    assert claim.number in mypage and f"?policy={policy.pk}" in mypage


def test_anonymous_is_sent_to_log_in(client, member, policy):
    claim = sent_claim(member)
    document = claim.documents.first()
    for url in [
        reverse("kyosai:claim-list"),
        reverse("kyosai:claim-new"),
        reverse("kyosai:claim-family"),
        reverse("kyosai:claim-detail", args=[claim.pk]),
        reverse("kyosai:claim-document", args=[document.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.url, url


def test_another_member_gets_404_on_the_claim_its_files_and_its_steps(client, member, other_member, policy):
    draft = draft_claim(member)
    document = draft.documents.create(
        file=SimpleUploadedFile("x.jpg", JPEG), original_name="x.jpg", content_type="image/jpeg", size=10
    )
    client.force_login(other_member)
    for name in ["claim-detail", "claim-kind", "claim-details", "claim-documents", "claim-confirm"]:
        assert client.get(reverse(f"kyosai:{name}", args=[draft.pk])).status_code == 404, name
    assert (
        client.post(reverse("kyosai:claim-add-documents", args=[draft.pk]), {"files": [photo()]}).status_code
        == 404
    )
    assert client.get(reverse("kyosai:claim-document", args=[document.pk])).status_code == 404
    assert client.post(reverse("kyosai:claim-document-remove", args=[document.pk])).status_code == 404
    assert (
        client.post(
            reverse("kyosai:claim-confirm", args=[draft.pk]), {"claim": draft.pk, "confirm": "on"}
        ).status_code
        == 404
    )
    assert Claim.objects.get(pk=draft.pk).status == "draft" and ClaimDocument.objects.count() == 1
    assert draft.number not in client.get(reverse("kyosai:claim-list")).content.decode()


def test_get_changes_nothing(member_client, member, policy, frozen):
    member_client.get(reverse("kyosai:claim-new"))
    assert not Claim.objects.exists()
    claim = draft_claim(member)
    member_client.get(reverse("kyosai:claim-confirm", args=[claim.pk]))
    member_client.get(reverse("kyosai:claim-detail", args=[claim.pk]))
    assert (
        Claim.objects.get(pk=claim.pk).status == "draft"
        and not claim.events.exclude(action="started").exists()
    )
    assert member_client.get(reverse("kyosai:claim-document-remove", args=[1])).status_code == 405


def test_bad_details_get_a_japanese_error_and_nothing_is_saved(member_client, member, policy, frozen):
    claim = draft_claim(member)
    url = reverse("kyosai:claim-details", args=[claim.pk])
    page = member_client.post(url, {"event_date": TODAY.isoformat(), "hospital_days": ""}).content.decode()
    assert "入力してください。" in page
    page = member_client.post(url, {"event_date": TODAY.isoformat(), "hospital_days": "0"}).content.decode()
    assert "1以上の数を入力してください。" in page
    claim.refresh_from_db()
    assert claim.event_date == EVENT and claim.hospital_days == 10


def test_an_event_outside_the_cover_period_is_refused(member_client, member, policy, frozen):
    claim = draft_claim(member)
    page = member_client.post(
        reverse("kyosai:claim-details", args=[claim.pk]),
        {"event_date": (TODAY - dt.timedelta(days=400)).isoformat(), "hospital_days": "3"},
    ).content.decode()
    assert "このご請求を保障する共済の保障期間ではありません。" in page
    claim.refresh_from_db()
    assert claim.event_date == EVENT and claim.hospital_days == 10


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "ファイルを選ぶか、カメラで撮ってください。"),
        (
            {"files": [SimpleUploadedFile("a.txt", b"hello", "text/plain")]},
            "PDF・JPEG・PNGのファイルだけを受け付けます",
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_saved(member_client, member, policy, frozen, files, message):
    claim = draft_claim(member)
    response = member_client.post(reverse("kyosai:claim-documents", args=[claim.pk]), files)
    assert message in response.content.decode()
    assert not ClaimDocument.objects.exists()


def test_confirm_needs_the_check_and_the_documents(member_client, member, policy, frozen):
    claim = draft_claim(member)
    url = reverse("kyosai:claim-confirm", args=[claim.pk])
    page = member_client.post(url, {"claim": claim.pk}).content.decode()
    assert "内容を確かめて、チェックを入れてください。" in page
    page = member_client.post(url, {"claim": claim.pk, "confirm": "on"}).content.decode()
    assert "まだ提出していない書類があります" in page
    assert Claim.objects.get(pk=claim.pk).status == "draft"


def test_member_answers_a_request_for_documents(member_client, member, policy, staff, frozen):
    from kyosai import services

    claim = sent_claim(member)
    services.claim_transition(
        claim=claim, to="documents_requested", actor=staff, reason="明細書をお願いします", now=NOW
    )
    page = member_client.get(reverse("kyosai:claim-detail", args=[claim.pk])).content.decode()
    assert "明細書をお願いします" in page and "書類を追加する" in page
    response = member_client.post(
        reverse("kyosai:claim-add-documents", args=[claim.pk]), {"camera": [photo("m.jpg")]}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "documents_check" and claim.documents.count() == 3


def test_staff_download_claim_files_other_staff_without_permission_do_not(client, member, policy, staff):
    from tests.conftest import make_staff

    document = sent_claim(member).documents.first()
    client.force_login(staff)
    assert client.get(reverse("kyosai:claim-document", args=[document.pk])).status_code == 200
    client.force_login(make_staff("編集", email="editor@example.jp", nickname="へんしゅう"))
    assert client.get(reverse("kyosai:claim-document", args=[document.pk])).status_code == 404


def test_family_member_claims_with_their_own_account(client, registered_user, member, policy, frozen):
    client.force_login(registered_user)
    url = reverse("kyosai:claim-family")
    data = {
        "policy_number": policy.number,
        "holder_name": "山田 次郎",
        "family_reason": "deceased",
        "claimant_name": "山田 花子",
        "relationship": "配偶者",
        "phone": "090-1234-5678",
    }
    page = client.post(url, data).content.decode()
    assert "一致する証券が見つかりません" in page and not Claim.objects.exists()
    page = client.post(url, {**data, "holder_name": "山田 太郎", "phone": "abc"}).content.decode()
    assert "電話番号を数字とハイフンで入力してください。" in page and not Claim.objects.exists()
    response = client.post(url, {**data, "holder_name": "山田 太郎"})
    claim = Claim.objects.get()
    assert response.url == reverse("kyosai:claim-kind", args=[claim.pk])
    assert claim.filed_by == registered_user and claim.member == member and claim.is_family
    assert "加入者が病気等で亡くなった" in client.get(response.url).content.decode()


def test_rosai_claim_guide_is_a_guide_not_a_form(client):
    page = client.get(reverse("kyosai:claim-rosai")).content.decode()
    assert "労働基準監督署" in page and "特別加入団体" in page and "4日目から" in page
    assert (
        "https://jtuc-freelance-rousai.org/jujitorosai.html" in page
        and "<form" not in page.split("<main", 1)[-1]
    )


def test_claim_list_query_count(member_client, member, policy, django_assert_max_num_queries):
    sent_claim(member)
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("kyosai:claim-list")).status_code == 200


def test_a_claim_file_is_stored_and_served_under_our_name_never_the_browsers(client, member, policy):
    """Found while sharing the upload model: claim files kept the browser's name
    as sent (direction-changing characters and all) and served it back."""
    claim = draft_claim(member)
    client.force_login(member)
    tricky = photo("C:\\写真\\領収書\u202egpj.exe")
    client.post(reverse("kyosai:claim-documents", args=[claim.pk]), {"files": [tricky]})
    document = claim.documents.order_by("-id").first()
    assert document.original_name == "領収書gpj.exe"  # shown to staff only, without the override
    assert document.file.name.startswith("kyosai/claims/") and document.file.name.endswith(".jpg")
    response = client.get(reverse("kyosai:claim-document", args=[document.pk]))
    disposition = response["Content-Disposition"]
    assert f"{claim.number}-{document.pk}.jpg" in disposition and "exe" not in disposition
