"""consultations.freelance_act: every rule, without a database (FACTS.md §1)."""

import datetime as dt

import pytest

from consultations import freelance_act as fa

D = dt.date


# --- calendar months (民法143条) ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 4, 1), 1, D(2026, 4, 30)),  # from the 1st: the month's last day
        (D(2026, 4, 15), 1, D(2026, 5, 14)),
        (D(2027, 1, 31), 1, D(2027, 2, 28)),  # no 2月31日: end of February
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2027, 1, 30), 1, D(2027, 2, 28)),
        (D(2027, 1, 29), 1, D(2027, 2, 28)),  # no 2月29日 in 2027
        (D(2028, 1, 29), 1, D(2028, 2, 28)),  # 2月29日 exists in 2028: the day before
        (D(2028, 2, 29), 1, D(2028, 3, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2027, 12, 31), 2, D(2028, 2, 29)),
        (D(2026, 11, 15), 2, D(2027, 1, 14)),  # across the year end
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 5, 1), 6, D(2026, 10, 31)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),  # no 4月31日
    ],
)
def test_period_end(start, months, end):
    assert fa.period_end(start, months) == end


def test_period_end_needs_a_month():
    with pytest.raises(ValueError):
        fa.period_end(D(2026, 1, 1), 0)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2026, 4, 1), D(2026, 4, 1), 0),
        (D(2026, 4, 1), D(2026, 4, 29), 0),  # one day short of a month
        (D(2026, 4, 1), D(2026, 4, 30), 1),  # exactly one month
        (D(2027, 1, 31), D(2027, 2, 27), 0),
        (D(2027, 1, 31), D(2027, 2, 28), 1),
        (D(2026, 5, 1), D(2026, 10, 30), 5),  # one day short of six months
        (D(2026, 5, 1), D(2026, 10, 31), 6),  # exactly six months
        (D(2026, 5, 1), D(2027, 4, 30), 12),
    ],
)
def test_engagement_months(start, end, months):
    assert fa.engagement_months(start=start, end=end) == months


def test_engagement_months_rejects_end_before_start():
    with pytest.raises(ValueError):
        fa.engagement_months(start=D(2026, 5, 2), end=D(2026, 5, 1))


# --- payment deadline (4条) --------------------------------------------------


@pytest.mark.parametrize(
    ("received", "agreed", "original_due", "due"),
    [
        # no agreed date: the receipt day is the due date
        (D(2026, 4, 1), None, None, D(2026, 4, 1)),
        # agreed within the limit stays
        (D(2026, 4, 1), D(2026, 4, 30), None, D(2026, 4, 30)),
        (D(2026, 4, 1), D(2026, 4, 1), None, D(2026, 4, 1)),
        # day 60 (receipt = day 1) is the limit; day 61 is moved back to it
        (D(2026, 4, 1), D(2026, 5, 30), None, D(2026, 5, 30)),
        (D(2026, 4, 1), D(2026, 5, 31), None, D(2026, 5, 30)),
        (D(2026, 4, 1), D(2026, 12, 31), None, D(2026, 5, 30)),
        # month ends and leap years
        (D(2027, 1, 31), D(2027, 4, 30), None, D(2027, 3, 31)),
        (D(2028, 1, 31), D(2028, 4, 30), None, D(2028, 3, 30)),  # 2028 has 2月29日
        (D(2028, 2, 29), D(2028, 6, 30), None, D(2028, 4, 28)),
        (D(2026, 12, 15), D(2027, 3, 1), None, D(2027, 2, 12)),  # across the year end
        # 再委託: 30 days from the 元委託支払期日 (day 1), instead of 60 from receipt
        (D(2026, 4, 1), D(2026, 7, 31), D(2026, 6, 30), D(2026, 7, 29)),
        (D(2026, 4, 1), D(2026, 7, 29), D(2026, 6, 30), D(2026, 7, 29)),
        (D(2026, 4, 1), D(2026, 7, 10), D(2026, 6, 30), D(2026, 7, 10)),
        (D(2026, 4, 1), None, D(2026, 6, 30), D(2026, 4, 1)),
        (D(2028, 2, 1), D(2028, 4, 30), D(2028, 2, 29), D(2028, 3, 29)),
    ],
)
def test_payment_deadline(received, agreed, original_due, due):
    assert fa.payment_deadline(received=received, agreed=agreed, original_due=original_due) == due


@pytest.mark.parametrize(
    "kwargs",
    [
        {"received": D(2026, 4, 10), "agreed": D(2026, 4, 9)},
        {"received": D(2026, 4, 10), "original_due": D(2026, 4, 9)},
    ],
)
def test_payment_deadline_rejects_impossible_dates(kwargs):
    with pytest.raises(ValueError):
        fa.payment_deadline(**kwargs)


