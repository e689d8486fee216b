"""Load the rate files in ``kyosai/rates/`` (each cites its source) into
versioned RateTable rows. Used by the data migration and by
``manage.py load_rate_file`` for a new year's table."""

import datetime as dt
import json
from pathlib import Path

RATES_DIR = Path(__file__).resolve().parent / "rates"
RATE_FIELDS = (
    "age_min",
    "age_max",
    "sex",
    "plan",
    "job_class",
    "benefit",
    "daily",
    "payment",
    "monthly",
    "annual",
    "half_year",
)
BENEFIT_FIELDS = ("plan", "group", "label", "prefix", "amount", "text", "is_exclusion", "source")
BENEFIT_DEFAULTS = {"amount": None, "is_exclusion": False}


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load(data: dict, *, RateTable, Rate, Benefit):
    """Create the version in ``data`` unless a table for that product and start
    date exists (idempotent). Returns (table, created)."""
    valid_from = dt.date.fromisoformat(data["valid_from"])
    existing = RateTable.objects.filter(product=data["product"], valid_from=valid_from).first()
    if existing is not None:
        return existing, False
    table = RateTable.objects.create(
        product=data["product"],
        version=data["version"],
        valid_from=valid_from,
        valid_to=dt.date.fromisoformat(data["valid_to"]) if data.get("valid_to") else None,
        unlisted=data.get("unlisted", "not_offered"),
        source=data["source"],
        note=data.get("note", ""),
        extra={"job_classes": data["job_classes"]} if "job_classes" in data else {},
    )
    Rate.objects.bulk_create(
        [
            Rate(
                table=table,
                **{f: row.get(f, "" if f in ("sex", "plan", "payment") else None) for f in RATE_FIELDS},
            )
            for row in data["rates"]
        ]
    )
    # Only the fields the (possibly historical, in a migration) model has.
    have = {f.name for f in Benefit._meta.get_fields()}
    fields = [f for f in BENEFIT_FIELDS if f in have]
    Benefit.objects.bulk_create(
        [
            Benefit(table=table, order=i, **{f: row.get(f, BENEFIT_DEFAULTS.get(f, "")) for f in fields})
            for i, row in enumerate(data["benefits"])
        ]
    )
    return table, True


def seed_files() -> list[Path]:
    return sorted(RATES_DIR.glob("*.json"))
