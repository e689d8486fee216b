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
