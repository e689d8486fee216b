"""Premium arithmetic: a rate table in, a premium (or a reason) out.

Pure code: no ORM, request or settings. ``kyosai.pricing`` feeds it the table
in force; tests feed it the seed tables directly.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

PRODUCTS = ("club", "life", "medical", "liability", "income", "rosai", "rosai_freelance")
# 労災保険特別加入: benefits paid by the state, not by Wor-Q共済.
ROSAI_PRODUCTS = ("rosai", "rosai_freelance")
PAYMENTS = {"paid_up_at_65": "短期払い（65歳払済）", "whole_life": "終身払い"}
SEXES = {"male": "男性", "female": "女性"}
# The dimensions a rate row may be keyed on, with the Japanese name of each.
DIMENSIONS = {
    "sex": "性別",
    "plan": "プラン",
    "job_class": "職種級別",
    "benefit": "保険金額（月額）",
    "daily": "日額",
    "payment": "払込方法",
}


class PricingError(Exception):
    """Base class; ``str(exc)`` is a Japanese sentence for the person asking."""


class NotOffered(PricingError):
    """The product is not offered for this combination (e.g. plan C from 61)."""


class NotPublished(PricingError):
    """The source publishes no figure for this combination: ask for a quote."""


class MissingChoice(PricingError, ValueError):
    """A choice the product is priced by was not given."""


@dataclass(frozen=True)
class Rate:
    """One cell of a premium table. Empty keys match anything."""

    monthly: int | None = None
    annual: int | None = None
    half_year: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    sex: str = ""
    plan: str = ""
    job_class: int | None = None
    benefit: int | None = None
    daily: int | None = None
    payment: str = ""

    def covers_age(self, age: int) -> bool:
        return (self.age_min is None or age >= self.age_min) and (self.age_max is None or age <= self.age_max)


@dataclass(frozen=True)
class Table:
    product: str
    # "not_offered": a combination missing from the table is not offered;
    # "not_published": the product exists but the source gives no figure.
    unlisted: str = "not_offered"
    rates: tuple[Rate, ...] = ()
    version: str = ""
    table_id: int | None = None


@dataclass(frozen=True)
class Premium:
    monthly: int | None
    annual: int | None
    half_year: int | None = None
    table_id: int | None = None
    version: str = ""

    @property
    def yearly_total(self) -> int:
        """What the cover costs over a year, whichever way it is paid."""
        return (self.monthly or 0) * 12 + (self.annual or 0)


@dataclass(frozen=True)
class Choices:
    age: int | None = None
    sex: str = ""
    plan: str = ""
    job_class: int | None = None
    benefit: int | None = None
    daily: int | None = None
    payment: str = ""
    extra: dict = field(default_factory=dict)


def yen(amount: int) -> str:
    return f"{amount:,}円"


def dimension_label(product: str, dim: str) -> str:
    if dim == "daily":
        return "入院日額" if product == "medical" else "給付基礎日額" if product in ROSAI_PRODUCTS else "日額"
    return DIMENSIONS[dim]


def _needs_age(table: Table) -> bool:
    return any(r.age_min is not None or r.age_max is not None for r in table.rates)


def _used_dimensions(table: Table) -> list[str]:
    return [d for d in DIMENSIONS if any(getattr(r, d) not in ("", None) for r in table.rates)]


def _unlisted(table: Table, message: str) -> PricingError:
    if table.unlisted == "not_published":
        return NotPublished(
            "この条件の掛金は公表されていません。見積依頼をいただければ、担当者がお答えします。"
        )
    return NotOffered(message)


def _values_label(values: list, dim: str) -> str:
    if dim in ("benefit", "daily"):
        return "・".join(yen(v) for v in sorted(values))
    if dim == "job_class":
        return "・".join(f"{v}級" for v in sorted(values))
    if dim == "sex":
        return "・".join(SEXES.get(v, v) for v in values)
    if dim == "payment":
        return "・".join(PAYMENTS.get(v, v) for v in values)
    return "・".join(f"{v}プラン" for v in sorted(values))


def quote(table: Table, choices: Choices) -> Premium:
    """The premium for ``choices`` from ``table``, or a PricingError saying why not."""
    if not table.rates:
        raise NotPublished("この共済の掛金表はまだ登録されていません。")
    if choices.sex and choices.sex not in SEXES:
        raise MissingChoice("性別は男性か女性を選んでください。")
    if choices.payment and choices.payment not in PAYMENTS:
        raise MissingChoice("払込方法を選んでください。")
    candidates = list(table.rates)
    if _needs_age(table):
        if choices.age is None:
            raise MissingChoice("生年月日（または年齢）を入力してください。")
        lowest = min(r.age_min for r in candidates if r.age_min is not None)
        highest = max(r.age_max for r in candidates if r.age_max is not None)
        if not lowest <= choices.age <= highest and table.unlisted == "not_offered":
            raise NotOffered(f"この共済は{lowest}歳から{highest}歳までの方が対象です。")
    for dim in _used_dimensions(table):
        wanted = getattr(choices, dim)
        if wanted in ("", None):
            raise MissingChoice(f"{dimension_label(table.product, dim)}を選んでください。")
        known = sorted({getattr(r, dim) for r in candidates if getattr(r, dim) not in ("", None)})
        if wanted not in known:
            raise _unlisted(
                table,
                f"{dimension_label(table.product, dim)}は{_values_label(known, dim)}からお選びください。",
            )
        candidates = [r for r in candidates if getattr(r, dim) in ("", None, wanted)]
    if _needs_age(table):
        in_band = [r for r in candidates if r.covers_age(choices.age)]
        if not in_band:
            highest = max((r.age_max for r in candidates if r.age_max is not None), default=None)
            lowest = min((r.age_min for r in candidates if r.age_min is not None), default=None)
            if choices.plan and highest is not None and choices.age > highest:
                message = f"{choices.plan}プランは{highest}歳までの方が対象です。"
            elif highest is not None and choices.age > highest:
                message = f"この条件は{highest}歳までの方が対象です。"
            else:
                message = f"この条件は{lowest}歳からの方が対象です。"
            raise _unlisted(table, message)
        candidates = in_band
    if len(candidates) != 1:
        # Two cells for one combination is a data error staff must fix.
        raise NotPublished("この条件の掛金を一つに決められません。担当者にお問い合わせください。")
    rate = candidates[0]
    return Premium(
        monthly=rate.monthly,
        annual=rate.annual,
        half_year=rate.half_year,
        table_id=table.table_id,
        version=table.version,
    )


def kyugyo_daily(daily: int) -> int:
    """労災 休業(補償)給付 per day from the 4th day off: 60% of 給付基礎日額 plus
    the 20% 休業特別支給金 (FACTS.md §2), each rounded down to the yen."""
    return daily * 60 // 100 + daily * 20 // 100


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """満年齢 on ``day`` (the birthday itself counts as the new age)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cover_start(rule: str, approved_on: dt.date) -> dt.date:
    """When cover begins for an application approved on ``approved_on``."""
    if rule == "next_day":
        return approved_on + dt.timedelta(days=1)
    return first_of_next_month(approved_on)


