"""The Freelance Act's arithmetic and rules, as data and pure functions.

特定受託事業者に係る取引の適正化等に関する法律 (in force 2024-11-01). Pure: no
ORM, request or settings, so every rule is tested without a database. The web
pages (guide, calculator, 「どこに相談する？」) and the members' records all read
the tables and functions here; nothing about the law is written in a view.

Sources are those of ``/work/shared/FACTS.md`` §1; each table row carries its
own URL and the date it applies from.

Counting rules used throughout
------------------------------
* Days: the day the work is received counts as day 1 (FACTS.md §1 4条,
  https://kollect-k.com/?p=18389), so "within 60 days" ends on
  ``received + 59 days``; the 再委託 limit of 30 days counts the 元委託支払期日
  as day 1, so it ends on ``original_due + 29 days``.
* Months: a period of *n* months whose first day is ``start`` ends on the day
  before the same day-of-month *n* months later, or on the last day of that
  month when it has no such day (the civil-code rule for periods in months,
  民法143条). So one month from 4月1日 ends on 4月30日, from 1月31日 on 2月28日
  (2月29日 in a leap year), and from 2028年2月29日 on 2028年3月28日.
  The 1-month and 6-month thresholds and "renewals count" come from FACTS.md
  §1 (政令: https://www.jftc.go.jp/houdou/pressrelease/2025/may/250515.html ;
  6 months: https://esora-law.com/?p=4343).
* Notice of termination or non-renewal (16条): at least 30 days before the
  contract's last day; the day the notice is given is not counted, so for a
  contract ending on ``end`` the last day to give notice is ``end - 30 days``
  (FACTS.md §1 16条, https://esora-law.com/?p=4343).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

IN_FORCE = dt.date(2024, 11, 1)
PAYMENT_DAYS = 60
REDELEGATION_DAYS = 30
NOTICE_DAYS = 30
TORITEKI_FROM = dt.date(2026, 1, 1)

_FMT_JA = "{y}年{m}月{d}日"


def date_ja(day: dt.date) -> str:
    """``2026年3月1日`` (no zero padding), the way the UI writes dates."""
    return _FMT_JA.format(y=day.year, m=day.month, d=day.day)


# ---------------------------------------------------------------------------
# Calendar arithmetic
# ---------------------------------------------------------------------------


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of a period of ``months`` months whose first day is ``start``.

    民法143条: the day before the corresponding day of the final month, or that
    month's last day when it has no corresponding day.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    if start.day > last:
        return dt.date(year, month0 + 1, last)
    return dt.date(year, month0 + 1, start.day) - dt.timedelta(days=1)


def engagement_months(*, start: dt.date, end: dt.date) -> int:
    """Whole months an engagement from ``start`` to ``end`` (both days included) runs.

    0 means under one month. Renewals count: pass the first day of the first
    contract and the last day of the latest renewal.
    """
    if end < start:
        raise ValueError("end is before start")
    months = 0
    while period_end(start, months + 1) <= end:
        months += 1
    return months


# ---------------------------------------------------------------------------
# Payment deadline (4条)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineExplanation:
    """A due date with how it was reached, for the calculator page."""

    due: dt.date  # the payment due date the Act applies
    limit: dt.date  # the latest due date the Act allows
    rule: str  # "60_days" | "two_months" | "redelegation"
    received: dt.date
    agreed: dt.date | None
    original_due: dt.date | None
    agreed_too_late: bool  # an agreed date past the limit was moved to the limit
    steps: tuple[str, ...]  # how it was counted, Japanese sentences
    notes: tuple[str, ...] = ()  # caveats, Japanese sentences

    @property
    def day_count(self) -> int:
        """Day number of ``due`` when the received day is day 1."""
        return (self.due - self.received).days + 1


def _check_dates(received: dt.date, agreed: dt.date | None, original_due: dt.date | None) -> None:
    if agreed is not None and agreed < received:
        raise ValueError("agreed is before received")
    if original_due is not None and original_due < received:
        raise ValueError("original_due is before received")


def payment_deadline(
    *, received: dt.date, agreed: dt.date | None = None, original_due: dt.date | None = None
) -> dt.date:
    """The payment due date the Act applies when the client has employees (4条).

    ``received`` (day 1) → the limit is ``received + 59 days``; with a 再委託
    notice that gave the 元委託支払期日 (``original_due``, day 1) the limit is
    ``original_due + 29 days`` instead. No agreed date → ``received``; an
    agreed date past the limit → the limit. Raises ``ValueError`` when
    ``agreed`` or ``original_due`` is before ``received``.
    """
    return payment_deadline_explained(received=received, agreed=agreed, original_due=original_due).due


def payment_deadline_explained(
    *,
    received: dt.date,
    agreed: dt.date | None = None,
    original_due: dt.date | None = None,
    monthly_closing: bool = False,
) -> DeadlineExplanation:
    """``payment_deadline`` with the counting steps, plus the monthly-closing reading.

    ``monthly_closing``: payment follows a 月単位の締切制度 (e.g. 月末締め翌月末払い).
    The 公取委 Q&A (問47) applies 「60日以内」 as 「2か月以内」 there (FACTS.md §1
    "Monthly closing"), so the limit is the later of day 60 and the last day of
    the two months counted from ``received`` (民法143条). It does not change the
    30-day 再委託 limit.
    """
    _check_dates(received, agreed, original_due)
    steps: list[str] = [f"受領日（納品・役務提供の日）{date_ja(received)}を1日目として数えます。"]
    notes: list[str] = []
    day60 = received + dt.timedelta(days=PAYMENT_DAYS - 1)
    if original_due is not None:
        rule = "redelegation"
        limit = original_due + dt.timedelta(days=REDELEGATION_DAYS - 1)
        steps.append(
            f"再委託で、通知に元委託支払期日（{date_ja(original_due)}）が書かれている場合は、"
            f"60日ではなく元委託支払期日を1日目として30日以内です。30日目は{date_ja(limit)}です。"
        )
        if monthly_closing:
            notes.append("再委託の30日の期限には、月単位の締切制度の「2か月以内」の読み方は使いません。")
    elif monthly_closing:
        two_months = period_end(received, 2)
        limit = max(day60, two_months)
        rule = "two_months" if two_months > day60 else "60_days"
        steps.append(f"60日目は{date_ja(day60)}です。")
        steps.append(
            "月単位の締切制度（例：月末締め翌月末払い）では、公正取引委員会のQ&Aにより"
            f"「60日以内」を「2か月以内」として扱います。受領日から2か月の終わりは{date_ja(two_months)}です。"
        )
        steps.append(f"遅いほうの{date_ja(limit)}が、支払期日として認められる最も遅い日です。")
    else:
        rule = "60_days"
        limit = day60
        steps.append(f"60日以内なので、60日目の{date_ja(limit)}が支払期日として認められる最も遅い日です。")

    agreed_too_late = agreed is not None and agreed > limit
    if agreed is None:
        due = received
        steps.append(f"支払期日を決めていない場合は、受領日（{date_ja(received)}）が支払期日とみなされます。")
    elif agreed_too_late:
        due = limit
        steps.append(
            f"約束した支払期日（{date_ja(agreed)}）は期限より後なので、"
            f"法律上の支払期日は{date_ja(limit)}になります。"
        )
    else:
        due = agreed
        steps.append(f"約束した支払期日（{date_ja(agreed)}）は期限内なので、その日が支払期日です。")
    notes.append("支払期日は期限内でも「できる限り短い期間内」で定めることとされています。")
    return DeadlineExplanation(
        due=due,
        limit=limit,
        rule=rule,
        received=received,
        agreed=agreed,
        original_due=original_due,
        agreed_too_late=agreed_too_late,
        steps=tuple(steps),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------
# Duties (which protection applies to whom)
# ---------------------------------------------------------------------------

SRC_DUTY_TABLE = (
    "https://insightplus.bakermckenzie.com/bm/employment-compensation/"
    "japan-new-act-obligating-business-operators-to-protect-freelancers-effective-1-november-2024_1"
)
SRC_ONE_MONTH = "https://www.jftc.go.jp/houdou/pressrelease/2025/may/250515.html"
SRC_CHILDCARE = (
    "https://k-itlegal.com/column/detail/%e3%80%902024%e5%b9%b411%e6%9c%881%e6%97%a5%e6%96%bd%e8%a1%8c%e3%80%91"
    "%e3%83%95%e3%83%aa%e3%83%bc%e3%83%a9%e3%83%b3%e3%82%b9%e6%96%b0%e6%b3%95%e3%80%80%ef%bd%9e%e8%82%b2%e5%85%90%e4%bb%8b%e8%ad%b7"
)


@dataclass(frozen=True)
class Duty:
    code: str
    title: str  # short Japanese name
    article: str  # e.g. "3条"
    summary: str  # one plain Japanese sentence
    employer_only: bool  # True: only a client with employees (特定業務委託事業者)
    min_months: int  # engagement length from which it applies (0: any length)
    max_months: int | None  # applies only below this many months (None: no upper bound)
    applies_from: dt.date
    sources: tuple[str, ...]

    @property
    def who(self) -> str:
        return "従業員を使用する発注者" if self.employer_only else "すべての発注者（フリーランス同士も含む）"

    @property
    def length(self) -> str:
        if self.max_months is not None:
            return f"{self.max_months}か月未満"
        if self.min_months:
            return f"{self.min_months}か月以上（更新を含む）"
        return "期間を問わない"

    def applies(self, *, client_has_employees: bool, months: int) -> bool:
        if self.employer_only and not client_has_employees:
            return False
        if months < self.min_months:
            return False
        return self.max_months is None or months < self.max_months


DUTIES: tuple[Duty, ...] = (
    Duty(
        code="terms_in_writing",
        title="取引条件の明示",
        article="3条",
        summary="発注したら直ちに、報酬額・支払期日などの取引条件を書面やメールで示さなければなりません。",
        employer_only=False,
        min_months=0,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, "https://advance-news.co.jp/column/2024/08/post-2107.html"),
    ),
    Duty(
        code="payment_60_days",
        title="報酬の支払期日（60日以内）",
        article="4条",
        summary="報酬は、受領日から60日以内のできる限り短い期間内で決めた期日に支払わなければなりません。",
        employer_only=True,
        min_months=0,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, "https://i-rmc.com/?p=1698"),
    ),
    Duty(
        code="prohibited_acts",
        title="7つの禁止行為",
        article="5条",
        summary="受領拒否・報酬の減額・返品・買いたたき・購入や利用の強制・不当な経済上の利益の提供要請・"
        "不当な給付内容の変更ややり直しは、あなたが同意していても禁止です。",
        employer_only=True,
        min_months=1,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, SRC_ONE_MONTH, "https://workstyle-blog.jp/?p=5052"),
    ),
    Duty(
        code="ad_accuracy",
        title="募集情報の的確な表示",
        article="12条",
        summary="募集広告で、うその表示や誤解を生じさせる表示をしてはならず、正確で最新の内容にしなければなりません。",
        employer_only=True,
        min_months=0,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, "https://advance-news.co.jp/column/2024/09/post-2115.html"),
    ),
    Duty(
        code="childcare_consideration_effort",
        title="育児・介護等への配慮（努力義務）",
        article="13条",
        summary="あなたから申し出があれば、育児や介護などと両立できるよう配慮するよう努めなければなりません。",
        employer_only=True,
        min_months=0,
        max_months=6,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, SRC_CHILDCARE),
    ),
    Duty(
        code="childcare_consideration",
        title="育児・介護等への配慮",
        article="13条",
        summary="あなたから申し出があれば、育児や介護などと両立できるよう必要な配慮をしなければなりません。",
        employer_only=True,
        min_months=6,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, SRC_CHILDCARE),
    ),
    Duty(
        code="harassment_measures",
        title="ハラスメント対策の体制整備",
        article="14条",
        summary="セクハラ・妊娠出産等に関するハラスメント・パワハラについて、方針を示し、相談窓口を設け、"
        "適切に対応しなければなりません。",
        employer_only=True,
        min_months=0,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, "https://yodogawaroukyou.gr.jp/info/jinrou/9824/"),
    ),
    Duty(
        code="termination_notice",
        title="中途解除・不更新の30日前予告と理由の開示",
        article="16条",
        summary="契約を途中で解除するときや更新しないときは、少なくとも30日前までに書面やメールで予告し、"
        "求められたら理由を開示しなければなりません。",
        employer_only=True,
        min_months=6,
        max_months=None,
        applies_from=IN_FORCE,
        sources=(SRC_DUTY_TABLE, "https://esora-law.com/?p=4343"),
    ),
)

PROTECTION_CODES = frozenset(d.code for d in DUTIES)
_DUTY_BY_CODE = {d.code: d for d in DUTIES}


def duty(code: str) -> Duty:
    return _DUTY_BY_CODE[code]


def protections(*, client_has_employees: bool, months: int) -> set[str]:
    """Codes of the Act's protections that apply (FACTS.md §1 table).

    ``months``: whole months the engagement runs, renewals included (0: under
    one month).
    """
    if months < 0:
        raise ValueError("months must not be negative")
    return {d.code for d in DUTIES if d.applies(client_has_employees=client_has_employees, months=months)}


def duties_for(codes: set[str] | frozenset[str]) -> list[Duty]:
    """The duties for ``codes``, in the order of the Act's articles."""
    return [d for d in DUTIES if d.code in codes]


