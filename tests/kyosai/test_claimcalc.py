"""Claim kinds, indicative amounts and the status machine: pure, no database.

The covers are built from the repository's rate files (checked against the
seed elsewhere), as the services build them from the tables in force."""

import datetime as dt

import pytest

from kyosai import claimcalc as cc
from kyosai import ratefiles

LABELS = {
    "club": "基本共済",
    "life": "オプション1 団体生命共済",
    "medical": "オプション2 総合医療共済",
    "liability": "オプション3 賠償補償制度",
    "income": "オプション4 所得補償制度",
}


def cover(product: str, **choice) -> cc.Cover:
    data = ratefiles.read(ratefiles.RATES_DIR / f"{product}.json")
    rows = tuple(
        cc.BenefitRow(
            group=b["group"],
            label=b["label"],
            amount=b.get("amount"),
            prefix=b.get("prefix", ""),
            text=b.get("text", ""),
            plan=b.get("plan", ""),
        )
        for b in data["benefits"]
    )
    return cc.Cover(product=product, product_label=LABELS[product], rows=rows, **choice)


CLUB = cover("club")
LIFE_B = cover("life", plan="B")


def kind(code: str) -> cc.Kind:
    return cc.KIND_BY_CODE[code]


def test_club_alone_offers_the_basic_cover_kinds_and_no_death_to_the_member():
    codes = [k.code for k in cc.offered_kinds([CLUB], family=False)]
    assert codes == [
        "hospital_illness",
        "hospital_accident",
        "disease_disability",
        "severe_disability",
        "donor",
        "home_disaster",
        "relative_death",
    ]
    family = [k.code for k in cc.offered_kinds([CLUB], family=True)]
    assert {"death_illness", "death_accident"} <= set(family)


def test_each_option_adds_its_kinds():
    covers = [CLUB, LIFE_B, cover("medical", daily=5000), cover("liability"), cover("income", benefit=200000)]
    codes = {k.code for k in cc.offered_kinds(covers, family=False)}
    assert {"outpatient", "surgery", "radiotherapy", "advanced_treatment"} <= codes
    assert {"liability_accident", "income_loss"} <= codes


def test_hospital_stay_with_basic_cover_only():
    result = cc.compute(kind("hospital_illness"), [CLUB], cc.Details(hospital_days=10))
    assert result.total == 10_000
    assert (
        result.lines[0].text
        == "基本共済 病気入院共済金 病気等により入院した場合 日額 1,000円 × 10日 = 10,000円"
    )


@pytest.mark.parametrize(
    ("plan", "daily", "total"),
    [("A", 3000, 30_000), ("B", 6000, 60_000), ("C", 10000, 100_000)],
)
def test_hospital_stay_with_option_1_counts_the_basic_cover_once(plan, daily, total):
    """seed 000: option 1's 入院日額 「基本共済の…入院1,000円含む」."""
    result = cc.compute(
        kind("hospital_accident"), [CLUB, cover("life", plan=plan)], cc.Details(hospital_days=10)
    )
    assert [ln.amount for ln in result.lines] == [10_000, (daily - 1000) * 10]
    assert result.total == total
    assert "基本共済の1,000円を含む" in result.lines[1].text


def test_medical_hospital_days_are_capped_by_the_table():
    result = cc.compute(
        kind("hospital_illness"), [CLUB, cover("medical", daily=5000)], cc.Details(hospital_days=200)
    )
    assert [ln.amount for ln in result.lines] == [200_000, 900_000]
    assert "最高180日まで" in result.lines[1].text


def test_death_with_option_1_pays_the_plan_amount():
    result = cc.compute(kind("death_accident"), [CLUB, LIFE_B], cc.Details())
    assert result.total == 6_000_000
    assert [ln.amount for ln in result.lines] == [100_000, 5_900_000]


