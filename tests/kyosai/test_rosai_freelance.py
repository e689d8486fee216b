"""労災保険特別加入 for freelancers (特定フリーランス事業): every published
給付基礎日額, priced as FACTS.md §2 states (日額 × 365 × 3/1000, rounded down)."""

import datetime as dt

import pytest

from kyosai import premiums, pricing, ratefiles

# FACTS.md §2: ¥3,500; ¥4,000–10,000 in ¥1,000 steps; ¥12,000–24,000 in ¥2,000 steps; ¥25,000.
DAILIES = [3500, *range(4000, 10001, 1000), *range(12000, 24001, 2000), 25000]
# FACTS.md §2 worked examples at 3/1000.
WORKED = {3500: 3832, 10000: 10950, 25000: 27375}
ON = dt.date(2026, 12, 1)


def expected_annual(daily: int) -> int:
    return daily * 365 * 3 // 1000


def pure_table() -> premiums.Table:
    data = ratefiles.read(ratefiles.RATES_DIR / "rosai_freelance.json")
    return premiums.Table(
        product=data["product"],
        rates=tuple(premiums.Rate(daily=r["daily"], annual=r.get("annual")) for r in data["rates"]),
    )


def test_sixteen_published_amounts_and_worked_examples():
    assert len(DAILIES) == 16
    assert {d: expected_annual(d) for d in WORKED} == WORKED
    data = ratefiles.read(ratefiles.RATES_DIR / "rosai_freelance.json")
    assert [r["daily"] for r in data["rates"]] == DAILIES
    assert data["valid_from"] == "2024-11-01"
    assert "1000分の3" in data["source"] and "令和6年厚生労働省令第22号" in data["source"]


@pytest.mark.parametrize("daily", DAILIES)
def test_pure_quote_every_cell(daily):
    p = premiums.quote(pure_table(), premiums.Choices(daily=daily))
    assert (p.annual, p.monthly) == (expected_annual(daily), None)


@pytest.mark.django_db
@pytest.mark.parametrize("daily", DAILIES)
def test_pricing_every_cell(daily):
    p = pricing.premium("rosai_freelance", daily=daily, on=ON)
    assert (p.annual, p.monthly) == (expected_annual(daily), None)


@pytest.mark.django_db
@pytest.mark.parametrize("daily", [3000, 3600, 11000, 13000, 26000, 50000])
def test_other_amounts_not_offered(daily):
    with pytest.raises(pricing.NotOffered, match="給付基礎日額は3,500円"):
        pricing.premium("rosai_freelance", daily=daily, on=ON)


@pytest.mark.django_db
def test_in_force_from_1_november_2024_and_construction_table_unchanged():
    assert pricing.premium("rosai_freelance", daily=3500, on=dt.date(2024, 11, 1)).annual == 3832
    with pytest.raises(pricing.NotPublished):
        pricing.premium("rosai_freelance", daily=3500, on=dt.date(2024, 10, 31))
    assert pricing.premium("rosai", daily=3500, on=ON).annual == 25200