# What the 3条 notice must state (公取委規則1条), for the guide. The checker
# (``terms_checker``) has its own codes for matching text; these are the
# plain-language names shown to people.
TERMS_ITEMS: tuple[str, ...] = (
    "発注者とあなたの名前（名称）",
    "業務委託をした日",
    "仕事の内容（納める物・提供するサービス）",
    "納期（納品・提供する日、または期間）",
    "納品・提供の場所",
    "検査をする場合は、検査が終わる日",
    "報酬の額",
    "支払期日",
    "現金以外で支払う場合は、その支払方法",
)
TERMS_ITEMS_SOURCE = "https://hikari-law.com/j/column"
REDELEGATION_ITEMS: tuple[str, ...] = ("再委託であること", "元の発注者の名前", "元委託支払期日")
REDELEGATION_ITEMS_SOURCE = "https://workstyle-blog.jp/20241023/freelance-228"
TERMS_WRITING_SOURCE = "https://advance-news.co.jp/column/2024/08/post-2107.html"
TERMS_OPEN_SOURCE = "https://esora-law.com/law/freelance%e2%91%a1"


# ---------------------------------------------------------------------------
# Engagement milestones
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    code: str  # "prohibited_acts" | "six_months" | "notice_by"
    on: dt.date
    label: str  # Japanese, short


