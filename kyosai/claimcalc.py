"""共済金・保険金の請求: which claim kinds a member's covers offer, what the
benefit tables in force pay for one (the indicative amount, with its
computation), and the claim status machine.

Pure code: no ORM, request or settings. Services feed it the covers in force on
the event date with the benefit rows of the tables in force on that date;
tests feed it the seed tables directly.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

# --- Status machine --------------------------------------------------------
DRAFT = "draft"
RECEIVED = "received"
DOCUMENTS_CHECK = "documents_check"
DOCUMENTS_REQUESTED = "documents_requested"
REVIEW = "review"
PAYMENT = "payment"
COMPLETED = "completed"
NOT_PAYABLE = "not_payable"

STATUS_LABELS = {
    DRAFT: "入力中",
    RECEIVED: "受付",
    DOCUMENTS_CHECK: "書類確認",
    DOCUMENTS_REQUESTED: "書類の追加をお願い",
    REVIEW: "審査",
    PAYMENT: "お支払い手続き",
    COMPLETED: "完了",
    NOT_PAYABLE: "お支払いの対象外",
}
# The main road the member sees as a progress bar.
MAIN_ROAD = (RECEIVED, DOCUMENTS_CHECK, REVIEW, PAYMENT, COMPLETED)
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({RECEIVED}),
    RECEIVED: frozenset({DOCUMENTS_CHECK, DOCUMENTS_REQUESTED, NOT_PAYABLE}),
    DOCUMENTS_CHECK: frozenset({REVIEW, DOCUMENTS_REQUESTED, NOT_PAYABLE}),
    # The member answers with more files, which brings the claim back to 書類確認.
    DOCUMENTS_REQUESTED: frozenset({DOCUMENTS_CHECK, NOT_PAYABLE}),
    REVIEW: frozenset({PAYMENT, DOCUMENTS_REQUESTED, NOT_PAYABLE}),
    PAYMENT: frozenset({COMPLETED}),
    COMPLETED: frozenset(),
    NOT_PAYABLE: frozenset(),
}
NEEDS_REASON = frozenset({DOCUMENTS_REQUESTED, NOT_PAYABLE})
OPEN = frozenset({RECEIVED, DOCUMENTS_CHECK, DOCUMENTS_REQUESTED, REVIEW, PAYMENT})
# States in which the member may still add files to the claim.
ACCEPTS_DOCUMENTS = frozenset({DRAFT, RECEIVED, DOCUMENTS_CHECK, DOCUMENTS_REQUESTED})


class TransitionError(ValueError):
    """``str(exc)`` is a Japanese sentence for the person acting."""


def check_transition(current: str, target: str, *, reason: str = "") -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(
            f"「{STATUS_LABELS.get(current, current)}」から「{STATUS_LABELS.get(target, target)}」には進めません。"
        )
    if target in NEEDS_REASON and not reason.strip():
        if target == DOCUMENTS_REQUESTED:
            raise TransitionError(
                "追加でお願いする書類と、その理由を入力してください。請求した方にメールで伝わります。"
            )
        raise TransitionError(
            "お支払いの対象外とする理由を入力してください。請求した方にメールで伝わります。"
        )


# --- Covers and benefit rows -------------------------------------------------
@dataclass(frozen=True)
class BenefitRow:
    group: str
    label: str
    amount: int | None = None
    prefix: str = ""
    text: str = ""
    plan: str = ""


@dataclass(frozen=True)
class Cover:
    """One product the member held on the event date, with the benefit rows of
    the table in force on that date."""

    product: str
    product_label: str
    rows: tuple[BenefitRow, ...]
    plan: str = ""
    benefit: int | None = None  # 所得補償: 保険金額（月額）
    daily: int | None = None
    table_version: str = ""
    policy_id: int | None = None


@dataclass(frozen=True)
class Details:
    hospital_days: int | None = None
    outpatient_days: int | None = None
    work_off_from: dt.date | None = None
    work_off_to: dt.date | None = None
    subtype: str = ""


# --- Claim kinds ---------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """Which benefit rows of which product pay for a kind, and how."""

    product: str
    group: str  # the row's 区分, or its beginning (e.g. 「入院したとき」 of 「入院したとき（最高180日）」)
    label_has: str = ""
    label_not: str = ""
    # per_day: amount × days; fixed: the amount; report: no amount (staff decide).
    how: str = "fixed"
    days: str = "hospital_days"
    # Option 1's figures include the basic cover's (seed 000: 「基本共済の死亡10万円、
    # 入院1,000円含む」), so it pays only the part above the basic cover.
    includes: tuple[str, str, str] | None = None  # (product, group, label_has)
    # The member picks one of the matching rows (e.g. 火災等 or 地震等).
    pick_one: bool = False


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    hint: str
    rules: tuple[Rule, ...]
    fields: tuple[str, ...] = ()
    # Only someone other than the insured can claim it (the insured died).
    family_only: bool = False


_BASIC_ILLNESS_HOSPITAL = ("club", "病気入院共済金", "")
_BASIC_ACCIDENT_HOSPITAL = ("club", "災害入院共済金", "")
_BASIC_DEATH_ILLNESS = ("club", "死亡・重度障害共済金", "病気等により死亡")
_BASIC_DEATH_ACCIDENT = ("club", "死亡・重度障害共済金", "不慮の事故等により死亡")

KINDS: tuple[Kind, ...] = (
    Kind(
        "hospital_illness",
        "病気で入院した",
        "日帰り入院を含みます。入院した日数を入力します。",
        (
            Rule("club", "病気入院共済金", how="per_day"),
            Rule("life", "入院", how="per_day", includes=_BASIC_ILLNESS_HOSPITAL),
            Rule("medical", "入院したとき", how="per_day"),
        ),
        fields=("hospital_days",),
    ),
    Kind(
        "hospital_accident",
        "事故やけがで入院した",
        "不慮の事故によるけがでの入院です。入院した日数を入力します。",
        (
            Rule("club", "災害入院共済金", how="per_day"),
            Rule("life", "入院", how="per_day", includes=_BASIC_ACCIDENT_HOSPITAL),
            Rule("medical", "入院したとき", how="per_day"),
        ),
        fields=("hospital_days",),
    ),
    Kind(
        "outpatient",
        "入院の前後に通院した",
        "入院の前後の通院日数を入力します。",
        (Rule("medical", "通院したとき", how="per_day", days="outpatient_days"),),
        fields=("outpatient_days",),
    ),
    Kind(
        "surgery",
        "手術を受けた",
        "外来での手術か、入院中の手術かを選びます。",
        (Rule("medical", "手術を受けたとき", pick_one=True),),
        fields=("subtype",),
    ),
    Kind("radiotherapy", "放射線治療を受けた", "", (Rule("medical", "放射線治療を受けたとき"),)),
    Kind("advanced_treatment", "先進医療を受けた", "", (Rule("medical", "先進医療特約"),)),
    Kind(
        "disease_disability",
        "はじめて特定の身体の障がい状態になった",
        "共済期間中にはじめて特定の身体の障がい状態になったときの見舞金です。",
        (Rule("club", "疾病障害見舞金"),),
    ),
    Kind(
        "severe_disability",
        "病気や事故で重度障害となった",
        "",
        (Rule("club", "死亡・重度障害共済金", "重度障害"),),
    ),
    Kind("donor", "ドナーとして特定の手術を受けた", "", (Rule("club", "ドナー支援金"),)),
    Kind(
        "home_disaster",
        "住まいが火災や自然災害にあった",
        "火災等・風水害等・地震等から選びます。",
        (Rule("club", "住宅災害見舞金", label_not="同居親族", pick_one=True),),
        fields=("subtype",),
    ),
    Kind(
        "relative_death",
        "同居の親族が火災や自然災害で亡くなった",
        "",
        (Rule("club", "住宅災害見舞金", "同居親族が死亡"),),
    ),
    Kind(
        "death_illness",
        "加入者が病気等で亡くなった",
        "ご家族が請求します。",
        (
            Rule(*_BASIC_DEATH_ILLNESS),
            Rule("life", "死亡", includes=_BASIC_DEATH_ILLNESS),
        ),
        family_only=True,
    ),
    Kind(
        "death_accident",
        "加入者が不慮の事故等で亡くなった",
        "ご家族が請求します。",
        (
            Rule(*_BASIC_DEATH_ACCIDENT),
            Rule("life", "死亡", includes=_BASIC_DEATH_ACCIDENT),
        ),
        family_only=True,
    ),
    Kind(
        "liability_accident",
        "仕事中の事故で人や物に損害を与えた（事故の報告）",
        "賠償責任の事故の報告です。相手の方と約束をする前にご報告ください。",
        (Rule("liability", "保険金", how="report"),),
    ),
    Kind(
        "income_loss",
        "病気やけがで働けなかった",
        "働けなかった最初の日と最後の日を入力します。",
        (Rule("income", "保険金額（月額）", how="income"),),
        fields=("work_off_from", "work_off_to"),
    ),
)
KIND_BY_CODE = {k.code: k for k in KINDS}
KIND_CHOICES = [(k.code, k.label) for k in KINDS]


def _matches(row: BenefitRow, product: str, cover: Cover, group: str, label_has: str) -> bool:
    return (
        cover.product == product
        and row.group.startswith(group)
        and label_has in row.label
        and (not row.plan or row.plan == cover.plan)
    )


def matching_rows(rule: Rule, cover: Cover) -> list[BenefitRow]:
    return [
        r
        for r in cover.rows
        if _matches(r, rule.product, cover, rule.group, rule.label_has)
        and not (rule.label_not and rule.label_not in r.label)
    ]


def offered_kinds(covers: list[Cover], *, family: bool) -> list[Kind]:
    """The kinds some cover pays for (death only on a family member's claim)."""
    return [
        k
        for k in KINDS
        if (family or not k.family_only) and any(matching_rows(rule, c) for rule in k.rules for c in covers)
    ]


def subtypes(kind: Kind, covers: list[Cover]) -> list[str]:
    """The rows the member picks from (labels), for kinds that need a choice."""
    labels: list[str] = []
    for rule in kind.rules:
        for cover in covers:
            labels += [r.label for r in matching_rows(rule, cover) if rule.pick_one and r.label not in labels]
    return labels


# --- The indicative amount -----------------------------------------------------
@dataclass(frozen=True)
class Line:
    text: str
    amount: int | None = None
    # The row gives a ceiling (最高…), not the sum: staff fix the amount.
    is_maximum: bool = False


@dataclass
class Computation:
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int | None:
        """The sum of the lines, or None when a line has no figure."""
        if not self.lines or any(ln.amount is None for ln in self.lines):
            return None
        return sum(ln.amount for ln in self.lines)

    @property
    def is_maximum(self) -> bool:
        return any(ln.is_maximum for ln in self.lines)

    def as_json(self) -> dict:
        return {
            "lines": [
                {"text": ln.text, "amount": ln.amount, "is_maximum": ln.is_maximum} for ln in self.lines
            ],
            "notes": list(self.notes),
            "total": self.total,
            "is_maximum": self.is_maximum,
        }


def yen(amount: int) -> str:
    return f"{amount:,}円"


_MAX_DAYS = re.compile(r"最高\s*(\d+)\s*日")
_DAYS = re.compile(r"(\d+)\s*日")


def days_cap(row: BenefitRow) -> int | None:
    """「入院したとき（最高180日）」→ 180: the table's own limit on paid days."""
    found = _MAX_DAYS.search(row.group)
    return int(found.group(1)) if found else None


def work_days(details: Details) -> int | None:
    if not details.work_off_from or not details.work_off_to:
        return None
    return (details.work_off_to - details.work_off_from).days + 1


def _row_name(cover: Cover, row: BenefitRow) -> str:
    plan = f" {cover.plan}プラン" if cover.plan and row.plan else ""
    label = "" if row.label == row.group else f" {row.label}"
    return f"{cover.product_label}{plan} {row.group}{label}".strip()


def _included(rule: Rule, covers: list[Cover]) -> BenefitRow | None:
    if rule.includes is None:
        return None
    product, group, label_has = rule.includes
    for cover in covers:
        for row in cover.rows:
            if _matches(row, product, cover, group, label_has):
                return row
    return None


def compute(kind: Kind, covers: list[Cover], details: Details) -> Computation:
    """The indicative amount of ``kind`` from the covers' benefit rows, one line
    per row with its arithmetic written out for the person checking it."""
    result = Computation()
    for rule in kind.rules:
        for cover in covers:
            rows = matching_rows(rule, cover)
            if rule.pick_one:
                rows = [r for r in rows if r.label == details.subtype]
            for row in rows:
                _add_line(result, rule, cover, row, details, _included(rule, covers))
    if not result.lines:
        result.notes.append("この日に保障していた共済に、このご請求の保障がありません。")
    return result


def _add_line(result, rule, cover, row, details, included) -> None:
    name = _row_name(cover, row)
    if rule.how == "report":
        ceiling = f"上限 {yen(row.amount)}" if row.amount is not None else row.text
        result.lines.append(Line(f"{name}（{ceiling}）：金額は事故の内容を確認して決まります", None))
        return
    if rule.how == "income":
        _income_line(result, cover, details)
        return
    if row.amount is None:
        result.lines.append(Line(f"{name}：{row.text}", None))
        return
    amount, extra = row.amount, ""
    if included is not None and included.amount is not None:
        amount = max(row.amount - included.amount, 0)
        extra = f"（基本共済の{yen(included.amount)}を含む額のため、上乗せ分 {yen(amount)}）"
    if row.prefix == "最高":
        result.lines.append(Line(f"{name} 最高 {yen(amount)}{extra}", amount, is_maximum=True))
        result.notes.append(
            f"{name}は「最高 {yen(row.amount)}」の定めです。金額は担当者が被害の程度を確認して決めます。"
        )
        return
    if rule.how == "per_day":
        days = getattr(details, rule.days) or 0
        cap = days_cap(row)
        paid = min(days, cap) if cap is not None else days
        capped = f"（最高{cap}日まで）" if cap is not None and days > cap else ""
        label = f"日額 {yen(row.amount)}" + (f"{extra}" if extra else "")
        result.lines.append(Line(f"{name} {label} × {paid}日{capped} = {yen(amount * paid)}", amount * paid))
        if rule.days == "outpatient_days":
            result.notes.append(
                f"通院の日数の上限：{row.label}（{row.group}）。担当者が入院日と照らして確認します。"
            )
        return
    result.lines.append(Line(f"{name} {yen(row.amount)}{extra}", amount))


def _income_line(result: Computation, cover: Cover, details: Details) -> None:
    waiting = next((r for r in cover.rows if r.group == "免責期間"), None)
    period = next((r for r in cover.rows if r.group == "補償期間"), None)
    days = work_days(details) or 0
    waiting_days = (
        int(_DAYS.search(waiting.text).group(1)) if waiting and _DAYS.search(waiting.text) else None
    )
    monthly = f"保険金額 月額 {yen(cover.benefit)}" if cover.benefit else "保険金額（月額）"
    if waiting_days is None:
        text = f"{cover.product_label} {monthly}：働けなかった日数 {days}日"
    else:
        paid = max(days - waiting_days, 0)
        text = f"{cover.product_label} {monthly}：働けなかった日数 {days}日 − 免責期間 {waiting_days}日 = 対象 {paid}日"
    result.lines.append(Line(text, None))
    result.notes.append(
        "所得補償は「働けなかった日数に応じて」支払われますが、日数から金額を出す計算方法は出典に記載がありません。"
        "担当者が約款で確認して金額をお知らせします。"
    )
    if period is not None:
        result.notes.append(f"補償期間：{period.text}")
