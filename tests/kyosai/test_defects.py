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
