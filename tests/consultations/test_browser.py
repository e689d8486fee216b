import pytest

from tests.consultations.factories import CaseFactory, GlossaryTermFactory


@pytest.fixture
def searchable(transactional_db):
    GlossaryTermFactory(term="報酬", reading="ほうしゅう", aliases=["ギャラ", "謝礼"])
    GlossaryTermFactory(term="支払遅延", reading="しはらいちえん", aliases=["未払い", "払ってくれない"])
    CaseFactory(
        external_id="B-PAY",
        title="納品したのに報酬の支払いが遅れている",
        category="報酬・支払い",
        question="イラストを納品して2か月、報酬が支払われず支払遅延が続いています。",
    )
    CaseFactory(
        external_id="B-IT",
        title="IT系フリーランスの契約書チェック",
        category="契約・取引条件",
        question="システム開発の業務委託契約書を受け取りました。",
    )
    for i in range(5):
        CaseFactory(
            external_id=f"B-X{i}",
            title=f"ほかの事例{i}",
            question="配達中のけがについて。",
            category="労災・けが・病気",
        )


@pytest.mark.browser
@pytest.mark.parametrize(
    ("typed", "title"),
    [("ギャラ 未払い", "納品したのに報酬の支払いが遅れている"), ("ＩＴ", "IT系フリーランスの契約書チェック")],
)
def test_phone_live_search_finds_variant_and_opens_case(searchable, live_server, phone_page, typed, title):
    page = phone_page
    failed = []
    page.on(
        "response", lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None
    )
    page.goto(f"{live_server.url}/consultations/")
    page.locator("#id_q").press_sequentially(typed, delay=40)
    first = page.locator("#case-results .case-result").first
    first.locator("h2").filter(has_text=title).wait_for()
    assert "q=" in page.url  # the results are a shareable address
    assert first.locator("mark").count() >= 1
    page.screenshot(path=f"/tmp/consult-phone-search-{'it' if 'Ｉ' in typed else 'gara'}.png", full_page=True)
    first.locator("h2 a").click()
    page.wait_for_url("**/consultations/cases/**")
    assert page.locator("h1").inner_text() == title
    page.screenshot(path="/tmp/consult-phone-case.png", full_page=True)
    # The site has no favicon yet; every other request must succeed.
    assert [e for e in page.js_errors if not e.startswith("Failed to load resource")] == []
    assert failed == []


@pytest.mark.browser
def test_search_works_without_javascript(searchable, live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server.url}/consultations/")
    page.fill("#id_q", "ギャラ")
    page.locator("#case-search button[type=submit]").click()
    page.locator("#case-results h2").filter(has_text="納品したのに報酬").wait_for()
    context.close()