def engagement_milestones(*, start: dt.date, end: dt.date | None) -> list[Milestone]:
    """Dates that matter for an engagement from ``start`` (day 1) to ``end`` (last day, renewals included).

    * ``prohibited_acts``: the day the engagement has run one month
      (``period_end(start, 1)``); from a 1-month engagement on the 5条
      prohibitions apply (政令, FACTS.md §1).
    * ``six_months``: the day it has run six months (``period_end(start, 6)``);
      13条 配慮 and 16条 notice apply from 6 months (FACTS.md §1).
    * ``notice_by``: only when ``end`` is given and the engagement runs at least
      six months: ``end - 30 days``, the last day a 30-day notice of
      termination or non-renewal can be given (the notice day itself is not
      counted; FACTS.md §1 16条).

    A milestone after ``end`` is left out (the engagement never reaches it).
    Sorted by date.
    """
    if end is not None and end < start:
        raise ValueError("end is before start")
    items: list[Milestone] = []
    one = period_end(start, 1)
    six = period_end(start, 6)
    if end is None or one <= end:
        items.append(Milestone("prohibited_acts", one, "1か月に到達（禁止行為の規制）"))
    if end is None or six <= end:
        items.append(Milestone("six_months", six, "6か月に到達（30日前予告・育児介護配慮）"))
    if end is not None and six <= end:
        items.append(
            Milestone("notice_by", end - dt.timedelta(days=NOTICE_DAYS), "解除・不更新の予告期限（30日前）")
        )
    return sorted(items, key=lambda m: (m.on, m.code))


