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


# --- Pages ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_index_shows_both_rosai_products_with_who_joins_which(client):
    from django.urls import reverse

    body = client.get(reverse("kyosai:index")).content.decode()
    assert "労災保険特別加入（特定フリーランス）" in body and "労災保険特別加入（建設の一人親方）" in body
    # who joins which, then the construction table, then the freelance one beside it
    assert (
        body.index("どちらに入る")
        < body.index('id="product-rosai"')
        < body.index('id="product-rosai_freelance"')
    )
    for daily in DAILIES:
        cells = f'<td class="nowrap">{daily:,}円</td><td class="nowrap">{expected_annual(daily):,}円</td>'
        assert cells in body
    assert (
        '<td class="nowrap">3,832円</td><td class="nowrap">2,800円</td>' in body
    )  # 休業給付 80% (FACTS.md §2)
    for text in [
        "4日目から",
        "60％",
        "20％",
        "休業の最初の3日間",
        "仕事と関係のない病気",
        "加入する前の事故",
    ]:
        assert text in body
    assert "rousai.mints.ne.jp/kyuugyou.html" in body and "freelance-hoken.jp/faq/" in body
    assert "jtuc-freelance-rousai.org/jujitorosai.html" in body
    # 連合センター fees are ⚠ in FACTS.md: never a figure.
    compare = body.split('id="rosai-compare"')[1].split("</section>")[0]
    assert "円" not in compare
    assert "入会金" in body and "センターが確認のうえご案内します" in body


@pytest.mark.django_db
@pytest.mark.parametrize("daily", DAILIES)
def test_simulator_prices_every_freelance_cell(client, daily):
    from django.urls import reverse

    body = client.get(reverse("kyosai:simulator"), {"rosai_freelance_daily": daily}).content.decode()
    assert f"年額 <strong>{expected_annual(daily):,}円</strong>" in body
    assert "入会金・会費は別" in body


@pytest.mark.django_db
def test_simulator_refuses_an_unpublished_amount_and_both_rosai(client):
    from django.urls import reverse

    url = reverse("kyosai:simulator")
    assert "正しく選択してください" in client.get(url, {"rosai_freelance_daily": 11000}).content.decode()
    body = client.get(url, {"rosai_freelance_daily": 8000, "rosai_daily": 8000}).content.decode()
    assert "どちらか一つ" in body


# --- The wizard ----------------------------------------------------------------------
def _walk_to_details(client):
    from django.urls import reverse

    client.post(reverse("kyosai:apply"))
    client.post(reverse("kyosai:apply-club"), {"join": "on"})
    response = client.post(reverse("kyosai:apply-options"), {"rosai_freelance_daily": 8000})
    assert response.status_code == 302, response.content.decode()


DETAILS = {"full_name": "山田 太郎", "birth_date": "1988-04-01", "sex": "male"}
ELIGIBLE = {"qrf_b2b": "yes", "qrf_staff": "no", "qrf_other": "no"}


@pytest.mark.django_db
def test_wizard_enrols_an_eligible_freelancer(member_client, member, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from kyosai import services
    from kyosai.models import Application, Enrolment
    from tests.kyosai.factories import NOW

    _walk_to_details(member_client)
    page = member_client.get(reverse("kyosai:apply-details")).content.decode()
    assert "企業などの事業者から業務委託を受けて仕事をしていますか" in page
    response = member_client.post(reverse("kyosai:apply-details"), {**DETAILS, **ELIGIBLE})
    assert response.url == reverse("kyosai:apply-documents")
    page = member_client.get(reverse("kyosai:apply-documents")).content.decode()
    assert "事業者から業務委託を受けていることがわかる書類" in page and "業務委託契約書" in page
    member_client.post(
        reverse("kyosai:apply-documents"),
        {
            "identity": SimpleUploadedFile("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
            "work_proof": SimpleUploadedFile("order.pdf", b"%PDF-1.7\n" + b"0" * 100),
        },
    )
    page = member_client.get(reverse("kyosai:apply-review")).content.decode()
    assert "年額 8,760円" in page
    application = Application.objects.get(status="draft")
    member_client.post(reverse("kyosai:apply-review"), {"application": application.pk, "consent": "on"})
    enrolment = Enrolment.objects.get(product="rosai_freelance")
    assert (enrolment.status, enrolment.annual, enrolment.monthly, enrolment.daily) == (
        "submitted",
        8760,
        None,
        8000,
    )
    answers = {a["id"]: a["answer"] for a in Application.objects.get(pk=application.pk).answers}
    assert answers == {"rf_b2b": "yes", "rf_staff": "no", "rf_other": "no"}
    policy = services.application_approve(application=application, actor=staff, now=NOW)
    assert policy.covers.get(product="rosai_freelance").choice_label == "給付基礎日額8,000円"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"qrf_b2b": "no"}, "qrf_b2b", "事業者から業務委託を受けて働く方が対象です"),
        ({"qrf_staff": "yes"}, "qrf_staff", "1年に100日以上労働者を雇う方は"),
        ({"qrf_other": "yes"}, "qrf_other", "その区分で特別加入します"),
        ({"qrf_b2b": ""}, "qrf_b2b", "「はい」か「いいえ」を選んでください"),
    ],
)
def test_wizard_refuses_the_ineligible_in_japanese_and_saves_nothing(member_client, answers, field, message):
    from django.urls import reverse

    from kyosai import eligibility
    from kyosai.models import Application

    _walk_to_details(member_client)
    response = member_client.post(reverse("kyosai:apply-details"), {**DETAILS, **ELIGIBLE, **answers})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    # the error sits under its own question's field (house field template, DADS)
    question = next(q for q in eligibility.QUESTIONS if f"q{q.code}" == field)
    assert body.index(question.text) < body.index(f'name="{field}"') < body.index(message)
    application = Application.objects.get(status="draft")
    assert (
        application.step == "details" and application.answers == [] and application.full_name == "山田 太郎"
    )


@pytest.mark.django_db
def test_service_checks_eligibility_too(member):
    from django.core.exceptions import ValidationError

    from kyosai import eligibility, services
    from tests.kyosai.factories import NOW

    application = services.application_draft(user=member, now=NOW)
    services.application_set_products(
        application=application, selection={"club": {}, "rosai_freelance": {"daily": 5000}}, now=NOW
    )
    kwargs = {
        "application": application,
        "full_name": "山田 太郎",
        "sex": "male",
        "beneficiary": "",
        "now": NOW,
    }
    with pytest.raises(ValidationError, match="加入条件の質問にお答えください"):
        services.application_set_details(birth_date=dt.date(1988, 4, 1), answers=[], **kwargs)
    wrong = [eligibility.answer(q, "yes") for q in eligibility.QUESTIONS]
    with pytest.raises(ValidationError, match="1年に100日以上"):
        services.application_set_details(birth_date=dt.date(1988, 4, 1), answers=wrong, **kwargs)
    application.refresh_from_db()
    assert application.answers == [] and application.step == "details"


@pytest.mark.django_db
def test_cannot_hold_both_rosai_products(member, staff):
    from django.core.exceptions import ValidationError

    from kyosai import services
    from tests.kyosai.factories import NOW, approved_policy

    approved_policy(member, {"club": {}, "rosai": {"daily": 5000}}, staff=staff)
    application = services.application_draft(user=member, now=NOW)
    with pytest.raises(ValidationError, match="どちらか一つ"):
        services.application_set_products(
            application=application, selection={"rosai_freelance": {"daily": 5000}}, now=NOW
        )