@pytest.mark.parametrize(
    ("received", "limit", "rule"),
    [
        # 月末締め翌月末払い on the 1st: day 62, allowed as 「2か月以内」
        (D(2026, 7, 1), D(2026, 8, 31), "two_months"),
        (D(2026, 7, 31), D(2026, 9, 30), "two_months"),
        # January + February are shorter than 60 days: the 60-day limit stays
        (D(2027, 1, 1), D(2027, 3, 1), "60_days"),
        (D(2028, 1, 1), D(2028, 2, 29), "60_days"),  # both the same day: 60 days
        (D(2026, 12, 31), D(2027, 2, 28), "60_days"),
    ],
)
def test_monthly_closing_reads_two_months(received, limit, rule):
    result = fa.payment_deadline_explained(received=received, agreed=D(2030, 1, 1), monthly_closing=True)
    assert result.limit == limit
    assert result.due == limit
    assert result.rule == rule
    assert result.agreed_too_late


def test_monthly_closing_allows_the_usual_month_end_scheme():
    # Delivered 7月1日, closed 7月31日, paid 8月31日: lawful only under the monthly reading.
    plain = fa.payment_deadline_explained(received=D(2026, 7, 1), agreed=D(2026, 8, 31))
    closing = fa.payment_deadline_explained(
        received=D(2026, 7, 1), agreed=D(2026, 8, 31), monthly_closing=True
    )
    assert plain.agreed_too_late and plain.due == D(2026, 8, 29)
    assert not closing.agreed_too_late and closing.due == D(2026, 8, 31)


def test_monthly_closing_does_not_stretch_redelegation():
    result = fa.payment_deadline_explained(
        received=D(2026, 4, 1), agreed=D(2026, 9, 1), original_due=D(2026, 6, 30), monthly_closing=True
    )
    assert result.rule == "redelegation"
    assert result.due == D(2026, 7, 29)
    assert any("再委託" in note for note in result.notes)


def test_explanation_steps_count_the_receipt_day_as_day_one():
    result = fa.payment_deadline_explained(received=D(2026, 4, 1), agreed=D(2026, 6, 15))
    assert result.limit == D(2026, 5, 30)
    assert result.due == D(2026, 5, 30)
    assert result.day_count == 60
    assert "2026年4月1日を1日目" in result.steps[0]
    assert "2026年5月30日" in result.steps[-1]
    assert result.agreed_too_late


def test_explanation_without_agreed_date_says_so():
    result = fa.payment_deadline_explained(received=D(2026, 4, 1))
    assert result.due == D(2026, 4, 1)
    assert result.day_count == 1
    assert "決めていない" in result.steps[-1]


def test_explained_and_plain_agree():
    for offset in range(0, 120, 7):
        received = D(2026, 1, 1) + dt.timedelta(days=offset)
        agreed = received + dt.timedelta(days=offset % 90)
        assert (
            fa.payment_deadline(received=received, agreed=agreed)
            == fa.payment_deadline_explained(received=received, agreed=agreed).due
        )


# --- protections (the FACTS.md §1 table, every cell) ------------------------

ANY = {"terms_in_writing"}
EMPLOYER = {"terms_in_writing", "payment_60_days", "ad_accuracy", "harassment_measures"}


@pytest.mark.parametrize(
    ("employees", "months", "expected"),
    [
        (False, 0, ANY),
        (False, 1, ANY),
        (False, 6, ANY),
        (False, 24, ANY),
        (True, 0, EMPLOYER | {"childcare_consideration_effort"}),
        (True, 1, EMPLOYER | {"childcare_consideration_effort", "prohibited_acts"}),
        (True, 5, EMPLOYER | {"childcare_consideration_effort", "prohibited_acts"}),
        (True, 6, EMPLOYER | {"childcare_consideration", "prohibited_acts", "termination_notice"}),
        (True, 36, EMPLOYER | {"childcare_consideration", "prohibited_acts", "termination_notice"}),
    ],
)
def test_protections(employees, months, expected):
    assert fa.protections(client_has_employees=employees, months=months) == expected


def test_protections_codes_are_the_interface_codes():
    assert fa.PROTECTION_CODES == {
        "terms_in_writing",
        "payment_60_days",
        "prohibited_acts",
        "ad_accuracy",
        "harassment_measures",
        "childcare_consideration",
        "childcare_consideration_effort",
        "termination_notice",
    }


def test_protections_rejects_negative_months():
    with pytest.raises(ValueError):
        fa.protections(client_has_employees=True, months=-1)


@pytest.mark.parametrize("duty", fa.DUTIES, ids=lambda d: d.code)
def test_every_duty_cites_a_source_and_a_date(duty):
    assert duty.applies_from == D(2024, 11, 1)
    assert duty.sources and all(s.startswith("http") for s in duty.sources)
    assert duty.article.endswith("条")
    assert duty.title and duty.summary


@pytest.mark.parametrize("route", [*fa.COMPLAINT_ROUTES, fa.ROUTE_LABOUR_STANDARDS, fa.ROUTE_TROUBLE_110])
def test_every_route_links_an_official_page(route):
    assert route.url.startswith("https://")
    assert route.source.startswith("http")


def test_complaint_routes_are_the_official_moushide_pages():
    assert {r.url for r in fa.COMPLAINT_ROUTES} == {
        "https://www.jftc.go.jp/soudan/shinkoku/freelance.html",
        "https://www.chusho.meti.go.jp/keiei/torihiki/law_freelance.html",
        "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/koyou_roudou/koyoukintou/zaitaku/freelance_moushide.html",
    }


