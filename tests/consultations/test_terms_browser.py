"""A visitor on a phone checks an order and copies the drafted request."""

import pytest

from tests.consultations.test_terms_views import ORDER

SHOTS = "/tmp/fa-checker"


@pytest.mark.browser
def test_phone_visitor_pastes_an_order_sees_two_missing_items_and_copies_the_request(
    transactional_db, live_server, phone_page
):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/consultations/ask/")
    page.get_by_role("link", name="取引条件チェッカー", exact=True).click()
    page.wait_for_url("**/consultations/freelance/check/")
    page.screenshot(path=f"{SHOTS}/terms-phone-form.png", full_page=True)

    page.locator("#id_text").fill(ORDER)
    page.get_by_role("button", name="取引条件を確かめる").click()
    page.locator("#terms-result-title").wait_for()
    missing = page.locator(".terms-missing")
    assert missing.count() == 2
    assert sorted(missing.locator(".terms-label").all_inner_texts()) == sorted(
        ["納品・作業の場所", "支払期日"]
    )
    for status in missing.locator(".terms-status").all_inner_texts():
        assert status == "見当たりません"
    assert page.locator(".terms-text mark").count() >= 5

    copy = page.get_by_role("button", name="文例をコピーする")
    assert copy.is_visible()
    copy.click()
    page.locator("[data-copy-status]").filter(has_text="コピーしました").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#terms-request").input_value()
    assert "・納品先・作業の場所" in copied and "・報酬の支払期日" in copied
    assert "報酬の額" not in copied

    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=f"{SHOTS}/terms-phone-result.png", full_page=True)
    assert page.js_errors == []


@pytest.mark.browser
def test_checker_works_without_javascript(transactional_db, live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server.url}/consultations/freelance/check/")
    page.locator("#id_text").fill(ORDER)
    page.get_by_role("button", name="取引条件を確かめる").click()
    page.locator("#terms-result-title").wait_for()
    assert page.locator(".terms-missing").count() == 2
    assert not page.get_by_role("button", name="文例をコピーする").is_visible()  # hidden without JS
    assert "・報酬の支払期日" in page.locator("#terms-request").input_value()
    context.close()
