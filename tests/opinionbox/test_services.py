import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from opinionbox import services
from opinionbox.models import Event, Opinion, Support, Theme
from opinionbox.tasks import notify_result, update_theme_statuses
from tests.factories import MembershipFactory, UserFactory
from tests.opinionbox.factories import OpinionFactory, ResultFactory, TagFactory, ThemeFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
TODAY = timezone.localdate(NOW)
DATA = {
    "text": "契約書がもらえません。",
    "occupation": "配送・デリバリー・貨物",
    "work_style": "業務委託",
    "publication": "anonymous",
    "wants_result_email": True,
}


def _theme(**kwargs):
    defaults = {"opens_on": TODAY - dt.timedelta(days=1), "closes_on": TODAY + dt.timedelta(days=1)}
    return ThemeFactory(**{**defaults, **kwargs})


# --- Theme status ---------------------------------------------------------------
def test_daily_update_opens_and_closes_on_dates_and_is_idempotent():
    starting = _theme(status=Theme.Status.SCHEDULED, opens_on=TODAY)
    future = _theme(
        status=Theme.Status.SCHEDULED,
        opens_on=TODAY + dt.timedelta(days=1),
        closes_on=TODAY + dt.timedelta(days=5),
    )
    ending = _theme(
        status=Theme.Status.OPEN,
        opens_on=TODAY - dt.timedelta(days=9),
        closes_on=TODAY - dt.timedelta(days=1),
    )
    last_day = _theme(status=Theme.Status.OPEN, closes_on=TODAY)
    published = _theme(
        status=Theme.Status.RESULTS,
        opens_on=TODAY - dt.timedelta(days=30),
        closes_on=TODAY - dt.timedelta(days=20),
    )

    assert services.theme_statuses_update(now=NOW) == {"opened": 1, "closed": 1}
    assert services.theme_statuses_update(now=NOW) == {"opened": 0, "closed": 0}

    statuses = {t.pk: t.status for t in Theme.objects.all()}
    assert statuses == {
        starting.pk: "open",
        future.pk: "scheduled",
        ending.pk: "counting",
        last_day.pk: "open",
        published.pk: "results",
    }
    assert Event.objects.filter(action="theme_opened").count() == 1
    assert Event.objects.filter(action="theme_closed").count() == 1


def test_beat_task_runs_twice_safely():
    theme = ThemeFactory(status=Theme.Status.SCHEDULED, opens_on=timezone.localdate())
    assert update_theme_statuses.delay().get() == {"opened": 1, "closed": 0}
    assert update_theme_statuses.delay().get() == {"opened": 0, "closed": 0}
    theme.refresh_from_db()
    assert theme.status == Theme.Status.OPEN


# --- Sending an opinion ------------------------------------------------------------
def test_submit_saves_opinion():
    theme, user = _theme(), UserFactory()
    opinion = services.opinion_submit(theme=theme, author=user, data=DATA, now=NOW)
    assert opinion.text == DATA["text"] and opinion.status == Opinion.Status.UNREAD
    assert opinion.wants_result_email and not opinion.is_published


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": Theme.Status.COUNTING}, "受付は終了しました"),
        (
            {
                "status": Theme.Status.OPEN,
                "opens_on": TODAY - dt.timedelta(days=9),
                "closes_on": TODAY - dt.timedelta(days=1),
            },
            "受付は終了しました",
        ),
        (
            {
                "status": Theme.Status.SCHEDULED,
                "opens_on": TODAY + dt.timedelta(days=2),
                "closes_on": TODAY + dt.timedelta(days=9),
            },
            "から始まります",
        ),
    ],
)
def test_submit_to_closed_or_future_theme_is_refused(kwargs, message):
    theme = _theme(**kwargs)
    with pytest.raises(ValidationError) as exc:
        services.opinion_submit(theme=theme, author=UserFactory(), data=DATA, now=NOW)
    assert message in exc.value.messages[0]
    assert not Opinion.objects.exists()


def test_theme_opening_today_accepts_before_the_beat_runs():
    theme = _theme(status=Theme.Status.SCHEDULED, opens_on=TODAY)
    services.opinion_submit(theme=theme, author=UserFactory(), data=DATA, now=NOW)
    assert Opinion.objects.count() == 1


