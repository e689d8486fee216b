"""TEMPORARY stand-ins for consultations.freelance_act and terms_checker until
fa-law / fa-checker land on main. Loaded only with `-p tests.consultations.test_records_fake`.
Delete this file once main has the real modules."""

import datetime as dt
import sys
import types
from dataclasses import dataclass, field
from importlib import util

if util.find_spec("consultations.freelance_act") is None:
    law = types.ModuleType("consultations.freelance_act")

    @dataclass(frozen=True)
    class Milestone:
        code: str
        on: dt.date
        label: str

    def payment_deadline(*, received, agreed=None, original_due=None):
        limit = original_due + dt.timedelta(days=29) if original_due else received + dt.timedelta(days=59)
        return limit if agreed is None or agreed > limit else agreed

    def protections(*, client_has_employees, months):
        out = {"terms_in_writing"}
        if client_has_employees:
            out |= {"payment_60_days", "ad_accuracy", "harassment_measures"}
            if months >= 1:
                out.add("prohibited_acts")
            if months >= 6:
                out |= {"termination_notice", "childcare_consideration"}
            else:
                out.add("childcare_consideration_effort")
        return out

    def engagement_milestones(*, start, end):
        def add(d, m):
            y, mo = divmod(d.year * 12 + d.month - 1 + m, 12)
            return dt.date(y, mo + 1, min(d.day, 28))

        out = [Milestone("prohibited_acts", add(start, 1) - dt.timedelta(days=1), "1か月")]
        six = add(start, 6) - dt.timedelta(days=1)
        if end is None or end >= six:
            out.append(Milestone("six_months", six, "6か月"))
            if end is not None:
                out.append(Milestone("notice_by", end - dt.timedelta(days=30), "予告期限"))
        return sorted(out, key=lambda m: m.on)

    law.Milestone, law.payment_deadline = Milestone, payment_deadline
    law.protections, law.engagement_milestones = protections, engagement_milestones
    sys.modules["consultations.freelance_act"] = law

if util.find_spec("consultations.terms_checker") is None:
    checker = types.ModuleType("consultations.terms_checker")
    CODES = ["parties", "commissioned_on", "work", "delivery", "place", "fee", "payment_due", "inspection"]

    @dataclass
    class TermsReport:
        items: dict = field(default_factory=dict)
        warnings: list = field(default_factory=list)

        def as_dict(self):
            return {"items": dict(self.items), "warnings": list(self.warnings)}

        @property
        def missing_codes(self):
            return [c for c, s in self.items.items() if s == "missing"]

    def check_terms(text):
        items = {c: "missing" for c in CODES}
        items["inspection"] = "not_needed"
        if "様" in text:
            items["parties"] = "stated"
        if "円" in text:
            items["fee"] = "stated"
        if "納期" in text:
            items["delivery"] = "stated"
        warnings = (
            [{"code": "invoice_dependent", "message": "請求書に左右される支払期日です。"}]
            if "請求書" in text
            else []
        )
        return TermsReport(items, warnings)

    def draft_request(report, *, client_name="", sender_name=""):
        return f"{client_name} 御中\n取引条件の明示のお願い\n{sender_name}"

    checker.TermsReport, checker.check_terms, checker.draft_request = TermsReport, check_terms, draft_request
    sys.modules["consultations.terms_checker"] = checker
