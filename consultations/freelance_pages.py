"""Context for the public Freelance Act pages (guide, calculator, where to go).

Reading only: nothing here writes to the database. The law itself (rules,
sources, dates) lives in ``consultations.freelance_act``; this module only
arranges it for the templates.
"""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.urls import reverse

from consultations import freelance_act as fa
from consultations.models import GlossaryTerm

# Glossary terms the pages link to, by a key the templates can name.
GLOSSARY_KEYS = {
    "contractor": "特定受託事業者",
    "client": "特定業務委託事業者",
    "disguised": "偽装フリーランス",
    "toriteki": "取適法",
    "redelegation": "再委託",
    "monthly": "月単位の締切制度",
    "prohibited": "7つの禁止行為",
    "moushide": "フリーランス法の申出",
    "terms": "取引条件の明示",
    "due": "支払期日",
}


def term_urls() -> dict[str, str]:
    """{key: glossary URL} for the terms that exist (one query)."""
    found = dict(GlossaryTerm.objects.filter(term__in=GLOSSARY_KEYS.values()).values_list("term", "pk"))
    return {
        key: reverse("consultations:glossary-detail", args=[found[term]])
        for key, term in GLOSSARY_KEYS.items()
        if term in found
    }


@dataclass(frozen=True)
class DutyRow:
    """One line of the guide's table: an article, and for whom it applies."""

    article: str
    title: str
    summary: str
    any_client: bool
    employer: str  # when a client with employees owes it, Japanese
    applies_from: dt.date
    sources: tuple[str, ...]


def _employer_cell(duty: fa.Duty) -> str:
    if duty.max_months is not None:
        return f"{duty.max_months}か月未満は努力義務"
    if duty.min_months:
        return f"{duty.min_months}か月以上の取引で義務"
    return "義務"


def duty_rows() -> list[DutyRow]:
    rows = []
    for article, group in groupby(fa.DUTIES, key=lambda d: d.article):
        duties = list(group)
        main = duties[-1]  # 13条: the duty proper comes after the best-efforts one
        sources = tuple(dict.fromkeys(s for d in duties for s in d.sources))
        rows.append(
            DutyRow(
                article=article,
                title=main.title,
                summary=main.summary,
                any_client=not main.employer_only,
                employer="、".join(_employer_cell(d) for d in reversed(duties)),
                applies_from=main.applies_from,
                sources=sources,
            )
        )
    return rows


def route_context() -> dict:
    """The official places to go, shared by all three pages."""
    return {
        "complaint_routes": fa.COMPLAINT_ROUTES,
        "route_110": fa.ROUTE_TROUBLE_110,
        "route_labour": fa.ROUTE_LABOUR_STANDARDS,
        "in_force": fa.IN_FORCE,
        "moushide_from": fa.MOUSHIDE_FROM,
        "moushide_source": fa.MOUSHIDE_SOURCE,
        "retaliation_article": fa.RETALIATION_ARTICLE,
        "retaliation_source": fa.RETALIATION_SOURCE,
        "freelance_info_url": fa.MOUSHIDE_SOURCE,
        "worker_signs_source": fa.WORKER_SIGNS_SOURCE,
    }


def guide_context() -> dict:
    return {
        "duty_rows": duty_rows(),
        "toriteki_from": fa.TORITEKI_FROM,
        "toriteki_source": fa.TORITEKI_SOURCE,
        "payment_source": fa.PAYMENT_SOURCE,
        "official_payment_summary": fa.OFFICIAL_PAYMENT_SUMMARY,
        "notice_source": fa.duty("termination_notice").sources[-1],
        "scope_source": fa.ROUTE_LABOUR_STANDARDS.source,
        "definition_source": "https://1ch-law-corporate-legal.com/archives/240",
        "one_month_source": fa.SRC_ONE_MONTH,
        "terms_items": fa.TERMS_ITEMS,
        "terms_items_source": fa.TERMS_ITEMS_SOURCE,
        "redelegation_items": fa.REDELEGATION_ITEMS,
        "redelegation_items_source": fa.REDELEGATION_ITEMS_SOURCE,
        "terms_writing_source": fa.TERMS_WRITING_SOURCE,
        "terms_open_source": fa.TERMS_OPEN_SOURCE,
        "term_urls": term_urls(),
        **route_context(),
    }


def deadline_context() -> dict:
    return {
        "payment_source": fa.PAYMENT_SOURCE,
        "day_one_source": fa.DAY_ONE_SOURCE,
        "monthly_closing_source": fa.MONTHLY_CLOSING_SOURCE,
        "official_payment_summary": fa.OFFICIAL_PAYMENT_SUMMARY,
        "term_urls": term_urls(),
        **route_context(),
        # Payment is a 4条 matter: only the 3–5条 offices take it.
        "complaint_routes": (fa.ROUTE_JFTC, fa.ROUTE_SME),
    }


@dataclass(frozen=True)
class DeadlineResult:
    explanation: fa.DeadlineExplanation
    today: dt.date
    before_act: bool  # received before the Act came into force

    @property
    def overdue(self) -> bool:
        return self.explanation.due < self.today

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.explanation.due).days, 0)


def deadline_result(data: dict, *, today: dt.date) -> DeadlineResult:
    """``data``: the calculator form's cleaned data (already checked)."""
    explanation = fa.payment_deadline_explained(
        received=data["received"],
        agreed=data.get("agreed"),
        original_due=data.get("original_due"),
        monthly_closing=bool(data.get("monthly_closing")),
    )
    return DeadlineResult(explanation=explanation, today=today, before_act=data["received"] < fa.IN_FORCE)