def test_identical_resend_within_a_minute_is_refused_but_later_or_different_is_fine():
    theme, user = _theme(), UserFactory()
    services.opinion_submit(theme=theme, author=user, data=DATA, now=NOW)
    with pytest.raises(ValidationError, match="1分以内"):
        services.opinion_submit(theme=theme, author=user, data=DATA, now=NOW + dt.timedelta(seconds=30))
    services.opinion_submit(
        theme=theme, author=user, data={**DATA, "text": "もう一つ。"}, now=NOW + dt.timedelta(seconds=40)
    )
    services.opinion_submit(theme=theme, author=user, data=DATA, now=NOW + dt.timedelta(minutes=2))
    # someone else may say the same thing
    services.opinion_submit(theme=theme, author=UserFactory(), data=DATA, now=NOW)
    assert Opinion.objects.count() == 4


def test_initial_values_come_from_membership():
    member = MembershipFactory(occupation="建設・一人親方", work_styles=["請負", "副業・兼業"]).user
    assert services.opinion_initial(user=member) == {"occupation": "建設・一人親方", "work_style": "請負"}
    assert services.opinion_initial(user=UserFactory()) == {}


# --- 共感 ------------------------------------------------------------------------
def test_support_is_once_per_person_and_toggles():
    opinion = OpinionFactory(is_published=True)
    user = UserFactory()
    assert services.support_set(opinion=opinion, user=user, supported=True, now=NOW)
    assert not services.support_set(opinion=opinion, user=user, supported=True, now=NOW)
    assert Support.objects.filter(opinion=opinion).count() == 1
    assert services.support_set(opinion=opinion, user=user, supported=False, now=NOW)
    assert not Support.objects.exists()


