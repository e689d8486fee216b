"""``kyosai.pricing.premium`` (INTERFACES.md) reads the tables in force."""

import datetime as dt

import pytest

from kyosai import pricing
from kyosai.models import Rate, RateTable
from tests.kyosai.seed_tables import income_cells, life_cells, rosai_cells

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 12, 1)


@pytest.mark.parametrize(("sex", "plan", "lo", "hi", "monthly"), list(life_cells()))
def test_life(sex, plan, lo, hi, monthly):
    for age in (lo, hi):
        if monthly is None:
            with pytest.raises(pricing.NotOffered):
                pricing.premium("life", age=age, sex=sex, plan=plan, on=ON)
        else:
            p = pricing.premium("life", age=age, sex=sex, plan=plan, on=ON)
            assert (p.monthly, p.annual) == (monthly, None)


@pytest.mark.parametrize(("job_class", "benefit", "lo", "hi", "monthly"), list(income_cells()))
def test_income(job_class, benefit, lo, hi, monthly):
    for age in (lo, hi):
        p = pricing.premium("income", age=age, job_class=job_class, benefit=benefit, on=ON)
        assert (p.monthly, p.annual) == (monthly, None)


@pytest.mark.parametrize(("daily", "annual", "half_year"), list(rosai_cells()))
def test_rosai(daily, annual, half_year):
    p = pricing.premium("rosai", daily=daily, on=ON)
    assert (p.monthly, p.annual, p.half_year) == (None, annual, half_year)


def test_club_liability_medical():
    assert pricing.premium("club", on=ON).annual == 3000
    assert pricing.premium("club", on=ON).monthly is None
    assert pricing.premium("liability", on=ON).annual == 8440
    assert (
        pricing.premium("medical", age=40, sex="male", daily=5000, payment="paid_up_at_65", on=ON).monthly
        == 7300
    )
    assert (
        pricing.premium("medical", age=40, sex="male", daily=5000, payment="whole_life", on=ON).monthly
        == 4290
    )


@pytest.mark.parametrize(
    ("product", "kwargs", "error"),
    [
        ("life", {"age": 61, "sex": "male", "plan": "C"}, pricing.NotOffered),
        ("life", {"age": 14, "sex": "male", "plan": "A"}, pricing.NotOffered),
        ("life", {"age": 65, "sex": "female", "plan": "B"}, pricing.NotOffered),
        ("income", {"age": 65, "job_class": 2, "benefit": 300000}, pricing.NotOffered),
        ("rosai", {"daily": 7000}, pricing.NotOffered),
        (
            "medical",
            {"age": 35, "sex": "female", "daily": 5000, "payment": "whole_life"},
            pricing.NotPublished,
        ),
        ("pet", {}, pricing.NotOffered),
    ],
)
def test_errors(product, kwargs, error):
    with pytest.raises(error):
        pricing.premium(product, on=ON, **kwargs)


def test_no_table_in_force_before_the_first_version():
    with pytest.raises(pricing.NotPublished):
        pricing.premium("club", on=dt.date(2020, 1, 1))


def test_new_version_applies_from_its_start_and_old_quotes_keep_theirs():
    old = RateTable.objects.get(product="liability")
    old.valid_to = dt.date(2027, 3, 31)
    old.save()
    new = RateTable.objects.create(
        product="liability", version="2027年度版", valid_from=dt.date(2027, 4, 1), source="テスト用の版"
    )
    Rate.objects.create(table=new, annual=9000)
    before = pricing.premium("liability", on=dt.date(2027, 3, 31))
    after = pricing.premium("liability", on=dt.date(2027, 4, 1))
    assert (before.annual, before.table_id) == (8440, old.pk)
    assert (after.annual, after.table_id) == (9000, new.pk)


def test_overlapping_versions_are_refused():
    from django.core.exceptions import ValidationError

    overlapping = RateTable(
        product="club", version="重なる版", valid_from=dt.date(2025, 1, 1), source="テスト"
    )
    with pytest.raises(ValidationError, match="重なっています"):
        overlapping.full_clean()


def test_every_rate_file_cites_its_source_by_title_and_date():
    import re

    from kyosai import ratefiles

    for table in RateTable.objects.all():
        assert re.search(r"「[^」]+」", table.source) and re.search(
            r"（[^）]*(20\d\d年|日付の記載なし)", table.source
        )
        assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", table.source), table.source
    for path in ratefiles.seed_files():
        data = ratefiles.read(path)
        assert data["source"] and (data.get("seed_file") or "http" in data["source"])


def test_load_rate_file_adds_a_version_and_closes_the_previous(tmp_path):
    import json

    from django.core.management import call_command

    from kyosai import ratefiles

    data = ratefiles.read(ratefiles.RATES_DIR / "liability.json")
    data.update(version="テスト版", valid_from="2030-04-01", source="テスト用の出典")
    data["rates"] = [{"annual": 9999}]
    path = tmp_path / "liability-2030.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("load_rate_file", str(path))
    call_command("load_rate_file", str(path))  # twice: nothing more
    assert RateTable.objects.filter(product="liability").count() == 2
    assert pricing.premium("liability", on=dt.date(2030, 3, 31)).annual == 8440
    assert pricing.premium("liability", on=dt.date(2030, 4, 1)).annual == 9999
