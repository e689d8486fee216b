"""取引記録 on a 375px phone: a member saves an engagement, sees its lawful due
date, and downloads the summary PDF."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.conftest import browser_login
from tests.factories import MembershipFactory, UserFactory


@pytest.mark.browser
def test_phone_member_records_engagement_and_downloads_pdf(live_server, phone_page):
    from consultations import freelance_act

    member = MembershipFactory(user=UserFactory(email="phone@example.jp", nickname="でんわ")).user
    page = phone_page
    browser_login(page, live_server, member)
    today = timezone.localdate()
    delivered = today - dt.timedelta(days=70)
    page.goto(f"{live_server.url}/members/mypage/")
    page.get_by_role("link", name="取引を記録する").click()
    page.get_by_label("取引先の名前").fill("株式会社モバイル")
    page.get_by_label("いる").check()
    page.get_by_label("仕事の内容").fill("アプリ画面のイラスト3点")
    page.get_by_label("取引の開始日").fill((today - dt.timedelta(days=90)).isoformat())
    page.get_by_label("報酬（円）").fill("45000")
    page.get_by_label("納品した日（サービスを提供した日）").fill(delivered.isoformat())
    page.screenshot(path="/tmp/fa-records/phone-form.png", full_page=True)
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/consultations/records/*/")
    due = freelance_act.payment_deadline(received=delivered)
    assert page.get_by_test_id("lawful-due").inner_text() == f"{due.year}年{due.month}月{due.day}日"
    assert "過ぎています" in page.locator("#pay-heading + *").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/fa-records/phone-detail.png", full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="まとめをPDFでダウンロード").click()
    data = open(info.value.path(), "rb").read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "")
    assert "株式会社モバイル" in text and f"{due.year}年{due.month}月{due.day}日" in text

    # The client's message: checked first (nothing stored), then saved by choice.
    page.get_by_role("link", name="取引先の文面をチェックする").click()
    page.get_by_label("取引先から届いた文面").fill(
        "山田様\nアプリ画面のイラスト3点をお願いします。報酬は45,000円です。お支払いは請求書の受領後に。"
    )
    page.get_by_role("button", name="チェックする").click()
    page.get_by_role("heading", name="チェックの結果").wait_for()
    assert "見当たりません" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/fa-records/phone-terms.png", full_page=True)
    page.get_by_role("button", name="この文面と結果を記録に保存する").click()
    page.wait_for_url("**/consultations/records/*/")
    assert "保存しました" in page.locator(".messages").inner_text()
    assert page.js_errors == []
