"""At 375px: the wizard's review table and the kyosai pages stay readable (issue 12)."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: F401

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("WORQ_SHOTS", "/tmp/rosai")


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _no_page_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px screen"


def test_review_table_readable_on_a_phone(phone_page, live_server, member, tmp_path):
    page = phone_page
    browser_login(page, live_server, member)
    page.goto(f"{live_server.url}/kyosai/apply/")
    page.click("button:has-text('申込みを始める')")
    page.check("#id_join")
    page.click("button:has-text('次へ')")
    page.select_option("#id_life_plan", "B")
    page.select_option("#id_income_benefit", "200000")
    page.select_option("#id_income_job_class", "1")
    page.select_option("#id_rosai_freelance_daily", "8000")
    page.click("button:has-text('次へ')")
    page.fill("#id_beneficiary", "山田 花子（配偶者）")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.check("#id_qrf_b2b_0")
    page.click("button:has-text('次へ')")
    identity, order = tmp_path / "id.png", tmp_path / "order.pdf"
    identity.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    order.write_bytes(b"%PDF-1.7\n" + b"0" * 100)
    page.set_input_files("#id_identity", str(identity))
    page.set_input_files("#id_work_proof", str(order))
    page.click("button:has-text('次へ')")
    page.wait_for_selector("text=重要事項")
    _shot(page, "review-375")
    _no_page_overflow(page)
    table = page.locator("table.kyosai-review")
    assert table.bounding_box()["width"] <= 375
    # No cell squeezed to a character per line, no premium cut off.
    for cell in table.locator("tbody th, tbody td").all():
        box = cell.bounding_box()
        assert box["width"] >= 200, (cell.inner_text(), box)
        assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), cell.inner_text()
    premium = table.locator("tbody tr", has_text="特定フリーランス").locator("td").last
    assert "年額 8,760円" in premium.inner_text()
    box = premium.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375


@pytest.mark.parametrize(
    "path", ["/kyosai/", "/kyosai/simulator/?rosai_freelance_daily=8000&age=38&sex=male"]
)
def test_kyosai_pages_fit_a_phone(phone_page, live_server, path):
    page = phone_page
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("#rosai-compare")
    name = "kyosai-375" if path == "/kyosai/" else "simulator-375"
    _shot(page, name)
    page.locator("#rosai-compare").screenshot(path=f"{SHOTS}/{name}-rosai-compare.png")
    if path == "/kyosai/":
        page.locator("#product-rosai_freelance").screenshot(path=f"{SHOTS}/{name}-freelance.png")
    _no_page_overflow(page)
    assert page.locator("#rosai-compare").bounding_box()["width"] <= 375
    assert [e for e in page.js_errors if "Failed to load resource" not in e] == []
