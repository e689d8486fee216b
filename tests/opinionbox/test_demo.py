import io

import pytest
from django.core import mail
from django.urls import reverse

from members import demo as members_demo
from opinionbox import demo
from opinionbox.models import Event, Opinion, Result, Support, Tag, Theme, ThemeUpdate

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Theme, Opinion, Support, Tag, Result, ThemeUpdate, Event)]


def test_demo_loads_once_and_shows_results(client, django_capture_on_commit_callbacks):
    members_demo.load(stdout=io.StringIO())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=io.StringIO())
    first = _counts()
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=io.StringIO())
    assert _counts() == first and len(mail.outbox) == sent

    done = Theme.objects.get(title=demo.CONTRACT_THEME["title"])
    assert done.has_published_result()
    authors = set(done.opinions.values_list("author__email", flat=True))
    assert authors == {"sakura@example.jp", "kenta@example.jp", "mika@example.jp", "guest@example.jp"}
    assert not done.opinions.filter(publication="private", is_published=True).exists()
    html = client.get(reverse("opinionbox:theme-results", args=[done.pk])).content.decode()
    assert 'role="img"' in html and "ベビーシッターの仕事で" in html

    assert Theme.objects.get(title=demo.OPEN_THEME["title"]).status == Theme.Status.OPEN
    assert "仕事中のけがや病気への備え" in client.get(reverse("opinionbox:index")).content.decode()
