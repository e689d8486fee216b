"""取引条件チェッカー: which terms the Freelance Act requires in writing does a
client's order, e-mail or message state?

Pure: no ORM, request or settings; deterministic and offline. The items and
their codes are those of INTERFACES.md ("Freelance Act tools"); the rules come
from FACTS.md §1 (取引条件の明示, 公取委規則1条, and the defects JFTC 指導 has
targeted: a due date that depends on an invoice or on 検収, 「〜まで」, a bare
reference to another document).

The text is read as it is written (令和 dates, full-width digits, kanji
numerals such as 金五万円 or 弐拾万円); every span points into the text as
given, so a page can highlight the passage that was found.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

from kanjize import kanji2number

from consultations.textsearch import units

MAX_CHARS = 50_000

ITEM_CODES = (
    "parties",
    "commissioned_on",
    "work",
    "delivery",
    "place",
    "fee",
    "payment_due",
    "inspection",
)
STATED, MISSING, NOT_NEEDED = "stated", "missing", "not_needed"

LABELS_JA = {
    "parties": "発注者とあなたの名称",
    "commissioned_on": "業務委託をした日",
    "work": "業務の内容",
    "delivery": "納期・実施日（期間）",
    "place": "納品・作業の場所",
    "fee": "報酬の額",
    "payment_due": "支払期日",
    "inspection": "検査完了日",
}

# For tags beside a highlighted passage
SHORT_LABELS_JA = {
    "parties": "名称",
    "commissioned_on": "委託日",
    "work": "内容",
    "delivery": "納期",
    "place": "場所",
    "fee": "報酬",
    "payment_due": "支払期日",
    "inspection": "検査完了日",
}

EXPLANATIONS_JA = {
    "parties": "発注する事業者の名称（会社名・屋号・氏名）と、あなたの名前の両方が必要です。",
    "commissioned_on": "いつ業務を委託したか（発注日・依頼日）の日付が必要です。",
    "work": "何をするのか（成果物や作業の内容）を、はっきり書いてもらう必要があります。",
    "delivery": "いつ納品するのか、いつ作業するのか（日付や期間）が必要です。",
    "place": "どこで作業するのか、どこへ・どうやって納品するのか（住所、メール、共有フォルダなど）が必要です。",
    "fee": "報酬の金額、または計算のしかた（時給、1文字あたりの単価など）が必要です。",
    "payment_due": (
        "いつ支払われるのか、具体的な日付か「月末締め翌月末払い」のような決まった日が必要です。"
        "「請求書を受け取ってから○日以内」「検収後」「○日まで」では支払期日になりません。"
    ),
    "inspection": "検収（検査）をするなら、いつまでに検査を終えるのか（検査完了日）が必要です。",
}

WARNING_MESSAGES = {
    "payment_due_on_invoice": (
        "支払期日が請求書の受け取りなどで決まる書き方になっています。"
        "請求書しだいで支払日が動くため、具体的な日付での明示を求めましょう。"
    ),
    "payment_due_on_inspection": (
        "支払期日が検収のあとで決まる書き方になっています。"
        "検収が遅れると支払いも遅れるため、具体的な日付での明示を求めましょう。"
    ),
    "payment_due_until": (
        "支払期日が「〜まで」「〜以内」という期間の形で書かれています。支払期日は特定の日で定める必要があります。"
    ),
    "bare_reference": (
        "「前回と同じ」「通常どおり」など、ほかの取り決めを指すだけの書き方があります。"
        "その取り決めの内容がわかる書面やメールが手もとにあるか確かめましょう。"
    ),
    "payment_over_60_days": (
        "支払日が、納品（作業）の日から60日（月ごとの締めなら2か月）を超えるおそれがあります。"
        "従業員のいる発注者には、受け取った日から60日以内に支払う義務があります。"
    ),
    "inspection_without_date": "検収（検査）をするとありますが、いつまでに検査を終えるのか（検査完了日）が書かれていません。",
    "redelegation_incomplete": (
        "再委託（元請けからの仕事）とありますが、元の発注者の名称か元委託支払期日が見当たりません。"
        "再委託のときは、この2つも明示する必要があります。"
    ),
    "invalid_date": "実在しない日付があります（例：2月30日）。正しい日付を確かめましょう。",
}

# --- Errors -------------------------------------------------------------------------


class TermsInputError(ValueError):
    """Input that cannot be checked; the message is Japanese, for the person."""


EMPTY_MESSAGE = "文章が空です。発注者から届いた発注書・メール・メッセージの文章を貼り付けてください。"
PDF_NO_TEXT_MESSAGE = (
    "このPDFからは文字を読み取れませんでした。スキャンした画像のPDFかもしれません。"
    "文字をコピーして貼り付けるか、文字の入ったPDFを選んでください。"
)
PDF_BROKEN_MESSAGE = (
    "PDFを読み込めませんでした。ファイルが壊れているか、パスワードで保護されているかもしれません。"
)


def validate_text(text: str) -> str:
    if not text or not text.strip():
        raise TermsInputError(EMPTY_MESSAGE)
    if len(text) > MAX_CHARS:
        raise TermsInputError(
            f"文章が長すぎます（{len(text):,}文字）。{MAX_CHARS:,}文字以内にしてください。"
            "取引条件が書かれた部分だけでも確かめられます。"
        )
    return text


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF (pypdf handles the CID fonts Japanese PDFs use)."""
    # pypdf loads only when a PDF is uploaded, not with every page.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise TermsInputError(PDF_BROKEN_MESSAGE)
        text = "\n".join((page.extract_text() or "") for page in reader.pages)
    except TermsInputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TermsInputError(PDF_BROKEN_MESSAGE) from exc
    if not text.strip():
        raise TermsInputError(PDF_NO_TEXT_MESSAGE)
    return text