# ---------------------------------------------------------------------------
# Where to complain or get help
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    handles: str  # what it handles, Japanese
    url: str  # official page
    source: str
    applies_from: dt.date | None = None
    note: str = ""


ROUTE_JFTC = Route(
    code="jftc",
    name="公正取引委員会（フリーランス法違反の申出）",
    handles="取引条件の明示・支払期日・禁止行為（3〜5条）",
    url="https://www.jftc.go.jp/soudan/shinkoku/freelance.html",
    source="https://www.jftc.go.jp/soudan/shinkoku/freelance.html",
    applies_from=IN_FORCE,
)
ROUTE_SME = Route(
    code="sme_agency",
    name="中小企業庁（フリーランス法違反の申出）",
    handles="取引条件の明示・支払期日・禁止行為（3〜5条）",
    url="https://www.chusho.meti.go.jp/keiei/torihiki/law_freelance.html",
    source="https://www.chusho.meti.go.jp/keiei/torihiki/law_freelance.html",
    applies_from=IN_FORCE,
)
ROUTE_LABOUR_BUREAU = Route(
    code="labour_bureau",
    name="都道府県労働局 雇用環境・均等部（室）（フリーランス法違反の申出）",
    handles="募集情報・育児介護等への配慮・ハラスメント対策・解除の予告（12〜16条）",
    url="https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/koyou_roudou/koyoukintou/zaitaku/freelance_moushide.html",
    source="https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/koyou_roudou/koyoukintou/zaitaku/freelance_moushide.html",
    applies_from=IN_FORCE,
)
ROUTE_LABOUR_STANDARDS = Route(
    code="labour_standards",
    name="労働基準監督署・総合労働相談コーナー",
    handles="実態が雇用（労働者）に近い場合。労働基準法などの労働法が適用されるか相談できます",
    url="https://www.mhlw.go.jp/",
    source=(
        "https://www.totalsupport625.com/post/%E4%B8%80%E4%BA%BA%E8%A6%AA%E6%96%B9%E5%BF%85%E8%A6%8B%EF%BC%81-"
        "%E3%83%95%E3%83%AA%E3%83%BC%E3%83%A9%E3%83%B3%E3%82%B9%E3%81%AE%E5%8F%96%E5%BC%95%E3%81%AB%E9%96%A2%E3%81%99"
        "%E3%82%8B%E6%B3%95%E5%BE%8B%E3%81%8C%E3%82%B9%E3%82%BF%E3%83%BC%E3%83%88"
    ),
    note="「業務委託」という名前でも、働き方の実態で判断されます。所在地は厚生労働省のホームページでご確認ください。",
)
ROUTE_TROUBLE_110 = Route(
    code="trouble_110",
    name="フリーランス・トラブル110番",
    handles="弁護士による無料相談と、無料の和解あっせん（匿名での相談も可）",
    url="https://freelance110.mhlw.go.jp/",
    source="https://www.jil.go.jp/kokunai/blt/backnumber/2022/11/k_03.html",
    note="厚生労働省の委託事業です。最新の連絡先・受付時間は公式ページでご確認ください。",
)