def test_database_refuses_a_second_support():
    opinion, user = OpinionFactory(is_published=True), UserFactory()
    Support.objects.create(opinion=opinion, user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(opinion=opinion, user=user)


def test_support_on_unpublished_opinion_is_refused():
    with pytest.raises(ValidationError):
        services.support_set(opinion=OpinionFactory(), user=UserFactory(), supported=True, now=NOW)


# --- Triage and publication -----------------------------------------------------
def test_triage_records_status_tags_note_and_publication_with_audit():
    opinion, staff = OpinionFactory(), UserFactory(is_staff=True)
    tag = TagFactory(name="報酬")
    services.opinion_triage(
        opinion=opinion,
        actor=staff,
        status="considering",
        staff_note="要確認",
        tags=[tag],
        is_published=True,
        now=NOW,
    )
    opinion.refresh_from_db()
    assert opinion.status == "considering" and opinion.staff_note == "要確認"
    assert list(opinion.tags.all()) == [tag]
    assert opinion.is_published and opinion.published_at == NOW
    assert set(Event.objects.filter(opinion=opinion).values_list("action", flat=True)) == {
        "triaged",
        "published",
    }


def test_private_opinion_cannot_be_published_by_service_or_database():
    opinion = OpinionFactory(publication=Opinion.Publication.PRIVATE)
    with pytest.raises(ValidationError, match="公開しない"):
        services.opinion_set_published(opinion=opinion, actor=None, published=True, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opinion.objects.filter(pk=opinion.pk).update(is_published=True)
    opinion.refresh_from_db()
    assert not opinion.is_published


# --- Results and the e-mail ---------------------------------------------------------
def _closed_theme_with_result():
    theme = _theme(
        status=Theme.Status.COUNTING,
        opens_on=TODAY - dt.timedelta(days=9),
        closes_on=TODAY - dt.timedelta(days=1),
    )
    ResultFactory(theme=theme)
    return theme


def test_result_publish_emails_each_asker_once(django_capture_on_commit_callbacks):
    theme = _closed_theme_with_result()
    asker = UserFactory(email="asker@example.jp")
    OpinionFactory.create_batch(2, theme=theme, author=asker, wants_result_email=True)
    OpinionFactory(theme=theme, wants_result_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.result_publish(theme=theme, actor=None, now=NOW)
    assert [m.to for m in mail.outbox] == [["asker@example.jp"]]
    assert theme.title in mail.outbox[0].subject
    assert f"/opinionbox/themes/{theme.pk}/results/" in mail.outbox[0].body
    assert Opinion.objects.filter(author=asker, notified_at__isnull=False).count() == 2

    # re-running the task, or publishing again, sends nobody twice
    assert notify_result.delay(theme.pk).get() == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.result_publish(theme=theme, actor=None, now=NOW)
    assert len(mail.outbox) == 1


def test_notify_skips_people_who_deleted_their_account(django_capture_on_commit_callbacks):
    theme = _closed_theme_with_result()
    gone = UserFactory(is_active=False)
    OpinionFactory(theme=theme, author=gone, wants_result_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.result_publish(theme=theme, actor=None, now=NOW)
    assert mail.outbox == []


def test_failed_send_releases_the_claim_for_a_retry(monkeypatch):
    theme = _closed_theme_with_result()
    services.result_publish(theme=theme, actor=None, now=NOW)
    opinion = OpinionFactory(theme=theme, wants_result_email=True)

    def broken(**kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(services, "send_templated_email", broken)
    with pytest.raises(ConnectionError):
        services.result_notify(theme=theme, now=NOW)
    opinion.refresh_from_db()
    assert opinion.notified_at is None


def test_result_cannot_be_published_without_text_or_while_open():
    open_theme = _theme()
    ResultFactory(theme=open_theme)
    with pytest.raises(ValidationError, match="受付中"):
        services.result_publish(theme=open_theme, actor=None, now=NOW)
    with pytest.raises(ValidationError, match="先に結果"):
        services.result_publish(
            theme=_theme(
                status=Theme.Status.COUNTING,
                closes_on=TODAY - dt.timedelta(days=1),
                opens_on=TODAY - dt.timedelta(days=3),
            ),
            actor=None,
            now=NOW,
        )


def test_charts_count_every_opinion_by_occupation_work_style_and_tag():
    theme = _theme()
    tag = TagFactory(name="書面がない")
    OpinionFactory(theme=theme, occupation="配送・デリバリー・貨物", work_style="業務委託").tags.add(tag)
    OpinionFactory(theme=theme, occupation="配送・デリバリー・貨物", work_style="", publication="private")
    OpinionFactory(theme=ThemeFactory())  # another theme: not counted
    occupation, style, tags = services.theme_charts(theme=theme)
    assert dict((b.label, b.count) for b in occupation.bars)["配送・デリバリー・貨物"] == 2
    assert occupation.total == 2
    assert dict((b.label, b.count) for b in style.bars) == {
        "業務委託": 1,
        "請負": 0,
        "副業・兼業": 0,
        "フリーランス": 0,
        "プラットフォームワーク": 0,
        "その他": 0,
        "回答なし": 1,
    }
    assert [(b.label, b.count) for b in tags.bars] == [("書面がない", 1)]


# --- CSV ------------------------------------------------------------------------------
def test_csv_has_no_email_or_name_and_nickname_only_when_chosen():
    import csv
    import io

    theme = _theme()
    named = UserFactory(email="named@example.jp", nickname="なまえあり")
    MembershipFactory(user=named, full_name="本名 太郎")
    hidden = UserFactory(email="hidden@example.jp", nickname="かくれた")
    OpinionFactory(theme=theme, author=named, publication="nickname", text="=SUM(A1)")
    OpinionFactory(theme=theme, author=hidden, publication="anonymous")
    OpinionFactory(theme=theme, author=hidden, publication="private")
    body = services.opinions_csv(themes=[theme], actor=None, now=NOW)
    assert "@example.jp" not in body and "本名" not in body and "かくれた" not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 3
    assert [r["ニックネーム"] for r in rows] == ["なまえあり", "", ""]
    assert rows[0]["ご意見"] == "'=SUM(A1)"
    assert Event.objects.filter(action="exported", theme=theme).count() == 1


# --- Account hooks ------------------------------------------------------------------
def test_export_and_deletion_handler():
    from members import services as member_services

    user = UserFactory()
    kept = OpinionFactory(author=user, publication="nickname", is_published=True)
    OpinionFactory(author=user, text="まだ非公開")
    Support.objects.create(opinion=OpinionFactory(is_published=True), user=user)
    data = member_services.account_export(user=user)
    assert {o["text"] for o in data["opinion_box"]} == {kept.text, "まだ非公開"}
    assert len(data["opinion_box_supports"]) == 1

    member_services.account_delete(user=user, now=NOW)
    kept.refresh_from_db()
    assert kept.author is None and kept.publication == "anonymous" and kept.public_name == "匿名"
    assert not Opinion.objects.filter(text="まだ非公開").exists()
    assert not Support.objects.filter(user=user).exists()