# --- Results ------------------------------------------------------------------------
Span = tuple[int, int]


@dataclass(frozen=True)
class ItemResult:
    code: str
    label_ja: str
    status: str
    spans: list[Span]
    explanation_ja: str


@dataclass(frozen=True)
class TermsWarning:
    code: str
    message_ja: str
    span: Span | None = None


@dataclass
class TermsReport:
    text: str
    items: dict[str, ItemResult]
    warnings: list[TermsWarning] = field(default_factory=list)

    @property
    def missing_codes(self) -> list[str]:
        return [code for code, item in self.items.items() if item.status == MISSING]

    @property
    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    def as_dict(self) -> dict:
        """Exactly the JSON of INTERFACES.md."""
        return {
            "items": {code: item.status for code, item in self.items.items()},
            "warnings": [{"code": w.code, "message": w.message_ja} for w in self.warnings],
        }


# --- Normalised text with a map back to the original ---------------------------------
_DASHES = {"〜": "〜", "～": "〜", "~": "〜", "∼": "〜", "‐": "-", "−": "-", "―": "-", "ー": "ー"}
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff"}


_CHAR_CACHE: dict[str, str] = {}


def _normalise_char(ch: str) -> str:
    if ch in _ZERO_WIDTH:
        norm = ""
    elif ch == "\r":
        norm = "\n"
    else:
        norm = _DASHES.get(ch) or unicodedata.normalize("NFKC", ch)
        if norm == "~":
            norm = "〜"
    if len(_CHAR_CACHE) < 10_000:
        _CHAR_CACHE[ch] = norm
    return norm


@dataclass
class _Doc:
    original: str
    text: str
    origin: list[int]

    @classmethod
    def of(cls, original: str) -> _Doc:
        out: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(original):
            norm = _CHAR_CACHE.get(ch)
            if norm is None:
                norm = _normalise_char(ch)
            if len(norm) == 1:
                out.append(norm)
                origin.append(i)
            else:
                out.extend(norm)
                origin.extend([i] * len(norm))
        origin.append(len(original))
        return cls(original, "".join(out), origin)

    def span(self, b: int, e: int) -> Span:
        if e <= b:
            return (self.origin[b], self.origin[b])
        return (self.origin[b], self.origin[e - 1] + 1)


# --- Numbers and dates --------------------------------------------------------------
_KDIGITS = "〇一二三四五六七八九"
_KNUM = "〇一二三四五六七八九十百千万壱弐参伍拾零"
NUM = rf"(?:\d[\d,]*(?:\.\d+)?|[{_KNUM}]+)"
_ERA_BASE = {"令和": 2018, "平成": 1988, "昭和": 1925}