COMPLAINT_ROUTES: tuple[Route, ...] = (ROUTE_JFTC, ROUTE_SME, ROUTE_LABOUR_BUREAU)

# 申出 is possible only for contracts concluded or renewed on or after this date.
MOUSHIDE_FROM = IN_FORCE
MOUSHIDE_SOURCE = (
    "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/koyou_roudou/koyoukintou/zaitaku/index_00002.html"
)
RETALIATION_ARTICLE = "6条3項"
RETALIATION_SOURCE = "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/koyou_roudou/koyoukintou/zaitaku/freelance_moushide.html"
TORITEKI_SOURCE = "https://www.cloudsign.jp/media/shitaukehou-shiharai"
MONTHLY_CLOSING_SOURCE = "http://www7b.biglobe.ne.jp/~tomozawa-sr/tokusyuu202506.html"
DAY_ONE_SOURCE = "https://kollect-k.com/?p=18389"
PAYMENT_SOURCE = "https://i-rmc.com/?p=1698"
OFFICIAL_PAYMENT_SUMMARY = (
    "https://jsite.mhlw.go.jp/saitama-roudoukyoku/hourei_seido_tetsuzuki/hatarakikat-kaikaku/tokusetsu.html"
)


# ---------------------------------------------------------------------------
# Signs that the work is in substance employment (労働者性)
# ---------------------------------------------------------------------------

