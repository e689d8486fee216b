"""取引記録: what the Freelance Act says about one engagement a member recorded.

Pure: dates and plain values in, facts out (no database, request or settings).
The law's arithmetic itself lives in ``consultations.freelance_act``; this
module only decides which of its answers apply to the record and words them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consultations import freelance_act, terms_checker

# What each milestone means for the member, in plain words (FACTS.md §1, 5条・13条・16条).
MILESTONE_EXPLANATIONS = {
    "prohibited_acts": (
        "取引が1か月以上続くと、従業員のいる取引先には7つの禁止行為（受領拒否、報酬の減額、返品、"
        "買いたたき、購入・利用の強制、不当な経済上の利益の提供要請、不当な給付内容の変更・やり直し）"
        "が適用されます。あなたが同意していても、禁止は変わりません。"
    ),
    "six_months": (
        "取引が6か月以上続くと、取引先は契約を途中で解除するときや更新しないとき、"
        "30日前までに書面やメールで予告しなければなりません。予告を受けたあとは、理由を聞くことができます。"
        "育児や介護への配慮も、取引先の義務になります。"
    ),
    "notice_by": (
        "この日が、契約の終了日に向けて取引先が「更新しない」と予告できる最後の日です。"
        "この日を過ぎて予告されたときは、予告が遅れていないか確かめましょう。"
    ),
}


@dataclass(frozen=True)
class Payment:
    """The due date that matters for this record and whether it has passed."""

    basis: str  # "law" (client has employees) | "law_if_employees" (unknown) | "agreed" | "none"
    lawful_due: dt.date | None
    agreed_due: dt.date | None
    due: dt.date | None  # the date reminders and 「期日超過」 use
    paid_on: dt.date | None
    overdue: bool
    days_overdue: int
    agreed_too_late: bool
    steps: tuple[str, ...]  # how the date was counted (freelance_act), for the page and the PDF


def payment(
    *,
    employees: str,
    delivered: dt.date | None,
    agreed: dt.date | None,
    original_due: dt.date | None,
    paid: dt.date | None,
    today: dt.date,
) -> Payment:
    explained = (
        freelance_act.payment_deadline_explained(received=delivered, agreed=agreed, original_due=original_due)
        if delivered and employees != "no"
        else None
    )
    if explained:
        basis = "law" if employees == "yes" else "law_if_employees"
        due = explained.due
    elif agreed:
        basis, due = "agreed", agreed
    else:
        basis, due = "none", None
    overdue = bool(due and paid is None and today > due)
    return Payment(
        basis=basis,
        lawful_due=explained.due if explained else None,
        agreed_due=agreed,
        due=due,
        paid_on=paid,
        overdue=overdue,
        days_overdue=(today - due).days if overdue and due else 0,
        agreed_too_late=bool(explained and explained.agreed_too_late),
        steps=(*explained.steps, *explained.notes) if explained else (),
    )


@dataclass(frozen=True)
class MilestoneView:
    code: str
    on: dt.date
    label: str
    explanation: str
    reached: bool


def milestones(*, start: dt.date, runs_until: dt.date | None, today: dt.date) -> list[MilestoneView]:
    """The Act's milestones for this engagement (renewals included in ``runs_until``)."""
    return [
        MilestoneView(
            code=m.code,
            on=m.on,
            label=m.label,
            explanation=MILESTONE_EXPLANATIONS.get(m.code, ""),
            reached=today >= m.on,
        )
        for m in freelance_act.engagement_milestones(start=start, end=runs_until)
    ]


def duties(
    *, employees: str, start: dt.date, runs_until: dt.date | None, today: dt.date
) -> tuple[list[freelance_act.Duty], list[freelance_act.Duty]]:
    """The Act's duties for the engagement as far as it is known to run
    (open-ended: up to today), and, when the member does not know whether
    the client has employees, the further duties that would then apply."""
    months = freelance_act.engagement_months(start=start, end=max(runs_until or today, start))
    has_employees = {"yes": True, "no": False}.get(employees)
    certain = freelance_act.protections(client_has_employees=bool(has_employees), months=months)
    extra = set()
    if has_employees is None:
        extra = freelance_act.protections(client_has_employees=True, months=months) - certain
    return freelance_act.duties_for(certain), freelance_act.duties_for(extra)


