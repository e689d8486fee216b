"""取引記録: pages, access (owner only), bad input, the PDF and the consultation prefill."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from consultations import services
from consultations.models import ConsultationRequest, EngagementEvidence, EngagementRecord
from tests.consultations.factories import EngagementRecordFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def record(member):
    record = EngagementRecordFactory(
        owner=member,
        client_name="株式会社テスト制作",
        start_on=TODAY - dt.timedelta(days=100),
        delivered_on=TODAY - dt.timedelta(days=80),
    )
    services.evidence_add(
        record=record,
        upload=SimpleUploadedFile("order.pdf", b"%PDF-1.4 x"),
        content_type="application/pdf",
        note="発注メール",
        now=timezone.now(),
    )
    return record


def form_data(**changes):
    data = {
        "client_name": "株式会社サンプル",
        "client_has_employees": "yes",
        "work": "ロゴの制作",
        "start_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        "renewals": "0",
        "fee": "80000",
        "delivered_on": (TODAY - dt.timedelta(days=10)).isoformat(),
    }
    return {**data, **changes}


def test_create_shows_the_lawful_due_date(member_client):
    from consultations import freelance_act

    response = member_client.post(reverse("consultations:record-create"), form_data())
    record = EngagementRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    page = member_client.get(record.get_absolute_url()).content.decode()
    due = freelance_act.payment_deadline(received=TODAY - dt.timedelta(days=10))
    assert f"{due.year}年{due.month}月{due.day}日" in page
    assert "法律上の支払期日" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_on": (TODAY - dt.timedelta(days=40)).isoformat()}, "終了日は、開始日と同じか後の日付"),
        ({"agreed_due_on": (TODAY - dt.timedelta(days=11)).isoformat()}, "支払期日が納品日より前"),
        ({"delivered_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "まだ来ていない日は選べません"),
        ({"delivered_on": "2026年2月30日"}, "2026年2月30日という日はありません"),
        ({"start_on": "来月"}, "日付は「2026-03-01」または「2026年3月1日」の形"),
        ({"client_name": "  "}, "取引先の名前を入力してください"),
        ({"fee": "-5"}, "報酬は0円以上の数字で入力してください"),
    ],
)
def test_bad_input_gets_a_japanese_error_and_nothing_is_saved(member_client, changes, message):
    response = member_client.post(reverse("consultations:record-create"), form_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EngagementRecord.objects.exists()


def test_edit_and_mark_paid(member_client, record):
    response = member_client.post(
        reverse("consultations:record-edit", args=[record.pk]), form_data(client_name="新しい名前")
    )
    assert response.status_code == 302
    member_client.post(reverse("consultations:record-paid", args=[record.pk]), {"paid_on": TODAY.isoformat()})
    record.refresh_from_db()
    assert (record.client_name, record.paid_on) == ("新しい名前", TODAY)


@pytest.mark.parametrize(
    ("days", "message"),
    [(3, "まだ来ていない日は選べません"), (-101, "取引の開始日と同じか後の日付")],
)
def test_bad_paid_date_is_refused(member_client, record, days, message):
    response = member_client.post(
        reverse("consultations:record-paid", args=[record.pk]),
        {"paid_on": (TODAY + dt.timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    record.refresh_from_db()
    assert record.paid_on is None


def test_evidence_upload_and_private_download(member_client, record):
    response = member_client.post(
        reverse("consultations:record-evidence-add", args=[record.pk]),
        {"file": SimpleUploadedFile("chat.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100), "note": "チャット"},
    )
    assert response.status_code == 302
    evidence = EngagementEvidence.objects.get(note="チャット")
    assert evidence.content_type == "image/png"
    response = member_client.get(reverse("consultations:record-evidence", args=[record.pk, evidence.pk]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_evidence_keeps_a_clean_name_and_downloads_under_ours(member_client, record):
    """The browser's file name is shown without direction-changing characters
    and never served back: the download is named by us, with the sniffed type."""
    tricky = SimpleUploadedFile("C:\\写真\\請求書\u202egpj.exe", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    member_client.post(
        reverse("consultations:record-evidence-add", args=[record.pk]), {"file": tricky, "note": "画像"}
    )
    evidence = EngagementEvidence.objects.get(note="画像")
    assert evidence.original_name == "請求書gpj.exe"
    assert evidence.file.name.startswith("consultations/evidence/") and evidence.file.name.endswith(".png")
    response = member_client.get(reverse("consultations:record-evidence", args=[record.pk, evidence.pk]))
    disposition = response["Content-Disposition"]
    assert f"{record.pk}-{evidence.pk}.png" in disposition and "exe" not in disposition


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        # Over the file limit: the form says so.
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024)), "ファイルが大きすぎます"),
        # Over the request limit: refused before the body is read (worq.middleware).
        (
            SimpleUploadedFile("huge.pdf", b"%PDF-" + b"0" * (60 * 1024 * 1024)),
            "送られたデータが大きすぎます",
        ),
        (SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"0" * 200), "PDF・JPEG・PNGのファイルだけ"),
    ],
)
def test_bad_evidence_refused_nothing_stored(member_client, record, upload, message, settings):
    before = EngagementEvidence.objects.count()
    response = member_client.post(
        reverse("consultations:record-evidence-add", args=[record.pk]), {"file": upload}
    )
    assert response.status_code in (400, 413)
    assert message in response.content.decode()
    assert EngagementEvidence.objects.count() == before
    stored = list((settings.PRIVATE_MEDIA_ROOT / "consultations" / "evidence").iterdir())
    assert len(stored) == before


def test_terms_check_stores_only_when_the_member_saves(member_client, record):
    url = reverse("consultations:record-terms", args=[record.pk])
    text = "山田様\n報酬 50,000円、納期 4月1日。お支払いは請求書の受領後。"
    response = member_client.post(url, {"text": text})
    page = response.content.decode()
    assert response.status_code == 200 and "チェックの結果" in page and "見当たりません" in page
    record.refresh_from_db()
    assert record.terms_check is None and record.client_message == ""
    response = member_client.post(url, {"text": text, "save": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.client_message == text and record.terms_check["items"]
    assert "明示あり" in member_client.get(record.get_absolute_url()).content.decode()
    empty = member_client.post(url, {"text": "  "})
    assert "取引先から届いた文面を貼り付けてください" in empty.content.decode()


def test_summary_pdf_holds_timeline_terms_evidence_and_due_date(member_client, record):
    from consultations import freelance_act

    services.engagement_save_terms_check(record=record, text="山田様 報酬 50,000円", now=timezone.now())
    response = member_client.get(reverse("consultations:record-pdf", args=[record.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    due = freelance_act.payment_deadline(received=record.delivered_on)
    for expected in [
        "株式会社テスト制作",
        "経過",
        "取引条件のチェック",
        "証拠ファイルの一覧",
        "order.pdf",
        f"法律上の支払期日：{due.year}年{due.month}月{due.day}日",
        "山田太郎",
    ]:
        assert expected in text, expected


def test_consultation_prefill_from_own_record(member_client, record):
    response = member_client.get(reverse("consultations:request-create") + f"?record={record.pk}")
    form = response.context["form"]
    assert "株式会社テスト制作" in form.initial["what_happened"]
    assert form.initial["category"] == "報酬・支払い"
    # Nothing is sent until the member posts the (editable) form.
    assert not ConsultationRequest.objects.exists()


def test_mypage_and_list_show_records(member_client, record, django_assert_max_num_queries):
    assert "株式会社テスト制作" in member_client.get(reverse("members:mypage")).content.decode()
    for i in range(5):
        EngagementRecordFactory(owner=record.owner, client_name=f"取引先{i}")
    with django_assert_max_num_queries(12):
        response = member_client.get(reverse("consultations:record-list"))
    assert "取引先4" in response.content.decode()


def test_delete_after_confirmation(member_client, record):
    url = reverse("consultations:record-delete", args=[record.pk])
    assert "削除すると元に戻せません" in member_client.get(url).content.decode()
    assert EngagementRecord.objects.exists()
    assert member_client.post(url).status_code == 302
    assert not EngagementRecord.objects.exists()


# --- Access -------------------------------------------------------------------------------
def owner_urls(record):
    evidence = record.evidence.get()
    pk = record.pk
    return [
        ("get", reverse("consultations:record-detail", args=[pk]), {}),
        ("get", reverse("consultations:record-edit", args=[pk]), {}),
        ("post", reverse("consultations:record-edit", args=[pk]), form_data()),
        ("get", reverse("consultations:record-delete", args=[pk]), {}),
        ("post", reverse("consultations:record-delete", args=[pk]), {}),
        ("post", reverse("consultations:record-paid", args=[pk]), {"paid_on": TODAY.isoformat()}),
        ("get", reverse("consultations:record-terms", args=[pk]), {}),
        ("post", reverse("consultations:record-terms", args=[pk]), {"text": "x", "save": "1"}),
        ("get", reverse("consultations:record-pdf", args=[pk]), {}),
        ("post", reverse("consultations:record-evidence-add", args=[pk]), {}),
        ("get", reverse("consultations:record-evidence", args=[pk, evidence.pk]), {}),
        ("post", reverse("consultations:record-evidence-remove", args=[pk, evidence.pk]), {}),
        ("get", reverse("consultations:request-create") + f"?record={pk}", {}),
    ]


def snapshot(record):
    record.refresh_from_db()
    return (
        record.client_name,
        record.paid_on,
        record.terms_check,
        record.evidence.count(),
        record.events.count(),
    )


def test_another_member_gets_404_everywhere_and_nothing_changes(client, record, other_member):
    client.force_login(other_member)
    before = snapshot(record)
    for method, url, data in owner_urls(record):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert snapshot(record) == before


def test_anonymous_is_sent_to_log_in_and_registered_sees_the_gate(client, record, registered_user):
    for method, url, _ in owner_urls(record)[:-1]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    client.force_login(registered_user)
    response = client.get(reverse("consultations:record-list"))
    assert response.status_code == 403


def test_get_changes_nothing(member_client, record):
    before = snapshot(record)
    for method, url, _ in owner_urls(record):
        if method == "get":
            member_client.get(url)
    for name in ["record-paid", "record-evidence-add"]:
        assert member_client.get(reverse(f"consultations:{name}", args=[record.pk])).status_code == 405
    assert snapshot(record) == before