WORKER_SIGNS_SOURCE = "労働基準法研究会報告「労働基準法の『労働者』の判断基準について」（1985年）"


@dataclass(frozen=True)
class WorkerSign:
    code: str
    question: str  # asked as yes/no, Japanese


WORKER_SIGNS: tuple[WorkerSign, ...] = (
    WorkerSign("cannot_refuse", "仕事の依頼や指示を断ることができない"),
    WorkerSign("directed", "仕事の進め方について、細かい指示を受けている"),
    WorkerSign("fixed_time_place", "働く時間や場所を、発注者に決められている"),
    WorkerSign("hourly_pay", "報酬が成果ではなく、働いた時間で決まる"),
    WorkerSign("client_tools", "仕事に使う道具や機材は、発注者のものを使う"),
    WorkerSign("no_substitute", "自分の代わりに他の人に仕事をさせることが認められていない"),
)
WORKER_SIGN_CODES = frozenset(s.code for s in WORKER_SIGNS)
# Two or more signs: suggest asking 労基署 whether labour law applies. A
# screening threshold, not the report's test (which weighs all factors).
WORKER_SIGNS_THRESHOLD = 2


def looks_like_employment(signs: set[str] | frozenset[str]) -> bool:
    unknown = set(signs) - WORKER_SIGN_CODES
    if unknown:
        raise ValueError(f"unknown signs: {sorted(unknown)}")
    return len(signs) >= WORKER_SIGNS_THRESHOLD


@dataclass(frozen=True)
class Advice:
    """Result of 「どこに相談する？」: what applies and where to go, in order."""

    certain: tuple[Duty, ...]  # duties that apply
    if_employer: tuple[Duty, ...]  # further duties if the client turns out to employ people
    employment_like: bool
    routes: tuple[Route, ...]


def consultation_advice(
    *, client_has_employees: bool | None, months: int, signs: set[str] | frozenset[str]
) -> Advice:
    """Which protections apply and where to go, in order.

    ``client_has_employees`` None means the person does not know: the duties
    of any client are certain, the employer-only ones are listed apart.
    """
    employment_like = looks_like_employment(signs)
    certain = protections(client_has_employees=bool(client_has_employees), months=months)
    extra: set[str] = set()
    if client_has_employees is None:
        extra = protections(client_has_employees=True, months=months) - certain
    routes: list[Route] = []
    if employment_like:
        routes.append(ROUTE_LABOUR_STANDARDS)
    routes.extend(COMPLAINT_ROUTES)
    routes.append(ROUTE_TROUBLE_110)
    return Advice(
        certain=tuple(duties_for(certain)),
        if_employer=tuple(duties_for(extra)),
        employment_like=employment_like,
        routes=tuple(routes),
    )
