"""Defects new users hit (issue 12, section 3): each test failed before its fix."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kyosai import services
from kyosai.models import Application, Enrolment
from tests.kyosai.factories import NOW, submitted_application

pytestmark = pytest.mark.django_db


# --- Club step while the club application is under review ------------------------------
def test_member_whose_club_is_under_review_can_add_options(client, member):
    submitted_application(member, {"club": {}})
    client.force_login(member)
    start = client.post(reverse("kyosai:apply"))
    # The club step (a server error before) now steps aside: the member has applied.
    response = client.post(reverse("kyosai:apply-club"), {"join": "on"})
    assert response.status_code == 302
    assert client.get(start.url).url == reverse("kyosai:apply-options")
    page = client.get(reverse("kyosai:apply-options")).content.decode()
    assert "クラブのお申込みは審査中です" in page and "クラブ</li>" not in page
    assert client.post(reverse("kyosai:apply-options"), {"liability": "on"}).status_code == 302
    assert Application.objects.get(status="draft").product_codes() == ["liability"]


def test_options_wait_for_the_club_to_be_approved(member, staff):
    club_application = submitted_application(member, {"club": {}})
    options = submitted_application(member, {"liability": {}})
    with pytest.raises(ValidationError, match="先にクラブの申込みを審査"):
        services.application_approve(application=options, actor=staff, now=NOW)
    services.application_approve(application=club_application, actor=staff, now=NOW)
    services.application_approve(application=options, actor=staff, now=NOW)
    assert set(Enrolment.objects.held().values_list("product", flat=True)) == {"club", "liability"}


def test_queryset_names_each_meaning(member, staff):
    application = submitted_application(member, {"club": {}, "liability": {}})
    assert services.has_club(member) and not services.in_club(member)
    assert not services.has_club(member, besides=application)
    services.application_approve(application=application, actor=staff, now=NOW)
    assert services.in_club(member)
    assert Enrolment.objects.clubs().held().count() == 1
    assert Enrolment.objects.held().count() == Enrolment.objects.active().count() == 2


# --- One status rule: verify page heading, its rows and the certificate ------------------
@pytest.fixture
def future_policy(member, staff, django_capture_on_commit_callbacks):
    """Approved on 20 November: cover starts on 1 December."""
    from tests.kyosai.factories import approved_policy

    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, {"club": {}, "liability": {}}, staff=staff)
    policy.refresh_from_db()
    return policy


def test_verify_page_heading_and_rows_agree_before_cover_starts(client, future_policy, settings):
    import datetime as dt

    from django.utils import timezone

    start = future_policy.cover_start
    body = client.get(reverse("kyosai:verify", args=[future_policy.verify_token])).content.decode()
    if timezone.localdate() < start:
        assert "保障開始前" in body and "加入中" not in body
    future_policy.covers.update(cover_start=dt.date(2030, 1, 1), cover_end=dt.date(2030, 12, 31))
    body = client.get(reverse("kyosai:verify", args=[future_policy.verify_token])).content.decode()
    assert body.count("保障開始前") == 3 and "加入中" not in body  # heading + two rows
    future_policy.covers.update(cover_start=dt.date(2020, 1, 1))
    body = client.get(reverse("kyosai:verify", args=[future_policy.verify_token])).content.decode()
    assert "有効" in body and body.count("加入中") == 2


def test_status_rule_cells():
    import datetime as dt

    from kyosai.premiums import cover_state, policy_state

    start, end = dt.date(2026, 12, 1), dt.date(2027, 11, 30)
    assert cover_state(status="approved", start=start, end=end, day=dt.date(2026, 11, 30)) == "not_started"
    assert cover_state(status="approved", start=start, end=end, day=start) == "valid"
    assert cover_state(status="cancel_requested", start=start, end=end, day=end) == "valid"
    assert cover_state(status="approved", start=start, end=end, day=dt.date(2027, 12, 1)) == "expired"
    assert cover_state(status="cancelled", start=start, end=end, day=start) == "cancelled"
    assert cover_state(status="lapsed", start=start, end=end, day=start) == "lapsed"
    assert policy_state(["expired", "not_started"]) == "not_started"
    assert policy_state(["lapsed", "lapsed"]) == "lapsed"


def _certificate(policy, now):
    from kyosai.services import certificate_context

    covers = list(policy.covers.all())
    return certificate_context(policy=policy, covers=covers, now=now)


def test_certificate_prints_the_state_on_its_issue_day(future_policy):
    import io

    from pypdf import PdfReader

    from worq.lib.pdf import render_pdf

    data = render_pdf(template="pdf/kyosai_certificate.html", context=_certificate(future_policy, NOW))
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "保障開始前" in text and "加入中" not in text


def test_certificate_rules_stay_clear_of_the_qr_code(future_policy):
    """No row's rule runs under the QR code or its caption (laid out by WeasyPrint itself)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from worq.lib.pdf import font_url

    html = render_to_string(
        "pdf/kyosai_certificate.html", {"font_url": font_url(), **_certificate(future_policy, NOW)}
    )
    page = HTML(string=html).render().pages[0]

    def boxes(box):
        yield box
        for child in getattr(box, "children", []):
            yield from boxes(child)

    def with_class(name):
        return [
            b
            for b in boxes(page._page_box)
            if getattr(b, "element", None) is not None
            and name in (b.element.get("class") or "").split()
            and b.element_tag == "div"
        ]

    qr = with_class("qr")[0]  # the outermost box of the QR column
    qr_left, qr_bottom = qr.position_x, qr.position_y + qr.margin_height()
    rows = with_class("row")
    assert rows
    for row in rows:
        right = row.position_x + row.margin_width() - row.margin_right
        if row.position_y < qr_bottom:
            assert right <= qr_left, "a rule runs under the QR code"


