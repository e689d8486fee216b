"""The historical rate-loading migrations are self-contained: they read frozen
copies of the rate files with a frozen loader, never the live kyosai.ratefiles."""

import ast
import inspect
from importlib import import_module

import pytest

SEED = import_module("kyosai.migrations.0002_load_products_and_rates")
ROSAI_FREELANCE = import_module("kyosai.migrations.0003_rosai_freelance")


@pytest.mark.parametrize("migration", [SEED, ROSAI_FREELANCE])
def test_the_migration_does_not_use_the_live_rate_code_or_files(migration):
    tree = ast.parse(inspect.getsource(migration))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {"ratefiles", "kyosai.ratefiles", "kyosai"} & imported
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not {"seed_files", "RATES_DIR"} & names


def test_the_frozen_files_are_the_ones_history_loaded():
    files = SEED.rate_files()
    assert sorted(d["product"] for d in files) == [
        "club",
        "income",
        "liability",
        "life",
        "medical",
        "rosai",
        "rosai_freelance",
    ]


@pytest.mark.django_db
def test_the_database_holds_what_the_frozen_files_say():
    from kyosai.models import RateTable

    for data in SEED.rate_files():
        table = RateTable.objects.get(product=data["product"], valid_from=data["valid_from"])
        assert (table.version, table.source) == (data["version"], data["source"])
        assert table.rates.count() == len(data["rates"])
        assert table.benefits.count() == len(data["benefits"])
