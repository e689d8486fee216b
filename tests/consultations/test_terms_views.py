"""The public 取引条件チェッカー page: nothing pasted is stored or logged."""

import logging

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from consultations import views
from tests.consultations.test_terms_commands import image_only_pdf, pdf_of

pytestmark = pytest.mark.django_db
URL = reverse("consultations:terms-check")

# An order missing two items: the place and the payment due date.
ORDER = """発注書
発注日：令和8年6月1日
株式会社ブルーリーフ
山田 花子 様
内容：SEO記事3本の執筆
納期：令和8年6月17日
報酬：金五万円
"""
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0\xf0\x1f\x00\x05\x05\x02\x00_\xc8\xf1\xd2\x00\x00\x00\x00IEND\xaeB`\x82"
)


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def test_get_shows_the_form_and_changes_nothing(client):
    before = row_counts()
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "取引条件チェッカー" in html and 'name="text"' in html and 'name="pdf"' in html
    assert "法律相談ではありません" in html
    assert reverse("consultations:request-create") in html
    assert reverse("consultations:lawyer-referral-create") in html
    assert "確認の結果" not in html
    assert row_counts() == before


def test_hub_page_links_to_the_checker(client):
    assert URL in client.get(reverse("consultations:ask")).content.decode()


def test_paste_shows_missing_items_highlights_and_drafts_the_request(
    client, caplog, django_assert_max_num_queries
):
    before = row_counts()
    caplog.set_level(logging.DEBUG)
    with django_assert_max_num_queries(3):
        response = client.post(
            URL, {"text": ORDER, "client_name": "株式会社ブルーリーフ", "sender_name": "山田花子"}
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("見当たりません") >= 2
    assert '<li class="terms-item terms-missing" id="terms-item-place">' in html
    assert '<li class="terms-item terms-missing" id="terms-item-payment_due">' in html
    assert '<li class="terms-item terms-stated" id="terms-item-fee">' in html
    assert '<mark data-item="fee">金五万円</mark>' in html
    request_text = response.context["request_text"]
    assert "・納品先・作業の場所" in request_text and "・報酬の支払期日" in request_text
    assert "報酬の額" not in request_text
    assert "株式会社ブルーリーフ様" in request_text
    assert 'data-copy-target="terms-request"' in html
    # nothing stored, nothing logged, nothing cached by the browser
    assert row_counts() == before
    assert "SEO記事" not in caplog.text
    assert "no-store" in response["Cache-Control"]


def test_user_text_is_escaped(client):
    response = client.post(URL, {"text": ORDER + "<script>alert(1)</script>"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pdf_upload_is_checked(client):
    pdf = SimpleUploadedFile("order.pdf", pdf_of(ORDER + "支払期日：月末締め翌月末払い"), "application/pdf")
    response = client.post(URL, {"pdf": pdf})
    assert response.status_code == 200
    items = {item.code: item.status for item in response.context["items"]}
    assert items["payment_due"] == "stated" and items["place"] == "missing"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": ""}, "text", "文章が空です"),
        ({"text": "  \n "}, "text", "文章が空です"),
        ({"text": "あ" * 50_001}, "text", "50,000文字以内"),
        ({"pdf": ("scan.png", PNG, "image/png")}, "pdf", "画像からは文字を読み取れません"),
        ({"pdf": ("scan.pdf", "image-pdf", "application/pdf")}, "pdf", "文字を読み取れませんでした"),
        ({"pdf": ("a.pdf", b"%PDF-1.4 broken", "application/pdf")}, "pdf", "PDFを読み込めませんでした"),
        ({"pdf": ("a.txt", b"hello", "text/plain")}, "pdf", "PDF・JPEG・PNG"),
    ],
)
def test_bad_input_gets_a_japanese_error_and_nothing_is_stored(client, data, field, message):
    if "pdf" in data:
        name, content, kind = data["pdf"]
        if content == "image-pdf":
            content = image_only_pdf()
        data = {"pdf": SimpleUploadedFile(name, content, kind)}
    before = row_counts()
    response = client.post(URL, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert "report" not in response.context
    assert row_counts() == before


def test_pasted_text_is_kept_out_of_error_reports():
    request = RequestFactory().post(URL, {"text": ORDER})
    request.user = None
    request.session = {}
    request.htmx = False
    views.terms_check(request)
    assert request.sensitive_post_parameters == "__ALL__"