def _num(raw: str) -> int | None:
    raw = raw.replace(",", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    if all(c in _KDIGITS for c in raw) and len(raw) > 1:
        return int("".join(str(_KDIGITS.index(c)) for c in raw))
    try:
        return int(kanji2number(raw))
    except (ValueError, KeyError):
        try:
            return int(float(raw))
        except ValueError:
            return None


@dataclass
class _Date:
    begin: int
    end: int
    value: dt.date | None  # None: a placeholder (○年○月) or a date that does not exist
    invalid: bool
    has_year: bool


_DN = rf"(?:\d{{1,2}}|[{_KNUM}]{{1,4}})"
_DATE_RE = re.compile(
    rf"(?:(?P<era>令和|平成|昭和)\s*(?P<ey>元|\d{{1,2}}|[{_KNUM}]{{1,3}})\s*年\s*"
    rf"|(?P<y>\d{{4}}|[{_KDIGITS}]{{4}})\s*年\s*)?"
    rf"(?P<m>{_DN})\s*月\s*(?P<d>{_DN})\s*日"
    rf"|(?P<sy>\d{{4}})\s*[/.]\s*(?P<sm>\d{{1,2}})\s*[/.]\s*(?P<sd>\d{{1,2}})(?![\d/])"
    rf"|(?<![\d/.,])(?P<qm>\d{{1,2}})/(?P<qd>\d{{1,2}})(?![\d/%])"
    rf"|(?<=〜)\s*(?P<cd>{_DN})\s*日"
)


def _find_dates(doc: _Doc, today: dt.date) -> list[_Date]:
    found: list[_Date] = []
    year = None
    prev_month = None
    prev: _Date | None = None
    text = doc.text
    for m in _DATE_RE.finditer(text):
        has_year = False
        if m.group("cd"):
            if prev is None or prev.value is None or m.start() - prev.end > 3:
                continue
            y, mo, d = prev.value.year, prev.value.month, _num(m.group("cd"))
            has_year = prev.has_year
        elif m.group("qm"):
            line = _line_at(text, m.start())
            if line.strip() == m.group(0):  # a page number such as 1/1
                continue
            y, mo, d = None, int(m.group("qm")), int(m.group("qd"))
        elif m.group("sy"):
            y, mo, d = int(m.group("sy")), int(m.group("sm")), int(m.group("sd"))
            has_year = True
        else:
            y = None
            if m.group("era"):
                ey = m.group("ey")
                n = 1 if ey == "元" else _num(ey)
                y = None if not n else _ERA_BASE[m.group("era")] + n
                has_year = True
            elif m.group("y"):
                y = _num(m.group("y"))
                has_year = True
            mo, d = _num(m.group("m")), _num(m.group("d"))
        if (has_year and not y) or not mo or not d:
            # 平成〇年〇月〇日: a form left blank, not a date
            found.append(_Date(m.start(), m.end(), None, False, has_year))
            continue
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            continue
        if y is None:
            y = year if year is not None else today.year
            if prev_month is not None and mo < prev_month - 5:
                y += 1
        try:
            value = dt.date(y, mo, d)
        except ValueError:
            found.append(_Date(m.start(), m.end(), None, True, has_year))
            continue
        item = _Date(m.start(), m.end(), value, False, has_year)
        found.append(item)
        year, prev_month, prev = value.year, mo, item
    return found


def _line_at(text: str, pos: int) -> str:
    b = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return text[b : e if e != -1 else len(text)]


# --- Lines, clauses and labels ------------------------------------------------------
@dataclass(frozen=True)
class _Line:
    begin: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


_CLAUSE_END = re.compile(r"[。!?！？]\s*|\n")


def _clauses(text: str) -> list[_Line]:
    out, pos = [], 0
    for m in _CLAUSE_END.finditer(text):
        if m.start() > pos:
            out.append(_Line(pos, m.start(), text[pos : m.start()]))
        pos = m.end()
    if pos < len(text):
        out.append(_Line(pos, len(text), text[pos:]))
    return out


def _spaced(word: str) -> str:
    # PDFs and forms space out labels: 発 注 書, 住 所
    return r"\s?".join(re.escape(c) for c in word)


def _label_re(labels: list[str]) -> re.Pattern:
    alternatives = "|".join(_spaced(w) for w in sorted(labels, key=len, reverse=True))
    bullet = rf"(?:[・\-*•●■◆]|\d{{1,2}}[.)．]?|[{_KDIGITS}十]+、|\(\d\)|第\d+条\s*\([^)]*\))?"
    return re.compile(rf"^\s*{bullet}\s*\(?(?P<label>{alternatives})\)?\s*(?:[:：]\s*|\s+|は)(?P<value>.*)$")


@dataclass(frozen=True)
class _Field:
    begin: int  # of the value, in the normalised text
    end: int
    value: str
    line_begin: int


def _fields(lines: list[_Line], pattern: re.Pattern) -> list[_Field]:
    out = []
    for i, line in enumerate(lines):
        m = pattern.match(line.text)
        if not m:
            continue
        b, value = line.begin + m.start("value"), m.group("value")
        if not value.strip():
            # 4 納品先・方法 / (next line) …
            nxt = next((ln for ln in lines[i + 1 : i + 3] if ln.text.strip()), None)
            if nxt is None:
                continue
            b, value = nxt.begin, nxt.text
        out.append(_Field(b, b + len(value), value, line.begin))
    return out


_PLACEHOLDER = re.compile(r"^[\s○〇◯△■□●×Xx＊*・、,()（）\-年月日]*$|[○〇◯△■□]{2,}")


def _blank(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.search(value.strip()))


# --- The checker --------------------------------------------------------------------
PAY_WORDS = re.compile(r"支払|支拂|払い|払う|払いま|払っ|振込|振り込|入金")
PAY_EXCLUDE = re.compile(r"手数料|源泉|差し引|元委託支払期日|支払方法|支払い方法|支払手段")
_REF = r"前回|通常|いつも|従来|これまで|例の|規約|基本契約|契約書"
BARE_REFERENCE = re.compile(
    r"前回(と同じ|同様|どおり|通り|の(条件|契約|とおり|通り|単価|内容)|と同条件)"
    r"|(いつも|通常|従来|これまで)(どおり|通り|の(条件|単価|金額|とおり|通り|お客様|報酬|場所|現場))"
    r"|(規約|基本契約|契約書|取り決め|別紙)(に定める|の)?(とおり|通り)"
)
INVOICE = re.compile(r"請求")
INSPECTION_DEP = re.compile(r"(検収|検査)(完了)?(後|月|の後|が終わ|完了日|日)")
UNTIL = re.compile(r"まで|迄|以内")
RULE = re.compile(r"締|翌月|翌々月|当月|月末|末日|\d+日後|日後払")
AFTER_DATE_PAY = re.compile(r"^\s*(に|(を)?(お)?支払|払|振込|振り込|入金|\(|（|$)")


def check_terms(text: str, *, today: dt.date | None = None) -> TermsReport:
    """Check ``text`` (an order, an e-mail, a chat message) for the items the
    Freelance Act requires in writing. Raises TermsInputError for empty or
    too long text."""
    validate_text(text)
    today = today or dt.date.today()
    doc = _Doc.of(text)
    return _Checker(doc, today).run()


class _Checker:
    def __init__(self, doc: _Doc, today: dt.date) -> None:
        self.doc = doc
        self.text = doc.text
        self.lines = _lines(doc.text)
        self.clauses = _clauses(doc.text)
        self.dates = _find_dates(doc, today)
        self.results: dict[str, tuple[str, list[Span]]] = {}
        self.warnings: list[tuple[str, Span | None]] = []
        self._units = None

    # helpers
    def dates_in(self, b: int, e: int) -> list[_Date]:
        return [d for d in self.dates if b <= d.begin < e]

    def span(self, b: int, e: int) -> Span:
        # trim surrounding space
        while b < e and self.text[b].isspace():
            b += 1
        while e > b and self.text[e - 1].isspace():
            e -= 1
        return self.doc.span(b, e)

    def warn(self, code: str, b: int | None = None, e: int | None = None) -> None:
        if code not in {c for c, _ in self.warnings}:
            self.warnings.append((code, self.span(b, e) if b is not None and e is not None else None))

    def set(self, code: str, status: str, spans: list[tuple[int, int]] = ()) -> None:
        self.results[code] = (status, [self.span(b, e) for b, e in spans])

    def run(self) -> TermsReport:
        for d in self.dates:
            if d.invalid:
                self.warn("invalid_date", d.begin, d.end)
        self.check_parties()
        self.check_commissioned_on()
        self.check_work()
        self.check_delivery()
        self.check_place()
        self.check_fee()
        self.check_payment_due()
        self.check_inspection()
        self.check_references()
        self.check_redelegation()
        items = {}
        for code in ITEM_CODES:
            status, spans = self.results[code]
            items[code] = ItemResult(
                code=code,
                label_ja=LABELS_JA[code],
                status=status,
                spans=spans,
                explanation_ja=EXPLANATIONS_JA[code],
            )
        order = list(WARNING_MESSAGES)
        warnings = [
            TermsWarning(code, WARNING_MESSAGES[code], span)
            for code, span in sorted(self.warnings, key=lambda w: order.index(w[0]))
        ]
        return TermsReport(text=self.doc.original, items=items, warnings=warnings)

    # --- parties
    _HONORIFIC_SUFFIX = re.compile(r"(?:様|さま|さん|殿|先生|コーチ)(?!宅|邸|の(?:お)?宅|から|より)")
    _NAME_BEFORE = re.compile(
        r"(?P<name>[一-龥々〆ヶぁ-んァ-ヴー・A-Za-z]{1,12}(?:[ \u3000][一-龥々ぁ-んァ-ヴー]{1,8})?)\s?$"
    )
    _NOT_A_NAME = re.compile(
        r"お客|皆|各位|利用者|株式会社|有限会社|合同会社|会社|社$|御中|親方|担当者|ご家族"
    )
    _FREELANCER_LABEL = _label_re(
        [
            "受託者",
            "受注者",
            "請負者",
            "依頼先",
            "特定受託事業者",
            "編集者",
            "翻訳者",
            "氏名",
            "乙",
            "在宅ワーカー",
        ]
    )
    _FREELANCER_INLINE = re.compile(
        r"(?P<name>[一-龥々ぁ-んァ-ヴー]{2,8}(?:[ \u3000][一-龥々ぁ-んァ-ヴー]{1,8})?)\s*(?:\(以下「乙」|を乙と)"
    )
    _CORP = re.compile(
        r"(?:株式会社|有限会社|合同会社|合資会社|一般社団法人|一般財団法人|公益社団法人|公益財団法人|NPO法人|特定非営利活動法人|\((?:株|有|同)\))"
        r"\s?(?P<a>[^\s、。:()「」]{0,20})"
    )
    _CORP_NAME_BEFORE = re.compile(r"(?P<b>[^\s、。:()「」]{1,20})$")
    _CLIENT_LABEL = _label_re(
        ["委託者", "発注者", "注文者", "依頼主", "依頼元", "業務委託事業者", "甲", "委託元", "発注元", "社名"]
    )
    _SELF_INTRO_END = re.compile(r"です|と申します|でございます")
    _SELF_INTRO = re.compile(r"(?P<org>[^\s、。:()「」]{2,20})の[^。\n]{0,14}?$")
    _ORG_WORD = re.compile(
        r"(?:保育園|幼稚園|スクール|事務局|本部|スタジオ|サロン|クラブ|工務店|美容室|学習塾|"
        r"ハウジング|シッターサービス|法人|協会|組合)"
    )

    def _freelancers(self):
        text = self.text
        for m in self._HONORIFIC_SUFFIX.finditer(text):
            before = self._NAME_BEFORE.search(text, max(0, m.start() - 24), m.start())
            if not before:
                continue
            name = before.group("name").strip()
            if (
                self._NOT_A_NAME.search(name)
                or _blank(name)
                or text[max(0, before.start() - 1) : before.start()] == "お"
            ):
                continue
            yield (before.start(), m.end())
        for f in _fields(self.lines, self._FREELANCER_LABEL):
            if _blank(f.value) or re.match(r"\s*(住\s?所|TEL|電話)", f.value):
                continue
            if re.search(r"[一-龥ぁ-んァ-ヴA-Za-z]", f.value):
                yield (f.begin, f.end)
        for m in self._FREELANCER_INLINE.finditer(text):
            if not _blank(m.group("name")):
                yield (m.start("name"), m.end("name"))

    def _clients(self):
        text = self.text
        for m in self._CORP.finditer(text):
            name = m.group("a")
            if not name:
                before = self._CORP_NAME_BEFORE.search(text, max(0, m.start() - 20), m.start())
                name = before.group("b") if before else ""
            if _blank(name) or re.fullmatch(r"[○〇△■]+", name):
                continue
            if re.match(r"\s?(様|さま)(から|より)", text[m.end() : m.end() + 4]):
                continue  # the original client of a 再委託, not this one
            yield (m.start(), m.end())
        for f in _fields(self.lines, self._CLIENT_LABEL):
            if not _blank(f.value) and not re.fullmatch(r"\s*(株式会社)?[○〇△■\s]*(株式会社)?\s*", f.value):
                yield (f.begin, f.end)
        for m in self._SELF_INTRO_END.finditer(text):
            before = self._SELF_INTRO.search(text, max(0, m.start() - 40), m.start())
            if before:
                yield (before.start("org"), before.end("org"))
        for m in self._ORG_WORD.finditer(text):
            yield (m.start(), m.end())

    def check_parties(self) -> None:
        freelancer = next(self._freelancers(), None)
        client = next(self._clients(), None) if freelancer else None
        if freelancer and client:
            self.set("parties", STATED, [client, freelancer])
        else:
            self.set("parties", MISSING)

    # --- commissioned_on
    _COMMISSION_LABEL = _label_re(
        [
            "発注日",
            "注文日",
            "依頼日",
            "委託日",
            "業務委託をした日",
            "発行日",
            "契約日",
            "契約締結日",
            "通知日",
            "作成日",
            "日付",
            "送信日",
            "送信日時",
            "Date",
        ]
    )

    def check_commissioned_on(self) -> None:
        spans = []
        for f in _fields(self.lines, self._COMMISSION_LABEL):
            spans += [(d.begin, d.end) for d in self.dates_in(f.begin, f.end) if d.value]
        for d in self.dates:
            if not d.value or not d.has_year:
                continue
            line = _line_at(self.text, d.begin)
            rest = self.text[d.end : d.end + 3]
            if re.match(r"\s?付", rest):
                spans.append((d.begin, d.end))
                continue
            line_start = self.text.rfind("\n", 0, d.begin) + 1
            before = self.text[line_start : d.begin]
            after = line[len(before) + (d.end - d.begin) :]
            # a date heading or closing a letter, alone on its line or after a greeting
            if re.fullmatch(r"[\s(（]*", before) and re.fullmatch(
                r"[\s)）]*(\([月火水木金土日]\))?[\s)）]*", after
            ):
                spans.append((d.begin, d.end))
            elif re.search(r"(です|ます)。?\s*\(?$", before) and re.fullmatch(r"[\s)）]*", after):
                spans.append((d.begin, d.end))
        if spans:
            self.set("commissioned_on", STATED, spans[:1])
            self.commission_spans = spans
        else:
            self.set("commissioned_on", MISSING)
            self.commission_spans = []

    # --- work
    _WORK_LABEL = _label_re(
        [
            "委託内容",
            "業務内容",
            "作業内容",
            "サービス内容",
            "給付の内容",
            "委託業務",
            "内容",
            "業務",
            "作業",
            "件名",
            "工事名",
            "工事名称",
            "工事件名",
            "工事",
            "研修名",
            "ツアー",
            "品目",
            "案件",
            "調査対象",
            "仕事内容",
            "依頼内容",
        ]
    )
    _WORK_VERB = re.compile(r"(?P<w>[^\s、。]{2,30}(?:業務|作業|工事|制作|執筆))を(?:委託|発注|依頼|お願い)")
    WORK_WORDS = {
        "新築", "解体", "大工", "工事", "塗装", "配送", "配達", "宅配", "運搬", "搬入", "搬出", "引越し", "引っ越し",
        "清掃", "掃除", "家事", "代行", "保育", "シッティング", "シッター", "見守り", "お迎え", "送迎", "翻訳",
        "執筆", "記事", "原稿", "ライティング", "デザイン", "イラスト", "バナー", "ロゴ", "動画", "編集", "撮影",
        "制作", "開発", "コーディング", "レッスン", "指導", "講座", "講師", "研修", "トレーニング", "コース",
        "ガイド", "通訳", "着付け", "着付", "施術", "ポスティング", "調査", "設置", "ルート", "便", "応援",
    }  # fmt: skip

    def unit_tokens(self, b: int, e: int) -> set[str]:
        found: set[str] = set()
        # Sudachi reads at most ~49 KB at once; a work word shows early in a clause
        for u in units(self.text[b : min(e, b + 2000)].lower()):
            found.add(u.token)
            found.update(u.parts)
        return found

    def check_work(self) -> None:
        for f in _fields(self.lines, self._WORK_LABEL):
            if not _blank(f.value) and not re.fullmatch(r"[\s\d/年月日〜:時分-]+", f.value):
                self.set("work", STATED, [(f.begin, f.end)])
                return
        m = self._WORK_VERB.search(self.text)
        if m and not _blank(m.group("w")):
            self.set("work", STATED, [(m.start("w"), m.end("w"))])
            return
        for clause in self.clauses:
            if PAY_WORDS.search(clause.text):
                continue
            words = self.unit_tokens(clause.begin, clause.end) & self.WORK_WORDS
            if words:
                self.set("work", STATED, [(clause.begin, clause.end)])
                return
        self.set("work", MISSING)

    # --- delivery
    _DELIVERY_LABEL = _label_re(
        [
            "納期",
            "納品日",
            "納入日",
            "納入期限",
            "履行期限",
            "工期",
            "期間",
            "業務期間",
            "契約期間",
            "調査期間",
            "委託期間",
            "実施日時",
            "実施日",
            "日時",
            "日程",
            "作業日",
            "運行日",
            "訪問日",
            "作業日時",
            "給付を受領する期日",
            "役務の提供を受ける期日",
            "着工",
            "開催日",
            "勤務日",
            "稼働日",
        ]
    )
    _RELATIVE = re.compile(
        r"明日|明後日|あした|本日|今日|当日|(来週|今週|再来週)の?[月火水木金土日]曜?|来月|今月末|月末まで|"
        r"\d{1,2}月(末|中|上旬|中旬|下旬|〜|の?毎週|の?第)|毎週[月火水木金土日]|[月火水木金土日]曜"
    )
    _NOT_DELIVERY = re.compile(
        r"支払|払い|振込|振り込|入金|発注日|依頼日|発行日|通知日|送信日|契約日|委託日|付で|付け|元委託"
    )

    def check_delivery(self) -> None:
        fields = _fields(self.lines, self._DELIVERY_LABEL)
        self.delivery_dates: list[dt.date] = []
        if fields:
            spans = []
            for f in fields:
                good = [d for d in self.dates_in(f.begin, f.end) if d.value]
                if good or (not self.dates_in(f.begin, f.end) and self._RELATIVE.search(f.value)):
                    spans.append((f.begin, f.end))
                    self.delivery_dates += [d.value for d in good]
            self.set("delivery", STATED if spans else MISSING, spans[:2])
            return
        commission = {b for b, _ in getattr(self, "commission_spans", [])}
        for clause in self.clauses:
            if self._NOT_DELIVERY.search(clause.text):
                continue
            good = [
                d for d in self.dates_in(clause.begin, clause.end) if d.value and d.begin not in commission
            ]
            if good or self._RELATIVE.search(clause.text):
                self.delivery_dates += [d.value for d in good]
                self.set("delivery", STATED, [(clause.begin, clause.end)])
                return
        self.set("delivery", MISSING)

    # --- place
    _PLACE_LABEL = _label_re(
        [
            "給付を受領する場所",
            "役務の提供を受ける場所",
            "実施場所",
            "就業場所",
            "工事場所",
            "作業場所",
            "納品場所",
            "納入場所",
            "納品先",
            "納品先・方法",
            "納品方法",
            "納入先",
            "集荷場所",
            "集合場所",
            "荷受け場所",
            "提出先",
            "報告書提出先",
            "訪問先",
            "場所",
            "会場",
            "教室",
            "現場",
            "集合",
            "出発",
            "積地",
            "卸地",
            "拠点",
            "エリア",
            "納品",
            "納入",
            "勤務地",
            "店舗",
        ]
    )
    _PLACE_FREE = re.compile(
        r"[一-龥ァ-ヴー]{1,6}(?:都|道|府|県|市|区|町|村)[一-龥ぁ-んァ-ヴー0-9\-]{0,12}(?:\d+丁目|丁目|\d+-\d+|番地|のお宅|お宅|宅|邸)"
        r"|メール(?:で|にて|に)?(?:納品|送付|添付|提出)|アップロード|共有フォルダ|ドライブ|Dropbox|ギガファイル便|リポジトリ"
        r"|@\s?[^\s、。]{1,12}店|場所は[^\s、。]{2,}"
        r"|[^\s、。:()]{2,12}(?:店|センター|営業所|倉庫|デポ|公民館|会館|ホール|公園|駅)(?:\s?(?:集合|で|に|まで))"
        r"|[^\s、。:()]{1,10}エリア"
    )

    def check_place(self) -> None:
        for f in _fields(self.lines, self._PLACE_LABEL):
            if not _blank(f.value) and not re.search(r"いつもの|従来の|前回の", f.value):
                if re.fullmatch(r"[\s\d/年月日〜:時分-]+", f.value):
                    continue
                self.set("place", STATED, [(f.begin, f.end)])
                return
        for line in self.lines:
            if re.search(r"住\s?所|所在地|TEL|電話|FAX", line.text):
                continue
            m = self._PLACE_FREE.search(line.text)
            if m:
                self.set("place", STATED, [(line.begin + m.start(), line.begin + m.end())])
                return
        self.set("place", MISSING)

    # --- fee
    _MONEY = re.compile(
        rf"(?:¥|円|金)\s*{NUM}(?:万|千)?{NUM}?(?:万|千)?\s*円?|{NUM}(?:万{NUM}?)?(?:千{NUM}?)?\s*円"
        rf"|{NUM}万(?=で|円|\s|、|$|\(|（)"
        rf"|(?:時給|日当|日給|日額|月額|単価|歩合)[^\n。]{{0,12}}?{NUM}\s*(?:円|%|％|万)"
    )
    _NOT_FEE = re.compile(r"源泉|手数料|交通費|飲食代|経費|高速代|燃料費|資本金")

    def check_fee(self) -> None:
        for m in self._MONEY.finditer(self.text):
            before = self.text[max(0, m.start() - 8) : m.start()]
            if self._NOT_FEE.search(before) and not re.search(r"報酬|金額|料", before):
                continue
            if not re.search(r"\d|[一二三四五六七八九十百千万壱弐参伍拾]", m.group(0)):
                continue
            self.set("fee", STATED, [(m.start(), m.end())])
            return
        self.set("fee", MISSING)

    # --- payment_due
    def check_payment_due(self) -> None:
        kinds: list[tuple[str, _Line]] = []
        for clause in self.clauses:
            t = clause.text
            if not PAY_WORDS.search(t) or (PAY_EXCLUDE.search(t) and not re.search(r"支払期日|支払日|締", t)):
                continue
            if "元委託支払期日" in t:
                continue
            if re.search(_REF, t) and re.search(r"とおり|通り|同じ|定める", t):
                kinds.append(("reference", clause))
            elif INVOICE.search(t):
                kinds.append(("invoice", clause))
            elif INSPECTION_DEP.search(t):
                kinds.append(("inspection", clause))
            elif UNTIL.search(t):
                kinds.append(("until", clause))
            elif RULE.search(t) or self._dated_payment(clause) or re.search(r"当日|その場", t):
                kinds.append(("stated", clause))
        stated = [c for k, c in kinds if k == "stated"]
        if stated:
            self.set("payment_due", STATED, [(stated[0].begin, stated[0].end)])
            self.check_sixty_days(stated[0])
            return
        self.set("payment_due", MISSING)
        for kind, code in (
            ("invoice", "payment_due_on_invoice"),
            ("inspection", "payment_due_on_inspection"),
            ("until", "payment_due_until"),
        ):
            clause = next((c for k, c in kinds if k == kind), None)
            if clause:
                self.warn(code, clause.begin, clause.end)
                break

    def _dated_payment(self, clause: _Line) -> bool:
        for d in self.dates_in(clause.begin, clause.end):
            if d.value:
                return True
        return False

    # --- 60 days
    _MONTHLY = re.compile(
        r"(?:(?P<close>\d{1,2}|末)日?\s*(?:締|〆)|月末(?:日)?\s*(?:締|〆)|締め)?[^\n。]*?"
        r"(?P<offset>当月|翌月|翌々月)\s*(?P<day>\d{1,2}日|末日?)"
    )
    _DAYS_AFTER = re.compile(r"(?P<n>\d{1,3})日後")

    def check_sixty_days(self, clause: _Line) -> None:
        t = clause.text
        due_dates = [d.value for d in self.dates_in(clause.begin, clause.end) if d.value]
        receipt = min(self.delivery_dates) if self.delivery_dates else None
        limit_days = 59  # the day of receipt counts as day 1
        original_due = self._original_due()
        if due_dates and receipt:
            due = max(due_dates)
            if original_due:
                late = due > original_due + dt.timedelta(days=29)
            else:
                late = (due - receipt).days > limit_days
            if late:
                self.warn("payment_over_60_days", clause.begin, clause.end)
            return
        m = self._MONTHLY.search(t)
        after = self._DAYS_AFTER.search(t)
        if not m and not after:
            return
        close = None
        if m and m.group("close") and m.group("close") != "末":
            close = int(m.group("close"))
        if after and not m:
            offset, day = None, None
        else:
            offset = {"当月": 0, "翌月": 1, "翌々月": 2}[m.group("offset")]
            day = None if m.group("day").startswith("末") else int(m.group("day").rstrip("日"))
        receipts = [receipt] if receipt else [dt.date(2026, mo, 1) for mo in range(1, 13)]
        if not receipt and close:
            receipts = [_add_days(_close_date(dt.date(2026, mo, 1), close), 1) for mo in range(1, 13)]
        for r in receipts:
            closing = _close_date(r, close)
            if after and not m:
                due = closing + dt.timedelta(days=int(after.group("n")))
            else:
                due = _month_day(closing, offset, day)
            # a monthly closing is read as 「2か月以内」 (公取委 Q&A 問47)
            if due > _add_months(r, 2) - dt.timedelta(days=1):
                self.warn("payment_over_60_days", clause.begin, clause.end)
                return

    def _original_due(self) -> dt.date | None:
        for line in self.lines:
            if "元委託支払期日" in line.text:
                good = [d.value for d in self.dates_in(line.begin, line.end) if d.value]
                if good:
                    return good[0]
        return None

    # --- inspection
    _INSPECTION = re.compile(r"検収|検査|検品|完了確認")
    _INSPECTION_DATE = re.compile(
        rf"{NUM}\s*(?:営業)?日\s*(?:以内|後|まで)|当日|翌日|即日|翌営業日|検査を完了する期日|検収期限|検査完了日"
    )

    def check_inspection(self) -> None:
        hits = [c for c in self.clauses if self._INSPECTION.search(c.text)]
        if not hits:
            self.set("inspection", NOT_NEEDED)
            return
        for clause in hits:
            good = [d for d in self.dates_in(clause.begin, clause.end) if d.value]
            m = self._INSPECTION_DATE.search(clause.text)
            placeholder = m and _blank(re.sub(r"(営業)?日.*", "", m.group(0)))
            if good or (m and not placeholder and not INVOICE.search(clause.text[: m.start()])):
                if (
                    INSPECTION_DEP.search(clause.text)
                    and PAY_WORDS.search(clause.text)
                    and not good
                    and not m
                ):
                    continue
                if (
                    m
                    and m.group(0).startswith(tuple("0123456789"))
                    and INSPECTION_DEP.search(clause.text[: m.start()])
                ):
                    continue  # 検収後30日以内に支払: a payment rule, not an inspection date
                self.set("inspection", STATED, [(clause.begin, clause.end)])
                return
        self.set("inspection", MISSING, [(hits[0].begin, hits[0].end)])
        self.warn("inspection_without_date", hits[0].begin, hits[0].end)

    # --- warnings on the whole text
    def check_references(self) -> None:
        m = BARE_REFERENCE.search(self.text)
        if m:
            self.warn("bare_reference", m.start(), m.end())

    _REDELEGATION = re.compile(
        r"再委託(?!して(は)?(なら|なり|いけ)|を禁|することは|する(必要|場合)|できな|しない|禁止)"
    )
    _ORIGINAL_CLIENT = re.compile(r"元委託者|元請|から(当社|弊社)が(受託|受注)")

    def check_redelegation(self) -> None:
        m = self._REDELEGATION.search(self.text)
        if not m:
            return
        around = self.text[max(0, m.start() - 60) : m.end() + 20]
        if re.search(r"第三者に|乙は|受注者は|受託者は", around) and not re.search(
            r"本件|本契約は|当社が", around
        ):
            return
        named = bool(self._ORIGINAL_CLIENT.search(self.text)) and bool(
            re.search(
                r"(株式会社|有限会社|合同会社|市|県|町|村|区)[^\n。]{0,20}(様)?から(当社|弊社)|元委託者",
                self.text,
            )
        )
        if not (named and self._original_due()):
            self.warn("redelegation_incomplete", m.start(), m.end())


def _close_date(received: dt.date, close: int | None) -> dt.date:
    """The first closing day on or after ``received`` (None: the month end)."""
    last = calendar.monthrange(received.year, received.month)[1]
    if close is None or close >= last:
        return received.replace(day=last)
    if received.day <= close:
        return received.replace(day=close)
    nxt = _add_months(received.replace(day=1), 1)
    return nxt.replace(day=min(close, calendar.monthrange(nxt.year, nxt.month)[1]))


def _month_day(base: dt.date, offset: int, day: int | None) -> dt.date:
    first = _add_months(base.replace(day=1), offset)
    last = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=last if day is None else min(day, last))


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _add_days(d: dt.date, n: int) -> dt.date:
    return d + dt.timedelta(days=n)


