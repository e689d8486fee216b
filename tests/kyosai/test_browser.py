"""A member quotes, enrols, staff approve, the certificate's QR code verifies."""

import io
import re

import pytest
import segno
from pypdf import PdfReader

from kyosai.models import Application, Policy
from tests.conftest import browser_login, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def qr_url_from_pdf(data: bytes) -> str:
    """The URL printed on the certificate, checked module by module against its QR image."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    text = page.extract_text().replace("\n", "")
    url = re.search(r"https?://\S+?/kyosai/verify/[\w-]+/", text).group(0)
    image = page.images[0].image.convert("L")
    matrix = segno.make(url, error="m").matrix
    scale = image.width // len(matrix)
    assert scale >= 1 and image.width == scale * len(matrix)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            pixel = image.getpixel((x * scale + scale // 2, y * scale + scale // 2))
            assert (pixel < 128) == bool(dark), (x, y)
    return url


def test_member_quotes_enrols_staff_approve_certificate_verifies(
    phone_page, browser, live_server, member, settings
):
    settings.SITE_URL = live_server.url
    page = phone_page
    failed = []  # every 4xx/5xx the member's browser saw, except the site's missing favicon
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    browser_login(page, live_server, member)

    # 1. Quote in the simulator (live, htmx).
    page.goto(f"{live_server.url}/kyosai/simulator/")
    page.fill("#id_age", "38")
    page.select_option("#id_sex", "male")
    page.select_option("#id_life_plan", "B")
    page.select_option("#id_income_benefit", "200000")
    page.select_option("#id_income_job_class", "1")
    page.wait_for_selector("text=1,626円")
    page.wait_for_selector("text=3,200円")
    page.screenshot(path="/tmp/kyosai-simulator.png", full_page=True)

    # 2. Carry the choices into the wizard.
    page.click("text=この内容で申し込む")
    page.click("button:has-text('申込みを始める')")
    page.check("#id_join")
    page.click("button:has-text('次へ')")
    assert page.locator("#id_life_plan").input_value() == "B"
    assert page.locator("#id_income_benefit").input_value() == "200000"
    page.screenshot(path="/tmp/kyosai-options.png", full_page=True)
    page.click("button:has-text('次へ')")
    page.fill("#id_beneficiary", "山田 花子（配偶者）")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.screenshot(path="/tmp/kyosai-details.png", full_page=True)
    page.click("button:has-text('次へ')")
    page.wait_for_selector("text=重要事項")
    assert "1,626円" in page.content() and "3,200円" in page.content()
    page.check("#id_consent")
    page.screenshot(path="/tmp/kyosai-review.png", full_page=True)
    page.click("button:has-text('この内容で申し込む')")
    page.wait_for_selector("text=審査中")
    application = Application.objects.get(user=member)
    assert sorted(application.product_codes()) == ["club", "income", "life"]

    # 3. Staff approve in the admin (on another phone-sized context).
    staff = make_staff("共済担当", email="kyosai-staff@example.jp", nickname="共済担当者")
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="ja-JP")
    admin_page = context.new_page()
    browser_login(admin_page, live_server, staff)
    admin_page.goto(f"{live_server.url}/admin/kyosai/application/?status__exact=submitted")
    admin_page.screenshot(path="/tmp/kyosai-admin-list.png", full_page=True)
    admin_page.click(f"a[href*='/admin/kyosai/application/{application.pk}/change/']")
    admin_page.click("input[name=approve]")
    admin_page.wait_for_selector("text=承認しました")
    admin_page.screenshot(path="/tmp/kyosai-admin.png", full_page=True)
    context.close()
    policy = Policy.objects.get(application=application)

    # 4. The member downloads the certificate from マイページ.
    page.goto(f"{live_server.url}/members/mypage/")
    page.screenshot(path="/tmp/kyosai-mypage.png", full_page=True)
    with page.expect_download() as download_info:
        page.click(f"text=加入証明書 {policy.number}")
    data = open(download_info.value.path(), "rb").read()
    assert data.startswith(b"%PDF-") and len(data) < 200_000
    open("/tmp/kyosai-certificate.pdf", "wb").write(data)

    # 5. The URL in the QR code says 有効 (once cover has started).
    url = qr_url_from_pdf(data)
    policy.covers.update(cover_start=policy.issued_at.date())
    page.goto(url)
    assert page.locator(".verify-state").inner_text().strip() == "有効"
    assert "山田 ○○" in page.content() and "太郎" not in page.content()
    page.screenshot(path="/tmp/kyosai-verify.png", full_page=True)
    assert failed == []
    assert [e for e in page.js_errors if "Failed to load resource" not in e] == []
