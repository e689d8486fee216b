"""取引記録: the pure part (consultations.records), no database."""

import datetime as dt

import pytest

from consultations import freelance_act, records, terms_checker

D = dt.date


def pay(**kwargs):
    values = {
        "employees": "yes",
        "delivered": D(2026, 4, 1),
        "agreed": None,
        "original_due": None,
        "paid": None,
        "today": D(2026, 4, 10),
    }
    return records.payment(**{**values, **kwargs})


def test_lawful_due_date_comes_from_freelance_act():
    result = pay(agreed=D(2026, 7, 31))
    expected = freelance_act.payment_deadline(received=D(2026, 4, 1), agreed=D(2026, 7, 31))
    assert result.lawful_due == result.due == expected
    assert result.agreed_too_late
    assert result.basis == "law"
    assert not result.overdue
    explained = freelance_act.payment_deadline_explained(received=D(2026, 4, 1), agreed=D(2026, 7, 31))
    assert result.steps == (*explained.steps, *explained.notes)


def test_overdue_counts_days_after_the_due_date():
    result = pay(agreed=D(2026, 4, 30), today=D(2026, 5, 3))
    assert result.due == freelance_act.payment_deadline(received=D(2026, 4, 1), agreed=D(2026, 4, 30))
    assert (result.overdue, result.days_overdue) == (True, (D(2026, 5, 3) - result.due).days)
    assert not pay(agreed=D(2026, 4, 30), today=D(2026, 5, 3), paid=D(2026, 5, 2)).overdue
    # The due day itself is not yet overdue.
    assert not pay(agreed=D(2026, 4, 30), today=result.due).overdue


def test_redelegation_passes_the_original_due_date():
    result = pay(original_due=D(2026, 4, 20))
    assert result.lawful_due == freelance_act.payment_deadline(
        received=D(2026, 4, 1), original_due=D(2026, 4, 20)
    )
    assert any("再委託" in step for step in result.steps)


def test_client_without_employees_uses_only_the_agreed_date():
    result = pay(employees="no", agreed=D(2026, 4, 5))
    assert (result.basis, result.lawful_due, result.due, result.overdue) == (
        "agreed",
        None,
        D(2026, 4, 5),
        True,
    )
    assert pay(employees="no").basis == "none"
    assert pay(employees="unknown").basis == "law_if_employees"
    assert pay(delivered=None).due is None


def codes(duties):
    return {d.code for d in duties}


@pytest.mark.parametrize(
    ("employees", "runs_until", "today", "has", "months", "extra"),
    [
        ("yes", D(2026, 4, 20), D(2026, 4, 2), True, 0, False),
        ("yes", D(2027, 3, 31), D(2026, 4, 2), True, 12, False),
        ("no", None, D(2027, 4, 1), False, 12, False),  # open-ended: counted up to today
        ("unknown", D(2026, 10, 31), D(2026, 4, 2), False, 7, True),
        ("yes", None, D(2026, 3, 1), True, 0, False),  # starts in the future
    ],
)
def test_duties_follow_the_engagement_length(employees, runs_until, today, has, months, extra):
    certain, if_employees = records.duties(
        employees=employees, start=D(2026, 4, 1), runs_until=runs_until, today=today
    )
    assert codes(certain) == freelance_act.protections(client_has_employees=has, months=months)
    expected_extra = freelance_act.protections(client_has_employees=True, months=months) - codes(certain)
    assert codes(if_employees) == (expected_extra if extra else set())
    assert not extra or if_employees


def test_milestones_explain_each_code():
    views = records.milestones(start=D(2026, 1, 10), runs_until=D(2026, 12, 31), today=D(2026, 3, 1))
    assert [v.code for v in views] == [
        m.code for m in freelance_act.engagement_milestones(start=D(2026, 1, 10), end=D(2026, 12, 31))
    ]
    assert all(v.explanation for v in views)
    assert views[0].reached


def test_timeline_is_in_date_order_and_consultation_text_names_the_facts():
    p = pay(agreed=D(2026, 4, 5), today=D(2026, 4, 20))
    entries = records.timeline(
        start=D(2026, 3, 1),
        end=D(2026, 3, 31),
        renewals=1,
        renewed_until=D(2026, 6, 30),
        delivered=D(2026, 4, 1),
        pay=p,
        milestone_list=[],
        terms_checked_on=D(2026, 3, 2),
        evidence=[(D(2026, 4, 2), "order.pdf")],
    )
    assert [e.on for e in entries] == sorted(e.on for e in entries)
    assert "証拠ファイルを保存：order.pdf" in [e.text for e in entries]
    text = records.consultation_text(
        client_name="株式会社テスト",
        work="イラスト",
        start=D(2026, 3, 1),
        runs_until=None,
        fee=50000,
        delivered=D(2026, 4, 1),
        pay=p,
        missing_terms=["支払期日"],
    )
    assert "50,000円" in text and "15日過ぎています" in text and "支払期日" in text


def test_terms_rows_label_every_code():
    check = {"items": {"fee": "stated", "payment_due": "missing", "inspection": "not_needed"}, "warnings": []}
    rows = records.terms_rows(check)
    assert [(r.label, r.status_label) for r in rows] == [
        (terms_checker.LABELS_JA["fee"], "明示あり"),
        (terms_checker.LABELS_JA["payment_due"], "見当たりません"),
        (terms_checker.LABELS_JA["inspection"], "検査なし"),
    ]
    assert rows[1].explanation == terms_checker.EXPLANATIONS_JA["payment_due"] and rows[0].explanation == ""
    assert records.missing_terms(check) == [terms_checker.LABELS_JA["payment_due"]]
    assert records.terms_rows(None) == []