def test_trouble_110_shows_no_unverified_contact_details():
    # FACTS.md §1: the phone number and hours are ⚠; only the page is linked.
    text = " ".join([fa.ROUTE_TROUBLE_110.name, fa.ROUTE_TROUBLE_110.handles, fa.ROUTE_TROUBLE_110.note])
    assert "0120" not in text and "9:30" not in text
    assert "公式ページでご確認ください" in text


# --- engagement milestones ----------------------------------------------------


def _codes(items):
    return [(m.code, m.on) for m in items]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            D(2026, 5, 1),
            None,
            [("prohibited_acts", D(2026, 5, 31)), ("six_months", D(2026, 10, 31))],
        ),
        (
            D(2027, 1, 31),
            None,
            [("prohibited_acts", D(2027, 2, 28)), ("six_months", D(2027, 7, 30))],
        ),
        (
            D(2027, 8, 31),
            None,
            [("prohibited_acts", D(2027, 9, 30)), ("six_months", D(2028, 2, 29))],
        ),
        # shorter than a month: nothing is reached
        (D(2026, 5, 1), D(2026, 5, 30), []),
        # exactly one month
        (D(2026, 5, 1), D(2026, 5, 31), [("prohibited_acts", D(2026, 5, 31))]),
        # one day short of six months: no notice duty
        (D(2026, 5, 1), D(2026, 10, 30), [("prohibited_acts", D(2026, 5, 31))]),
        # exactly six months: notice 30 days before the last day
        (
            D(2026, 5, 1),
            D(2026, 10, 31),
            [
                ("prohibited_acts", D(2026, 5, 31)),
                ("notice_by", D(2026, 10, 1)),
                ("six_months", D(2026, 10, 31)),
            ],
        ),
        (
            D(2026, 4, 1),
            D(2027, 3, 31),
            [
                ("prohibited_acts", D(2026, 4, 30)),
                ("six_months", D(2026, 9, 30)),
                ("notice_by", D(2027, 3, 1)),
            ],
        ),
        # leap year: 30 days before 2028年3月30日 is 2月29日
        (
            D(2027, 9, 1),
            D(2028, 3, 30),
            [
                ("prohibited_acts", D(2027, 9, 30)),
                ("notice_by", D(2028, 2, 29)),  # same day: ordered by code
                ("six_months", D(2028, 2, 29)),
            ],
        ),
    ],
)
def test_engagement_milestones(start, end, expected):
    assert _codes(fa.engagement_milestones(start=start, end=end)) == expected


def test_milestones_are_sorted_and_labelled():
    items = fa.engagement_milestones(start=D(2026, 4, 1), end=D(2027, 3, 31))
    assert [m.on for m in items] == sorted(m.on for m in items)
    assert all(isinstance(m, fa.Milestone) and m.label for m in items)


def test_milestones_reject_end_before_start():
    with pytest.raises(ValueError):
        fa.engagement_milestones(start=D(2026, 5, 2), end=D(2026, 5, 1))


# --- 「どこに相談する？」 --------------------------------------------------------


@pytest.mark.parametrize(
    ("signs", "employment_like"),
    [
        (set(), False),
        ({"hourly_pay"}, False),
        ({"hourly_pay", "fixed_time_place"}, True),
        (set(fa.WORKER_SIGN_CODES), True),
    ],
)
def test_looks_like_employment(signs, employment_like):
    assert fa.looks_like_employment(signs) is employment_like


def test_looks_like_employment_rejects_unknown_signs():
    with pytest.raises(ValueError):
        fa.looks_like_employment({"made_up"})


def test_advice_sends_employment_like_work_to_labour_standards_first():
    advice = fa.consultation_advice(client_has_employees=True, months=3, signs={"hourly_pay", "client_tools"})
    assert advice.employment_like
    assert advice.routes[0].code == "labour_standards"
    assert [r.code for r in advice.routes[1:]] == ["jftc", "sme_agency", "labour_bureau", "trouble_110"]


def test_advice_for_plain_freelance_work():
    advice = fa.consultation_advice(client_has_employees=False, months=12, signs=set())
    assert not advice.employment_like
    assert [d.code for d in advice.certain] == ["terms_in_writing"]
    assert advice.if_employer == ()
    assert advice.routes[0].code == "jftc"


def test_advice_when_unsure_about_employees_lists_the_extra_duties_apart():
    advice = fa.consultation_advice(client_has_employees=None, months=6, signs=set())
    assert [d.code for d in advice.certain] == ["terms_in_writing"]
    assert {d.code for d in advice.if_employer} == fa.protections(client_has_employees=True, months=6) - {
        "terms_in_writing"
    }


def test_terms_items_are_the_nine_plus_three_of_the_rules():
    assert len(fa.TERMS_ITEMS) == 9
    assert len(fa.REDELEGATION_ITEMS) == 3


def test_date_ja():
    assert fa.date_ja(D(2026, 3, 1)) == "2026年3月1日"