def jp_date(day: dt.date | None) -> str:
    return freelance_act.date_ja(day) if day else "（未入力）"


def yen(amount: int | None) -> str:
    return f"{amount:,}円" if amount is not None else "（未入力）"


def consultation_text(
    *,
    client_name: str,
    work: str,
    start: dt.date,
    runs_until: dt.date | None,
    fee: int | None,
    delivered: dt.date | None,
    pay: Payment,
    missing_terms: list[str],
) -> str:
    """A first draft of an e-mail consultation built from a record. The member
    reads and edits it before anything is sent."""
    lines = [
        f"取引先：{client_name}",
        f"仕事の内容：{work.strip()}",
        f"取引の期間：{jp_date(start)}〜{jp_date(runs_until) if runs_until else '（終了日の定めなし）'}",
        f"報酬：{yen(fee)}",
        f"納品した日：{jp_date(delivered)}",
    ]
    if pay.due:
        lines.append(f"支払期日：{jp_date(pay.due)}")
    if pay.paid_on:
        lines.append(f"支払われた日：{jp_date(pay.paid_on)}")
    elif pay.overdue:
        lines.append(f"支払期日を{pay.days_overdue}日過ぎていますが、まだ支払われていません。")
    if missing_terms:
        lines.append(f"発注のときに示されていない取引条件：{'、'.join(missing_terms)}")
    lines.append("")
    lines.append("（Wor-Q の取引記録から作成しました。送る前に内容を確認・修正してください。）")
    return "\n".join(lines)


TERM_STATUS_LABELS = {
    terms_checker.STATED: "明示あり",
    terms_checker.MISSING: "見当たりません",
    terms_checker.NOT_NEEDED: "検査なし",
}


@dataclass(frozen=True)
class TermRow:
    label: str
    status: str
    status_label: str
    explanation: str  # why the item matters, shown when it is missing


def terms_rows(check: dict | None) -> list[TermRow]:
    """The rows of a stored checker result (``TermsReport.as_dict()``)."""
    if not check:
        return []
    return [
        TermRow(
            label=terms_checker.LABELS_JA.get(code, code),
            status=status,
            status_label=TERM_STATUS_LABELS.get(status, status),
            explanation=terms_checker.EXPLANATIONS_JA.get(code, "")
            if status == terms_checker.MISSING
            else "",
        )
        for code, status in check.get("items", {}).items()
    ]


def missing_terms(check: dict | None) -> list[str]:
    return [row.label for row in terms_rows(check) if row.status == terms_checker.MISSING]


@dataclass(frozen=True)
class TimelineEntry:
    on: dt.date
    text: str


def timeline(
    *,
    start: dt.date,
    end: dt.date | None,
    renewals: int,
    renewed_until: dt.date | None,
    delivered: dt.date | None,
    pay: Payment,
    milestone_list: list[MilestoneView],
    terms_checked_on: dt.date | None,
    evidence: list[tuple[dt.date, str]],
) -> list[TimelineEntry]:
    """The dated facts of an engagement, oldest first, for the record page and the PDF."""
    entries = [TimelineEntry(start, "取引の開始")]
    if end:
        entries.append(TimelineEntry(end, "契約の終了日（最初の契約）"))
    if renewed_until:
        entries.append(TimelineEntry(renewed_until, f"更新後の終了日（更新{renewals}回）"))
    if delivered:
        entries.append(TimelineEntry(delivered, "納品（サービスの提供）"))
    if pay.agreed_due:
        entries.append(TimelineEntry(pay.agreed_due, "取り決めた支払期日"))
    if pay.lawful_due:
        entries.append(TimelineEntry(pay.lawful_due, "法律上の支払期日"))
    if pay.paid_on:
        entries.append(TimelineEntry(pay.paid_on, "報酬の支払い"))
    entries += [TimelineEntry(m.on, m.label) for m in milestone_list]
    if terms_checked_on:
        entries.append(TimelineEntry(terms_checked_on, "取引先の発注内容を取引条件チェックで確認"))
    entries += [TimelineEntry(on, f"証拠ファイルを保存：{name}") for on, name in evidence]
    return sorted(entries, key=lambda e: e.on)