# --- The wizard: options already held, step headings ------------------------------------
def test_options_step_marks_held_options_and_does_not_offer_them(client, member, staff):
    from tests.kyosai.factories import approved_policy

    approved_policy(member, {"club": {}, "life": {"plan": "B"}}, staff=staff)
    submitted_application(member, {"liability": {}})
    client.force_login(member)
    client.post(reverse("kyosai:apply"))
    page = client.get(reverse("kyosai:apply-options")).content.decode()
    held = page.split('id="held-heading"')[1].split("</section>")[0]
    assert "オプション1 団体生命共済" in held and "加入中" in held and "Bプラン" in held
    assert "オプション3 賠償補償制度" in held and "審査中" in held
    assert 'name="life_plan"' not in page and 'name="liability"' not in page
    assert 'name="income_benefit"' in page
    client.post(
        reverse("kyosai:apply-options"), {"life_plan": "A", "income_benefit": 100000, "income_job_class": 1}
    )
    assert Application.objects.get(status="draft").product_codes() == ["income"]


@pytest.mark.parametrize("club_first", [True, False])
def test_step_headings_match_the_step_chips(client, member, staff, club_first):
    import re

    from tests.kyosai.factories import approved_policy

    if not club_first:
        approved_policy(member, {"club": {}}, staff=staff)
    client.force_login(member)
    client.post(reverse("kyosai:apply"))
    if club_first:
        client.post(reverse("kyosai:apply-club"), {"join": "on"})
    client.post(reverse("kyosai:apply-options"), {"rosai_freelance_daily": 5000})
    client.post(
        reverse("kyosai:apply-details"),
        {
            "full_name": "山田 太郎",
            "birth_date": "1988-04-01",
            "sex": "male",
            "qrf_b2b": "yes",
            "qrf_staff": "no",
            "qrf_other": "no",
        },
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("kyosai:apply-documents"),
        {
            "identity": SimpleUploadedFile("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
            "work_proof": SimpleUploadedFile("order.pdf", b"%PDF-1.7\n" + b"0" * 100),
        },
    )
    names = ["options", "details", "documents", "review"]
    if club_first:
        names.insert(0, "club")
    for number, name in enumerate(names, start=1):
        page = client.get(reverse(f"kyosai:apply-{name}")).content.decode()
        chip = re.search(r'aria-current="step" class="current">([^<]+)</li>', page)[1]
        heading = re.search(r'<h2 class="step-heading">([^<]+)</h2>', page)[1]
        assert chip.startswith(f"{number}. ") and heading.startswith(chip), (chip, heading)


# --- 総合医療共済: say before choosing; plans that fit ------------------------------------
def test_medical_says_before_choosing_that_other_ages_are_quoted(client, member):
    body = client.get(reverse("kyosai:simulator")).content.decode()
    assert "40歳・男性・入院日額5,000円」の例だけです" in body and "見積依頼" in body
    client.force_login(member)  # born 1988: not 40 on the cover start
    client.post(reverse("kyosai:apply"))
    client.post(reverse("kyosai:apply-club"), {"join": "on"})
    page = client.get(reverse("kyosai:apply-options")).content.decode()
    assert "の方の掛金は公表されていないため、先に見積依頼をお願いします" in page


def test_plan_c_at_61_suggests_the_plans_that_fit(client):
    body = client.get(
        reverse("kyosai:simulator"), {"age": 62, "sex": "male", "life_plan": "C"}
    ).content.decode()
    assert "Cプランは60歳までの方が対象です。A・Bプランなら、62歳でもお申し込みいただけます。" in body


# --- Sources by title and date; the quote request does not ask again -----------------------
@pytest.mark.parametrize("name", ["kyosai:index", "kyosai:simulator"])
def test_public_pages_cite_documents_not_file_names(client, name):
    import re

    body = client.get(reverse(name)).content.decode()
    assert not re.search(r"\d{3}_[0-9a-f]{16}\.txt", body)
    if name == "kyosai:index":
        assert "「Wor-Q コンセプト資料（2021年）」" in body


def test_quote_request_uses_the_age_and_sex_the_member_gave(client, member):
    from kyosai.models import QuoteRequest

    client.force_login(member)  # membership: born 1988-04-01 (factory), male
    page = client.get(reverse("kyosai:quote-request")).content.decode()
    assert 'name="age"' not in page and 'name="sex"' not in page
    assert "歳</dd>" in page and "男性" in page
    response = client.post(reverse("kyosai:quote-request"), {"payment": "whole_life", "daily": 5000})
    assert response.status_code == 302
    request = QuoteRequest.objects.get()
    assert request.sex == "male" and 30 < request.age < 50


def test_quote_request_asks_when_the_member_gave_nothing(client, member):
    member.membership.birth_date = None
    member.membership.save()
    client.force_login(member)
    page = client.get(reverse("kyosai:quote-request")).content.decode()
    assert 'name="age"' in page and 'name="sex"' in page


# --- Options bought mid-year end with the club year and renew with it -----------------------
def test_mid_year_options_end_with_the_club_year_and_renew_with_it(client, member, staff):
    import datetime as dt

    from django.utils import timezone

    from kyosai.models import ClubYear
    from tests.kyosai.factories import approved_policy

    approved_policy(member, {"club": {}}, staff=staff)  # club 2026-12-01 … 2027-11-30
    club_year = ClubYear.objects.get()
    services.club_year_mark_paid(club_year=club_year, actor=staff, now=NOW)
    march = timezone.make_aware(dt.datetime(2027, 3, 10, 10, 0))
    options = submitted_application(member, {"liability": {}}, now=march)
    client.force_login(member)
    policy = services.application_approve(application=options, actor=staff, now=march)
    option = policy.covers.get()
    assert (option.cover_start, option.cover_end) == (dt.date(2027, 4, 1), dt.date(2027, 11, 30))
    # The club renews on 1 December: the option goes on with it.
    services.club_renewals_run(now=timezone.make_aware(dt.datetime(2027, 12, 1, 6, 0)))
    option.refresh_from_db()
    assert option.cover_end == dt.date(2028, 11, 30)


def test_review_says_how_options_renew(client, member, staff):
    from tests.kyosai.factories import approved_policy

    approved_policy(member, {"club": {}}, staff=staff)
    client.force_login(member)
    client.post(reverse("kyosai:apply"))
    client.post(reverse("kyosai:apply-options"), {"liability": "on"})
    client.post(
        reverse("kyosai:apply-details"), {"full_name": "山田 太郎", "birth_date": "1988-04-01", "sex": "male"}
    )
    page = client.get(reverse("kyosai:apply-review")).content.decode()
    assert "クラブの年度末（2027年11月30日）" in page
    assert "クラブの更新とともに1年ずつ続きます" in page


def test_aligned_cover_end_cells():
    import datetime as dt

    from kyosai.premiums import aligned_cover_end

    club_end = dt.date(2027, 11, 30)
    assert aligned_cover_end(dt.date(2027, 4, 1), club_end) == club_end
    assert aligned_cover_end(dt.date(2027, 11, 30), club_end) == club_end
    assert aligned_cover_end(dt.date(2027, 12, 1), club_end) == dt.date(2028, 11, 30)