@pytest.mark.parametrize(
    ("subtype", "amount"),
    [("火災等", 200_000), ("自然災害（風水害等）", 60_000), ("自然災害（地震等）", 20_000)],
)
def test_home_disaster_is_a_ceiling_staff_decide(subtype, amount):
    assert cc.subtypes(kind("home_disaster"), [CLUB]) == [
        "火災等",
        "自然災害（風水害等）",
        "自然災害（地震等）",
    ]
    result = cc.compute(kind("home_disaster"), [CLUB], cc.Details(subtype=subtype))
    assert result.total == amount and result.is_maximum
    assert "担当者が被害の程度を確認" in result.notes[0]


@pytest.mark.parametrize(
    ("code", "total"),
    [
        ("relative_death", 20_000),
        ("disease_disability", 40_000),
        ("donor", 10_000),
        ("severe_disability", 100_000),
    ],
)
def test_fixed_amounts_of_the_basic_cover(code, total):
    assert cc.compute(kind(code), [CLUB], cc.Details()).total == total


@pytest.mark.parametrize(("subtype", "total"), [("外来", 50_000), ("入院中", 100_000)])
def test_surgery(subtype, total):
    medical = cover("medical", daily=5000)
    assert cc.compute(kind("surgery"), [CLUB, medical], cc.Details(subtype=subtype)).total == total


def test_outpatient_and_advanced_treatment():
    medical = cover("medical", daily=5000)
    assert cc.compute(kind("outpatient"), [medical], cc.Details(outpatient_days=4)).total == 6_000
    advanced = cc.compute(kind("advanced_treatment"), [medical], cc.Details())
    assert advanced.total == 10_000_000 and advanced.is_maximum


def test_liability_is_a_report_without_an_amount():
    result = cc.compute(kind("liability_accident"), [cover("liability")], cc.Details())
    assert result.total is None
    assert "上限 100,000,000円" in result.lines[0].text


def test_income_loss_counts_days_after_the_waiting_period_but_names_no_amount():
    details = cc.Details(work_off_from=dt.date(2026, 11, 1), work_off_to=dt.date(2026, 11, 10))
    result = cc.compute(kind("income_loss"), [cover("income", benefit=200000)], details)
    assert result.total is None
    assert "働けなかった日数 10日 − 免責期間 4日 = 対象 6日" in result.lines[0].text
    assert any("出典に記載がありません" in n for n in result.notes)


def test_no_cover_for_the_kind_says_so():
    result = cc.compute(kind("surgery"), [CLUB], cc.Details(subtype="外来"))
    assert result.total is None and "保障がありません" in result.notes[0]


# --- Status machine ------------------------------------------------------------
ALLOWED = [
    (cc.DRAFT, cc.RECEIVED),
    (cc.RECEIVED, cc.DOCUMENTS_CHECK),
    (cc.RECEIVED, cc.DOCUMENTS_REQUESTED),
    (cc.RECEIVED, cc.NOT_PAYABLE),
    (cc.DOCUMENTS_CHECK, cc.REVIEW),
    (cc.DOCUMENTS_CHECK, cc.DOCUMENTS_REQUESTED),
    (cc.DOCUMENTS_CHECK, cc.NOT_PAYABLE),
    (cc.DOCUMENTS_REQUESTED, cc.DOCUMENTS_CHECK),
    (cc.DOCUMENTS_REQUESTED, cc.NOT_PAYABLE),
    (cc.REVIEW, cc.PAYMENT),
    (cc.REVIEW, cc.DOCUMENTS_REQUESTED),
    (cc.REVIEW, cc.NOT_PAYABLE),
    (cc.PAYMENT, cc.COMPLETED),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transitions(current, target):
    cc.check_transition(current, target, reason="理由")


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c in cc.STATUS_LABELS for t in cc.STATUS_LABELS if (c, t) not in ALLOWED],
)
def test_every_other_transition_is_refused(current, target):
    with pytest.raises(cc.TransitionError, match="進めません"):
        cc.check_transition(current, target, reason="理由")


@pytest.mark.parametrize("target", [cc.DOCUMENTS_REQUESTED, cc.NOT_PAYABLE])
def test_asking_for_documents_and_refusing_need_a_reason(target):
    with pytest.raises(cc.TransitionError, match="入力してください"):
        cc.check_transition(cc.DOCUMENTS_CHECK, target, reason="  ")