def cover_end(start: dt.date) -> dt.date:
    """Cover runs one club year: the day before the same date next year."""
    return add_years(start, 1) - dt.timedelta(days=1)


# One status rule for a cover on a given day, used by the verification page
# (heading and rows) and the certificate alike.
HELD_STATUSES = ("approved", "cancel_requested")
# Held once and ended: the cover still counts for the days inside its period.
ENDED_STATUSES = ("cancelled", "lapsed")
COVER_STATES = {
    "valid": "加入中",
    "not_started": "保障開始前",
    "expired": "期限切れ",
    "cancelled": "解約済み",
    "lapsed": "失効",
    "none": "—",
}


def cover_state(*, status: str, start: dt.date | None, end: dt.date | None, day: dt.date) -> str:
    """valid / not_started / expired / cancelled / lapsed (none: never approved)."""
    if status in HELD_STATUSES and start is not None and end is not None:
        if day < start:
            return "not_started"
        return "valid" if day <= end else "expired"
    if status in ENDED_STATUSES:
        return status
    return "none"


def policy_state(states: list[str]) -> str:
    """A certificate's overall state from its covers' states."""
    for state in ("valid", "not_started"):
        if state in states:
            return state
    if states and all(s in ("cancelled", "lapsed") for s in states):
        return "cancelled" if "cancelled" in states else "lapsed"
    return "expired"


def aligned_cover_end(start: dt.date, club_year_end: dt.date) -> dt.date:
    """Options last only while in the club: an option that starts mid-year ends
    with the club year that covers its start (and renews with the club)."""
    end = club_year_end
    while end < start:
        end = cover_end(end + dt.timedelta(days=1))
    return end


def mask_name(full_name: str) -> str:
    """山田 太郎 → 山田 ○○ (family name kept, given name hidden)."""
    parts = full_name.replace("\u3000", " ").split()
    if not parts:
        return "○○"
    if len(parts) == 1:
        return parts[0][:1] + "○○"
    return f"{parts[0]} ○○"
