"""The public Freelance Act pages: guide, payment-deadline calculator, where to go."""

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from consultations import freelance_act as fa
from tests.consultations.factories import CaseFactory, GlossaryTermFactory

pytestmark = pytest.mark.django_db

GUIDE = reverse("consultations:freelance-guide")
DEADLINE = reverse("consultations:freelance-deadline")
WHERE = reverse("consultations:freelance-where")


def row_counts() -> dict[str, int]:
    """Rows in every table: a GET must leave all of them as they were."""
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


def iso(day: dt.date) -> str:
    return day.isoformat()


@pytest.fixture
def today():
    return timezone.localdate()


# --- Guide -----------------------------------------------------------------------
def test_guide_shows_duties_sources_and_official_routes(client, django_assert_max_num_queries):
    GlossaryTermFactory(term="特定受託事業者", reading="とくていじゅたくじぎょうしゃ")
    before = row_counts()
    with django_assert_max_num_queries(4):
        response = client.get(GUIDE)
    assert response.status_code == 200
    html = response.content.decode()
    for duty in fa.DUTIES:
        assert duty.article in html
        for source in duty.sources:
            assert source.replace("&", "&amp;") in html
    for route in fa.COMPLAINT_ROUTES:
        assert route.url in html
    for item in (*fa.TERMS_ITEMS, *fa.REDELEGATION_ITEMS):
        assert item in html
    assert "2024年11月1日" in html and "2026年1月1日" in html  # in force; 取適法
    assert "6条3項" in html  # retaliation ban
    assert "労働基準監督署" in html and "取適法" in html
    assert "法律相談（個別の法的な助言）ではありません" in html
    assert "0120-532-110" not in html  # ⚠ in FACTS.md: link the page, never the number
    assert "freelance110.mhlw.go.jp" in html
    assert reverse("consultations:glossary-list") in html or "/consultations/glossary/" in html
    assert row_counts() == before


def test_guide_table_marks_who_owes_what(client):
    response = client.get(GUIDE)
    rows = {row.article: row for row in response.context["duty_rows"]}
    assert rows["3条"].any_client
    assert not rows["4条"].any_client
    assert rows["5条"].employer == "1か月以上の取引で義務"
    assert rows["13条"].employer == "6か月以上の取引で義務、6か月未満は努力義務"
    assert rows["16条"].employer == "6か月以上の取引で義務"


def test_guide_is_get_only(client):
    assert client.post(GUIDE).status_code == 405


