"""Pure premium arithmetic against every cell of the seed tables (no database)."""

import datetime as dt

import pytest

from kyosai import premiums, ratefiles
from kyosai.premiums import Choices, MissingChoice, NotOffered, NotPublished
from tests.kyosai.seed_tables import income_cells, life_cells, rosai_cells


@pytest.fixture(autouse=True)
def _clean_cache():
    """Pure tests use no cache; the shared fixture would need the database."""
    yield


def table(product: str) -> premiums.Table:
    data = ratefiles.read(ratefiles.RATES_DIR / f"{product}.json")
    fields = set(premiums.Rate.__dataclass_fields__)
    return premiums.Table(
        product=product,
        unlisted=data["unlisted"],
        rates=tuple(premiums.Rate(**{k: v for k, v in r.items() if k in fields}) for r in data["rates"]),
    )


def edges(lo: int, hi: int) -> list[int]:
    return sorted({lo, hi})


LIFE = [(sex, plan, age, monthly) for sex, plan, lo, hi, monthly in life_cells() for age in edges(lo, hi)]
INCOME = [
    (job, benefit, age, monthly) for job, benefit, lo, hi, monthly in income_cells() for age in edges(lo, hi)
]


@pytest.mark.parametrize(("sex", "plan", "age", "monthly"), LIFE)
def test_life_every_cell(sex, plan, age, monthly):
    choices = Choices(age=age, sex=sex, plan=plan)
    if monthly is None:
        with pytest.raises(NotOffered, match="Cプランは60歳までの方が対象です"):
            premiums.quote(table("life"), choices)
    else:
        result = premiums.quote(table("life"), choices)
        assert (result.monthly, result.annual) == (monthly, None)


@pytest.mark.parametrize(("job_class", "benefit", "age", "monthly"), INCOME)
def test_income_every_cell(job_class, benefit, age, monthly):
    result = premiums.quote(table("income"), Choices(age=age, job_class=job_class, benefit=benefit))
    assert (result.monthly, result.annual) == (monthly, None)


@pytest.mark.parametrize(("daily", "annual", "half_year"), list(rosai_cells()))
def test_rosai_every_cell(daily, annual, half_year):
    result = premiums.quote(table("rosai"), Choices(daily=daily))
    assert (result.monthly, result.annual, result.half_year) == (None, annual, half_year)


def test_counts_match_the_seed():
    assert len(list(life_cells())) == 42 and len(table("life").rates) == 40
    assert len(table("income").rates) == 150
    assert len(table("rosai").rates) == 6


@pytest.mark.parametrize(("payment", "monthly"), [("paid_up_at_65", 7300), ("whole_life", 4290)])
def test_medical_published_example(payment, monthly):
    result = premiums.quote(table("medical"), Choices(age=40, sex="male", daily=5000, payment=payment))
    assert (result.monthly, result.annual) == (monthly, None)


@pytest.mark.parametrize(
    "choices",
    [
        Choices(age=41, sex="male", daily=5000, payment="whole_life"),
        Choices(age=40, sex="female", daily=5000, payment="whole_life"),
        Choices(age=40, sex="male", daily=10000, payment="paid_up_at_65"),
        Choices(age=70, sex="male", daily=5000, payment="whole_life"),
    ],
)
def test_medical_everything_else_is_not_published(choices):
    with pytest.raises(NotPublished, match="見積依頼"):
        premiums.quote(table("medical"), choices)


def test_fixed_fees():
    assert premiums.quote(table("club"), Choices()).annual == 3000
    assert premiums.quote(table("liability"), Choices()).annual == 8440


@pytest.mark.parametrize(
    ("product", "choices", "message"),
    [
        ("life", Choices(age=14, sex="male", plan="A"), "15歳から64歳までの方が対象"),
        ("life", Choices(age=65, sex="female", plan="A"), "15歳から64歳までの方が対象"),
        ("life", Choices(age=62, sex="male", plan="C"), "Cプランは60歳までの方が対象です"),
        ("life", Choices(age=61, sex="female", plan="C"), "Cプランは60歳までの方が対象です"),
        ("life", Choices(age=30, sex="male", plan="D"), "プランはAプラン・Bプラン・Cプランから"),
        ("income", Choices(age=65, job_class=1, benefit=100000), "15歳から64歳まで"),
        ("income", Choices(age=30, job_class=4, benefit=100000), "職種級別は1級・2級・3級"),
        ("income", Choices(age=30, job_class=1, benefit=150000), "保険金額"),
        ("rosai", Choices(daily=4000), "給付基礎日額は3,500円"),
    ],
)
def test_not_offered(product, choices, message):
    with pytest.raises(NotOffered, match=message):
        premiums.quote(table(product), choices)


@pytest.mark.parametrize(
    ("product", "choices"),
    [
        ("life", Choices(sex="male", plan="A")),
        ("life", Choices(age=30, plan="A")),
        ("income", Choices(age=30, job_class=1)),
        ("rosai", Choices()),
    ],
)
def test_missing_choice(product, choices):
    with pytest.raises(MissingChoice):
        premiums.quote(table(product), choices)


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(1986, 5, 1), dt.date(2026, 5, 1), 40),
        (dt.date(1986, 5, 2), dt.date(2026, 5, 1), 39),
        (dt.date(2000, 2, 29), dt.date(2026, 2, 28), 25),
        (dt.date(2000, 2, 29), dt.date(2026, 3, 1), 26),
    ],
)
def test_age_on_cover_start(birth, day, age):
    assert premiums.age_on(birth, day) == age


def test_cover_dates():
    assert premiums.cover_start("next_month", dt.date(2026, 12, 15)) == dt.date(2027, 1, 1)
    assert premiums.cover_start("next_day", dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert premiums.cover_end(dt.date(2027, 1, 1)) == dt.date(2027, 12, 31)
    assert premiums.end_of_month(dt.date(2028, 2, 3)) == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("山田 太郎", "山田 ○○"),
        ("山田\u3000太郎", "山田 ○○"),
        ("山田太郎", "山○○"),
        ("", "○○"),
    ],
)
def test_mask_name(name, masked):
    assert premiums.mask_name(name) == masked