# --- The request to the client ------------------------------------------------------
REQUEST_ITEMS_JA = {
    "parties": "発注者様と私（受注者）の名称",
    "commissioned_on": "業務を委託された日（発注日）",
    "work": "業務の内容（成果物・作業の内容）",
    "delivery": "納期（作業をする日・期間）",
    "place": "納品先・作業の場所（納品の方法を含む）",
    "fee": "報酬の額（または計算のしかた）",
    "payment_due": "報酬の支払期日（具体的な日付、または「月末締め翌月末払い」などの決まった日）",
    "inspection": "検査（検収）を完了する日",
}


def draft_request(report: TermsReport, *, client_name: str = "", sender_name: str = "") -> str:
    """A polite 「取引条件の明示のお願い」 listing exactly the missing items;
    empty when nothing is missing."""
    missing = report.missing_codes
    if not missing:
        return ""
    client = client_name.strip() or "ご担当者"
    sender = sender_name.strip()
    lines = [
        f"{client}様",
        "",
        f"いつもお世話になっております。{sender + 'です。' if sender else ''}",
        "このたびはご依頼をいただき、ありがとうございます。",
        "いただいた内容を拝見したところ、次の取引条件が見当たりませんでした。",
        "お手数ですが、メールなど文字で残る形でお知らせいただけますでしょうか。",
        "",
        *[f"・{REQUEST_ITEMS_JA[code]}" for code in missing],
        "",
    ]
    codes = set(report.warning_codes)
    if "payment_due" in missing and codes & {
        "payment_due_on_invoice",
        "payment_due_on_inspection",
        "payment_due_until",
    }:
        lines += [
            "支払期日は、請求書の受け取りや検収の時期によらない、特定の日でお示しいただけますと幸いです。",
            "",
        ]
    lines += [
        "特定受託事業者に係る取引の適正化等に関する法律（フリーランス法）の第3条では、業務を委託する事業者は、"
        "これらの取引条件を直ちに書面またはメールなどの電磁的方法で明示することとされています。",
        "まだ決まっていない項目がありましたら、決まっていない理由と、いつ決まる予定かをお知らせください。",
        "また、あわせて書面でのご交付もお願いできますと幸いです。",
        "",
        "どうぞよろしくお願いいたします。",
    ]
    if sender:
        lines.append(sender)
    return "\n".join(lines)


# --- Highlighting -------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    text: str
    code: str = ""  # the item this passage was found for; "" for plain text
    label_ja: str = ""


def highlight_segments(report: TermsReport) -> list[Segment]:
    """The text cut into plain parts and the passages found for each item (the
    first item wins where two overlap), for a page to mark up safely."""
    text = report.text
    spans = sorted(
        (b, e, code)
        for code, item in report.items.items()
        if item.status == STATED
        for b, e in item.spans
        if e > b
    )
    out: list[Segment] = []
    cursor = 0
    for b, e, code in spans:
        if b < cursor:
            continue
        if b > cursor:
            out.append(Segment(text[cursor:b]))
        out.append(Segment(text[b:e], code, SHORT_LABELS_JA[code]))
        cursor = e
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out