# --- Payment deadline -------------------------------------------------------------
def test_deadline_form_alone(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(DEADLINE)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "受領日" in response.content.decode()


def test_deadline_overdue_shows_steps_reminder_and_routes(client, today, django_assert_max_num_queries):
    received = today - dt.timedelta(days=100)
    agreed = received + dt.timedelta(days=90)  # later than allowed: moved to day 60
    before = row_counts()
    with django_assert_max_num_queries(4):
        response = client.get(DEADLINE, {"received": iso(received), "agreed": iso(agreed)})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.explanation.due == received + dt.timedelta(days=59)
    assert result.overdue and result.days_overdue == 41
    html = response.content.decode()
    assert "60日目" in html and "1日目" in html
    assert "お支払いのお願い" in html and 'data-copy-target="reminder-draft"' in html
    assert fa.date_ja(result.explanation.due) in html
    assert "https://www.jftc.go.jp/soudan/shinkoku/freelance.html" in html
    assert reverse("consultations:request-create") in html
    assert reverse("consultations:lawyer-referral-create") in html
    assert row_counts() == before
    assert "sessionid" not in response.cookies


def test_deadline_not_yet_due_shows_no_reminder(client, today):
    response = client.get(DEADLINE, {"received": iso(today)})
    result = response.context["result"]
    assert result.explanation.due == today  # no agreed date: the receipt day
    assert not result.overdue
    assert "お支払いのお願い" not in response.content.decode()


def test_deadline_with_redelegation_and_monthly_closing(client, today):
    received = today - dt.timedelta(days=20)
    original_due = received + dt.timedelta(days=10)
    response = client.get(
        DEADLINE,
        {
            "received": iso(received),
            "agreed": iso(original_due + dt.timedelta(days=60)),
            "original_due": iso(original_due),
            "monthly_closing": "on",
        },
    )
    ex = response.context["result"].explanation
    assert ex.rule == "redelegation"
    assert ex.due == original_due + dt.timedelta(days=29)
    assert "再委託" in response.content.decode()


def test_deadline_monthly_closing_uses_two_months(client):
    response = client.get(
        DEADLINE, {"received": "2026-07-01", "agreed": "2026-08-31", "monthly_closing": "on"}
    )
    ex = response.context["result"].explanation
    assert ex.due == dt.date(2026, 8, 31)
    assert not ex.agreed_too_late
    assert "2か月以内" in response.content.decode()


def test_deadline_accepts_japanese_dates(client):
    response = client.get(DEADLINE, {"received": "２０２６年４月１日", "agreed": "2026/5/31"})
    assert response.context["result"].explanation.due == dt.date(2026, 5, 30)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"received": "2026年2月30日"}, "received", "2026年2月30日という日はありません"),
        ({"received": "2026-02-30"}, "received", "2026年2月30日という日はありません"),
        ({"received": "きのう"}, "received", "2026年3月1日"),
        ({"received": ""}, "received", "納品した日（受領日）を入力してください"),
        ({"received": "2026-04-10", "agreed": "2026-04-09"}, "agreed", "受領日より前"),
        ({"received": "2026-04-10", "original_due": "2026-03-31"}, "original_due", "受領日より前"),
        (
            {"received": "2026-04-10", "agreed": "2026年13月1日"},
            "agreed",
            "2026年13月1日という日はありません",
        ),
    ],
)
def test_deadline_bad_input_gets_a_clear_error_and_no_result(client, params, field, message):
    before = row_counts()
    response = client.get(DEADLINE, params)
    assert response.status_code == 200
    assert response.context["result"] is None
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors)
    html = response.content.decode()
    assert html.index(f'id="id_{field}"') < html.index(message)  # the error sits under its field
    assert row_counts() == before


def test_deadline_received_in_the_future_is_an_error(client, today):
    response = client.get(DEADLINE, {"received": iso(today + dt.timedelta(days=1))})
    assert response.context["result"] is None
    assert "未来の日付" in response.context["form"].errors["received"][0]


def test_deadline_before_the_act_says_it_does_not_apply(client):
    response = client.get(DEADLINE, {"received": "2024-10-01"})
    assert response.context["result"].before_act
    assert "それより前に結んだ契約には適用されません" in response.content.decode()


def test_deadline_ignores_unrelated_parameters(client):
    response = client.get(DEADLINE, {"utm_source": "line"})
    assert not response.context["form"].is_bound
    assert "errorlist" not in response.content.decode()


def test_deadline_is_get_only(client):
    assert client.post(DEADLINE, {"received": "2026-04-01"}).status_code == 405


# --- Where to go -------------------------------------------------------------------
def test_where_form_alone(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(WHERE)
    assert response.status_code == 200
    assert response.context["advice"] is None
    html = response.content.decode()
    for sign in fa.WORKER_SIGNS:
        assert sign.question in html


def test_where_employment_like_work_goes_to_labour_standards_first(client, django_assert_max_num_queries):
    before = row_counts()
    with django_assert_max_num_queries(3):
        response = client.get(
            WHERE, {"employees": "yes", "length": "6", "signs": ["hourly_pay", "fixed_time_place"]}
        )
    advice = response.context["advice"]
    assert advice.employment_like
    assert advice.routes[0].code == "labour_standards"
    assert {d.code for d in advice.certain} == fa.protections(client_has_employees=True, months=6)
    html = response.content.decode()
    assert "労働基準監督署" in html and "30日前" in html
    assert "0120-532-110" not in html
    assert "最新の連絡先・受付時間は公式ページでご確認ください" in html
    assert row_counts() == before


def test_where_unknown_employees_lists_conditional_duties(client):
    response = client.get(WHERE, {"employees": "unknown", "length": "1"})
    advice = response.context["advice"]
    assert [d.code for d in advice.certain] == ["terms_in_writing"]
    assert "prohibited_acts" in {d.code for d in advice.if_employer}
    assert not advice.employment_like
    assert "発注者が従業員を雇っていれば" in response.content.decode()


def test_where_no_employees_only_terms_in_writing(client):
    response = client.get(WHERE, {"employees": "no", "length": "6"})
    advice = response.context["advice"]
    assert [d.code for d in advice.certain] == ["terms_in_writing"]
    assert advice.if_employer == ()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"length": "6"}, "employees"),
        ({"employees": "maybe", "length": "6"}, "employees"),
        ({"employees": "yes"}, "length"),
        ({"employees": "yes", "length": "3"}, "length"),
        ({"employees": "yes", "length": "6", "signs": ["made_up"]}, "signs"),
    ],
)
def test_where_bad_answers_get_an_error(client, params, field):
    response = client.get(WHERE, params)
    assert response.context["advice"] is None
    assert response.context["form"].errors[field]


