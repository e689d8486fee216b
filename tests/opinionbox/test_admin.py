import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from opinionbox.models import Event, Opinion, Theme
from tests.factories import make_staff
from tests.opinionbox.factories import OpinionFactory, ResultFactory, TagFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("編集", email="editor@example.jp", nickname="へんしゅう"))
    return client


def _change_url(opinion):
    return reverse("admin:opinionbox_opinion_change", args=[opinion.pk])


def test_editor_triages_an_opinion_with_audit(editor_client, django_assert_max_num_queries):
    opinion = OpinionFactory(author__email="author@example.jp", author__nickname="かいたひと")
    OpinionFactory.create_batch(10, theme=opinion.theme)
    tag = TagFactory(name="報酬・支払い条件")
    with django_assert_max_num_queries(15):
        listing = editor_client.get(reverse("admin:opinionbox_opinion_changelist"))
    assert listing.status_code == 200
    page = editor_client.get(_change_url(opinion)).content.decode()
    assert opinion.text in page
    assert "author@example.jp" not in page and "かいたひと" not in page  # staff never see who
    response = editor_client.post(
        _change_url(opinion),
        {
            "status": "considering",
            "tags": [tag.pk],
            "staff_note": "次号の記事で扱う",
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.status == "considering" and opinion.is_published
    assert list(opinion.tags.all()) == [tag] and opinion.staff_note == "次号の記事で扱う"
    assert set(Event.objects.values_list("action", flat=True)) == {"triaged", "published"}


def test_admin_refuses_to_publish_a_private_opinion(editor_client):
    opinion = OpinionFactory(publication=Opinion.Publication.PRIVATE)
    response = editor_client.post(_change_url(opinion), {"status": "checked", "is_published": "on"})
    assert response.status_code == 200
    assert "「公開しない」を選んでいるため、掲載できません" in response.content.decode()
    opinion.refresh_from_db()
    assert not opinion.is_published and opinion.status == "unread"


def test_publish_action_skips_private_opinions(editor_client):
    allowed = OpinionFactory()
    private = OpinionFactory(theme=allowed.theme, publication=Opinion.Publication.PRIVATE)
    response = editor_client.post(
        reverse("admin:opinionbox_opinion_changelist"),
        {"action": "publish", "_selected_action": [allowed.pk, private.pk]},
        follow=True,
    )
    assert "1件は作者が「公開しない」" in response.content.decode()
    assert list(Opinion.objects.published()) == [allowed]


def test_csv_export_action(editor_client):
    theme = ThemeFactory(title="契約のテーマ")
    OpinionFactory(theme=theme, author__email="secret@example.jp", text="書面がない")
    response = editor_client.post(
        reverse("admin:opinionbox_theme_changelist"), {"action": "export_csv", "_selected_action": [theme.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "書面がない" in body and "契約のテーマ" in body and "secret@example.jp" not in body


def test_publish_result_action_emails_once(editor_client, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    theme = ThemeFactory(
        status=Theme.Status.COUNTING,
        opens_on=today - dt.timedelta(days=9),
        closes_on=today - dt.timedelta(days=1),
    )
    ResultFactory(theme=theme)
    OpinionFactory(theme=theme, wants_result_email=True, author__email="hear@example.jp")
    url = reverse("admin:opinionbox_theme_changelist")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            editor_client.post(url, {"action": "publish_result", "_selected_action": [theme.pk]})
    theme.refresh_from_db()
    assert theme.status == Theme.Status.RESULTS
    assert [m.to for m in mail.outbox] == [["hear@example.jp"]]


def test_theme_form_cannot_jump_to_results_without_the_action(editor_client):
    theme = ThemeFactory(status=Theme.Status.COUNTING)
    response = editor_client.post(
        reverse("admin:opinionbox_theme_change", args=[theme.pk]),
        {
            "title": theme.title,
            "description": "説明",
            "why_we_ask": "理由",
            "opens_on": theme.opens_on.isoformat(),
            "closes_on": theme.closes_on.isoformat(),
            "status": "results",
            "result-TOTAL_FORMS": "0",
            "result-INITIAL_FORMS": "0",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and "結果を公開し" in response.content.decode()
    theme.refresh_from_db()
    assert theme.status == Theme.Status.COUNTING


def test_other_staff_groups_cannot_see_opinions(client):
    client.force_login(make_staff("モデレーター", email="mod@example.jp", nickname="もでれーた"))
    assert client.get(reverse("admin:opinionbox_opinion_changelist")).status_code == 403


def test_staff_cannot_add_opinions(editor_client):
    assert editor_client.get(reverse("admin:opinionbox_opinion_add")).status_code == 403


def test_closing_a_theme_early_is_audited(editor_client):
    theme = ThemeFactory(status=Theme.Status.OPEN)
    editor_client.post(
        reverse("admin:opinionbox_theme_change", args=[theme.pk]),
        {
            "title": theme.title,
            "description": "説明",
            "why_we_ask": "理由",
            "opens_on": theme.opens_on.isoformat(),
            "closes_on": theme.closes_on.isoformat(),
            "status": "counting",
            "result-TOTAL_FORMS": "0",
            "result-INITIAL_FORMS": "0",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    theme.refresh_from_db()
    assert theme.status == Theme.Status.COUNTING
    event = Event.objects.get(theme=theme)
    assert event.action == "status_changed" and event.note == "受付中 → 集計中"


def test_later_update_only_on_a_closed_theme(editor_client):
    theme = ThemeFactory(status=Theme.Status.OPEN)
    response = editor_client.post(
        reverse("admin:opinionbox_theme_change", args=[theme.pk]),
        {
            "title": theme.title,
            "description": "説明",
            "why_we_ask": "理由",
            "opens_on": theme.opens_on.isoformat(),
            "closes_on": theme.closes_on.isoformat(),
            "status": "open",
            "result-TOTAL_FORMS": "0",
            "result-INITIAL_FORMS": "0",
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "0",
            "updates-0-title": "その後",
            "updates-0-body": "本文",
            "updates-0-published_on": "2026-11-01",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "受付が終わったテーマにだけ" in response.content.decode()
    assert not theme.updates.exists()


def test_admin_status_action_triages_each_opinion_with_audit(editor_client):
    opinions = OpinionFactory.create_batch(2)
    response = editor_client.post(
        reverse("admin:opinionbox_opinion_changelist"),
        {"action": "mark_checked", "_selected_action": [o.pk for o in opinions]},
    )
    assert response.status_code == 302
    assert set(Opinion.objects.values_list("status", flat=True)) == {Opinion.Status.CHECKED}
    assert Event.objects.filter(action=Event.Action.TRIAGED).count() == 2
