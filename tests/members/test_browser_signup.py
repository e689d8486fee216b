"""A visitor on a phone signs up, verifies, joins the network and gets the card."""

import re

import pytest
from django.core import mail
from pypdf import PdfReader

from members.models import NetworkMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_verifies_joins_and_downloads_card(phone_page, live_server, tmp_path):
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="無料登録").click()

    # A first try with a mismatched password keeps what was typed and explains.
    page.get_by_label("メールアドレス").fill("hana@example.jp")
    page.get_by_label("ニックネーム").fill("はなこ")
    page.locator("#id_password1").fill("sora-no-iro-2026")
    page.locator("#id_password2").fill("sora-no-iro-2025")
    page.get_by_label("利用規約とプライバシーポリシーに同意します").check()
    page.get_by_role("button", name="ユーザー登録").click()
    assert page.locator(".errorlist").first.is_visible()
    assert page.get_by_label("ニックネーム").input_value() == "はなこ"
    page.locator("#id_password1").fill("sora-no-iro-2026")
    page.locator("#id_password2").fill("sora-no-iro-2026")
    page.get_by_label("利用規約とプライバシーポリシーに同意します").check()
    page.get_by_role("button", name="ユーザー登録").click()
    page.screenshot(path=str(tmp_path / "1-verify-sent.png"))
    assert "確認" in page.content()

    link = re.search(r"http://[^/]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="確認する").click()

    page.goto(live_server.url + "/members/join/")
    page.get_by_label("氏名").fill("山本 花子")
    page.get_by_label("フリガナ").fill("ヤマモト ハナコ")
    page.get_by_label("生年月日").fill("2999-01-01")
    page.get_by_label("都道府県").select_option("神奈川県")
    page.get_by_label("職種").select_option("IT・クリエイティブ・ライター")
    page.get_by_label("フリーランス").check()
    page.get_by_label("利用規約とプライバシーポリシーに同意します").check()
    page.get_by_role("button", name="登録する").click()
    assert page.get_by_text("生年月日が未来の日付になっています。").is_visible()
    assert not NetworkMembership.objects.exists()

    page.get_by_label("生年月日").fill("1992-07-15")
    page.get_by_label("利用規約とプライバシーポリシーに同意します").check()
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url("**/members/mypage/")
    page.screenshot(path=str(tmp_path / "2-mypage.png"), full_page=True)
    membership = NetworkMembership.objects.get()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="会員証（PDF）をダウンロード").click()
    pdf_path = tmp_path / "card.pdf"
    download_info.value.save_as(pdf_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "山本" in text and membership.member_number in text
    assert page.js_errors == []
    # Nothing on the phone page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
