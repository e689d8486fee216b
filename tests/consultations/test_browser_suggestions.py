import pytest

from tests.consultations.factories import CaseFactory


@pytest.mark.browser
def test_phone_form_suggests_cases_while_typing(transactional_db, live_server, phone_page):
    CaseFactory(
        external_id="BS-PAY",
        title="納品したのに報酬が支払われない",
        category="報酬・支払い",
        question="イラストを納品して2か月、報酬が振り込まれません。",
    )
    CaseFactory(external_id="BS-INJ", title="配達中にけがをした", question="骨折しました。")
    page = phone_page
    page.goto(f"{live_server.url}/consultations/ask/email/")
    box = page.locator("#id_what_happened")
    box.scroll_into_view_if_needed()
    box.press_sequentially("納品した報酬が払われません", delay=60)
    link = page.locator("#case-suggestion-list a").filter(has_text="納品したのに報酬が支払われない")
    link.wait_for()
    assert page.locator("#case-suggestion-list a").filter(has_text="配達中").count() == 0
    assert box.input_value() == "納品した報酬が払われません"  # the draft is untouched
    button = page.get_by_role("button", name="関連する事例を探す")
    assert button.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#case-suggestions").screenshot(path="/tmp/search/phone-suggestions.png")
    assert [e for e in page.js_errors if not e.startswith("Failed to load resource")] == []
