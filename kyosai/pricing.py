"""``pricing.premium(product, …)``: the stable interface (see INTERFACES.md).

Reads the rate table in force on ``on`` and hands it to the pure arithmetic in
``kyosai.premiums``."""

import datetime as dt

from django.utils import timezone

from kyosai.premiums import (  # noqa: F401 (re-exported)
    PRODUCTS,
    Choices,
    MissingChoice,
    NotOffered,
    NotPublished,
    Premium,
    PricingError,
    quote,
)


def table_in_force(product: str, on: dt.date):
    from kyosai.models import RateTable

    table = (
        RateTable.objects.in_force(on)
        .filter(product=product)
        .prefetch_related("rates")
        .order_by("-valid_from")
        .first()
    )
    if table is None:
        raise NotPublished("この日に適用される掛金表がありません。担当者にお問い合わせください。")
    return table


def premium(
    product: str,
    *,
    age: int | None = None,
    sex: str | None = None,
    plan: str | None = None,
    job_class: int | None = None,
    benefit: int | None = None,
    daily: int | None = None,
    payment: str | None = None,
    on: dt.date | None = None,
) -> Premium:
    if product not in PRODUCTS:
        raise NotOffered("この共済は取り扱っていません。")
    on = on or timezone.localdate()
    table = table_in_force(product, on)
    return quote(
        table.as_pure(),
        Choices(
            age=age,
            sex=sex or "",
            plan=plan or "",
            job_class=job_class,
            benefit=benefit,
            daily=daily,
            payment=payment or "",
        ),
    )
