"""Products, the seed rate tables (kyosai/rates/*.json, each citing its
source) and sample 告知 questions. Later years are new versions added by staff
in the admin or with ``manage.py load_rate_file``.

Self-contained: the rate files are read from the frozen copies beside this
migration (frozen_rates/) with the loader as it was (frozen below), so a later
change to kyosai/rates or kyosai.ratefiles cannot change history."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

FROZEN_RATES = Path(__file__).resolve().parent / "frozen_rates"
RATE_FIELDS = (
    "age_min", "age_max", "sex", "plan", "job_class", "benefit", "daily", "payment",
    "monthly", "annual", "half_year",
)
BENEFIT_FIELDS = ("plan", "group", "label", "prefix", "amount", "text", "is_exclusion", "source")
BENEFIT_DEFAULTS = {"amount": None, "is_exclusion": False}


def rate_files() -> list[dict]:
    """The frozen seed files, in the order the loader read them (sorted by name)."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(FROZEN_RATES.glob("*.json"))]


def load_rate_file(data: dict, *, RateTable, Rate, Benefit) -> None:
    """kyosai.ratefiles.load as it was: one version, unless that product and start exist."""
    valid_from = dt.date.fromisoformat(data["valid_from"])
    if RateTable.objects.filter(product=data["product"], valid_from=valid_from).exists():
        return
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
    Rate.objects.bulk_create([
        Rate(table=table, **{f: row.get(f, "" if f in ("sex", "plan", "payment") else None) for f in RATE_FIELDS})
        for row in data["rates"]
    ])
    # Only the fields the historical model has.
    have = {f.name for f in Benefit._meta.get_fields()}
    fields = [f for f in BENEFIT_FIELDS if f in have]
    Benefit.objects.bulk_create([
        Benefit(table=table, order=i, **{f: row.get(f, BENEFIT_DEFAULTS.get(f, "")) for f in fields})
        for i, row in enumerate(data["benefits"])
    ])

COMMON_MATTERS = (
    "・掛金・年会費のお支払いは、このサイトではなく共済事務局の口座振替またはお振込みで行います。\n"
    "・告知（健康状態などの質問）には、事実をありのままにお答えください。事実と違う告知があると、"
    "共済金・保険金が支払われないことがあります。\n"
    "・保障は審査の承認後、保障開始日から始まります。保障開始日より前のできごとは対象になりません。\n"
    "・オプションは、Wor-Qライフサポートクラブに加入している間だけ続けられます。\n"
    "・解約は、お申出の月の末日で終わります。"
)

PRODUCTS = [
    ("club", "Wor-Qライフサポートクラブ", 1,
     "連合ネットワーク会員が入れるクラブです。年会費で基本共済（団体生命共済＋慶弔共済）が無料でつきます。"
     "オプションに入るには、先にクラブへの加入が必要です。"),
    ("life", "団体生命共済（オプション1）", 2,
     "病気や不慮の事故などによる死亡・重度障がいや入院を保障します。A・B・Cの3プランから選べます"
     "（基本共済の死亡10万円・入院日額1,000円を含む金額です）。"),
    ("medical", "総合医療共済（オプション2）", 3,
     "終身医療プラン 総合タイプ。入院・手術から通院まで幅広くカバーし、先進医療も保障します。"),
    ("liability", "賠償補償制度（オプション3）", 4,
     "仕事中の偶然な事故で、法律上の損害賠償責任を負ったときの損害に保険金を支払う制度です。"),
    ("income", "所得補償制度（オプション4）", 5,
     "病気やケガで働けなくなったとき、働けなかった日数に応じて保険金を受け取れる制度です。"),
    ("rosai", "労災保険特別加入（一人親方・フリーランス）", 6,
     "一人親方やフリーランスが、国の労災保険に特別加入する手続きです。仕事中のケガなどに備えられます。"),
]

SAMPLE_QUESTIONS = {
    "life": ["（サンプル）現在、入院中ですか。または、医師から入院や手術をすすめられていますか。",
             "（サンプル）過去5年以内に、病気やけがで7日以上続けて入院したことがありますか。"],
    "medical": ["（サンプル）現在、入院中ですか。または、医師から入院や手術をすすめられていますか。",
                "（サンプル）過去2年以内に、健康診断で再検査・精密検査をすすめられたことがありますか。"],
    "income": ["（サンプル）現在、病気やけがで仕事を休んでいますか。",
               "（サンプル）過去1年以内に、病気やけがで7日以上続けて仕事を休んだことがありますか。"],
}


def forwards(apps, schema_editor):
    Product = apps.get_model("kyosai", "Product")
    RateTable = apps.get_model("kyosai", "RateTable")
    Rate = apps.get_model("kyosai", "Rate")
    Benefit = apps.get_model("kyosai", "Benefit")
    HealthQuestion = apps.get_model("kyosai", "HealthQuestion")
    for code, name, order, summary in PRODUCTS:
        Product.objects.get_or_create(code=code, defaults={
            "name": name, "order": order, "summary": summary,
            "important_matters": COMMON_MATTERS,
            # Operational value set by the kyosai office (no source fixes it).
            "grace_days": 30 if code == "club" else 0,
        })
    codes = {code for code, *_ in PRODUCTS}
    for data in rate_files():
        if data["product"] in codes:  # later products are loaded by their own migration
            load_rate_file(data, RateTable=RateTable, Rate=Rate, Benefit=Benefit)
    for product, questions in SAMPLE_QUESTIONS.items():
        for i, text in enumerate(questions):
            HealthQuestion.objects.get_or_create(
                product=product, text=text, defaults={"is_sample": True, "order": i}
            )


class Migration(migrations.Migration):
    dependencies = [("kyosai", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