def test_where_is_get_only(client):
    assert client.post(WHERE, {"employees": "yes", "length": "6"}).status_code == 405


# --- Links from elsewhere ------------------------------------------------------------
def test_ask_hub_and_home_link_the_tools(client):
    for url in (reverse("consultations:ask"), reverse("home")):
        html = client.get(url).content.decode()
        assert GUIDE in html, url
        assert DEADLINE in html, url


def test_no_result_card_links_the_guide(client):
    html = client.get(
        reverse("consultations:case-list"), {"q": "ぜったいにない言葉ぴよぴよ"}
    ).content.decode()
    assert "見つかりませんでした" in html
    assert GUIDE in html


@pytest.mark.parametrize(
    ("category", "linked"), [("報酬・支払い", True), ("契約・取引条件", True), ("著作権・知的財産", False)]
)
def test_case_pages_in_pay_and_terms_categories_link_the_tools(client, category, linked):
    case = CaseFactory(external_id="FA-1", category=category)
    html = client.get(case.get_absolute_url()).content.decode()
    assert (DEADLINE in html) is linked


def test_glossary_terms_about_the_act_link_the_tools(client):
    act = GlossaryTermFactory(
        term="再委託", reading="さいいたく", definition="フリーランス・事業者間取引適正化等法で、…"
    )
    other = GlossaryTermFactory(term="確定申告", reading="かくていしんこく", definition="所得税の申告です。")
    assert GUIDE in client.get(act.get_absolute_url()).content.decode()
    assert GUIDE not in client.get(other.get_absolute_url()).content.decode()


# --- Browser -----------------------------------------------------------------------
@pytest.mark.browser
def test_phone_visitor_computes_a_passed_due_date_and_copies_the_reminder(
    transactional_db, live_server, phone_page
):
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    received = timezone.localdate() - dt.timedelta(days=90)
    page.goto(live_server.url + reverse("consultations:ask"))
    page.get_by_role("link", name="支払期日の計算").first.click()
    page.get_by_label("受領日（納品した日・サービスを提供した日）").fill(iso(received))
    page.get_by_label("約束した支払期日").fill(iso(received + dt.timedelta(days=75)))
    page.get_by_role("button", name="支払期日を計算する").click()

    due = received + dt.timedelta(days=59)
    assert f"received={iso(received)}" in page.url  # GET: the result can be bookmarked
    assert page.locator(".fa-due").inner_text().startswith(fa.date_ja(due))
    assert "31日過ぎています" in page.locator("#result").inner_text()
    draft = page.locator("#reminder-draft")
    assert "お支払いのお願い" in draft.input_value()
    assert fa.date_ja(due) in draft.input_value()
    page.get_by_role("button", name="文面をコピー").click()
    page.get_by_role("button", name="コピーしました").wait_for()
    assert "お支払いのお願い" in page.evaluate("navigator.clipboard.readText()")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not page.js_errors


def test_demo_glossary_holds_every_term_the_pages_link():
    import json

    from consultations import freelance_pages
    from consultations.demo import DEMO_DIR

    terms = {
        json.loads(line)["term"] for line in (DEMO_DIR / "glossary.jsonl").read_text("utf-8").splitlines()
    }
    assert set(freelance_pages.GLOSSARY_KEYS.values()) <= terms
