"""TEMPORARY stand-in for consultations.terms_checker until fa-checker lands
on main. Loaded only with `-p tests.consultations.test_records_fake`.
Delete this file once main has the real modules."""

import sys
import types
from dataclasses import dataclass, field
from importlib import util

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
