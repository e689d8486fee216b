"""Every state change in the Opinion Box goes through one of these functions."""

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from opinionbox.charts import BarChart, bar_chart
from opinionbox.models import Event, Opinion, Result, Support, Tag, Theme
from worq.lib.audit import record, record_many
from worq.lib.mail import send_templated_email
from worq.lib.outbox import outbox_add
from worq.lib.vocab import Occupation, WorkStyle

DUPLICATE_WINDOW = dt.timedelta(minutes=1)
NO_ANSWER = "回答なし"


# --- Themes ------------------------------------------------------------------
def theme_statuses_update(*, now: dt.datetime) -> dict[str, int]:
    """Open themes whose first day has come and close those whose last day has
    passed. Conditional UPDATEs: running it twice changes nothing the second time."""
    today = timezone.localdate(now)
    with transaction.atomic():
        # Rows are locked so a second worker running at the same time waits,
        # then finds nothing left to change and records nothing twice.
        to_open = list(
            Theme.objects.select_for_update()
            .filter(status=Theme.Status.SCHEDULED, opens_on__lte=today, closes_on__gte=today)
            .values_list("pk", flat=True)
        )
        opened = Theme.objects.filter(pk__in=to_open, status=Theme.Status.SCHEDULED).update(
            status=Theme.Status.OPEN, updated_at=now
        )
        to_close = list(
            Theme.objects.select_for_update()
            .filter(status__in=[Theme.Status.SCHEDULED, Theme.Status.OPEN], closes_on__lt=today)
            .values_list("pk", flat=True)
        )
        closed = Theme.objects.filter(
            pk__in=to_close, status__in=[Theme.Status.SCHEDULED, Theme.Status.OPEN]
        ).update(status=Theme.Status.COUNTING, updated_at=now)
        record_many(Event, [{"theme_id": pk} for pk in to_open], action=Event.Action.THEME_OPENED, now=now)
        record_many(Event, [{"theme_id": pk} for pk in to_close], action=Event.Action.THEME_CLOSED, now=now)
    return {"opened": opened, "closed": closed}


# --- Opinions ----------------------------------------------------------------
def opinion_initial(*, user) -> dict:
    """Occupation and main work style from the member profile, when there is one."""
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    if membership is None or membership.status == "withdrawn":
        return {}
    styles = [s for s in membership.work_styles if s in WorkStyle.values]
    return {"occupation": membership.occupation, "work_style": styles[0] if styles else ""}


def opinion_submit(*, theme: Theme, author, data: dict, now: dt.datetime) -> Opinion:
    """Save one opinion. ``data``: text, occupation, work_style, publication,
    wants_result_email. Raises ValidationError with a message for the person."""
    with transaction.atomic():
        # Serialise one person's sends so a double tap cannot slip past the
        # duplicate check below.
        get_user_model().objects.select_for_update().filter(pk=author.pk).first()
        theme = Theme.objects.get(pk=theme.pk)
        if not theme.accepts_opinions(timezone.localdate(now)):
            raise ValidationError(_closed_message(theme, timezone.localdate(now)))
        text = (data.get("text") or "").strip()
        recent = Opinion.objects.filter(
            theme=theme, author=author, created_at__gte=now - DUPLICATE_WINDOW
        ).values_list("text", flat=True)
        if text and text in recent:
            raise ValidationError(
                "同じ内容のご意見を、たった今受け取っています。二重に送られないよう、"
                "1分以内の同じ内容は受け付けていません。送ったご意見は「あなたが送った意見」で確認できます。",
                code="duplicate",
            )
        opinion = Opinion(
            theme=theme,
            author=author,
            text=text,
            occupation=data.get("occupation") or "",
            work_style=data.get("work_style") or "",
            publication=data.get("publication") or Opinion.Publication.ANONYMOUS,
            wants_result_email=bool(data.get("wants_result_email")),
            created_at=now,
        )
        opinion.full_clean()
        opinion.save()
    return opinion


def _closed_message(theme: Theme, today: dt.date) -> str:
    if today < theme.opens_on and theme.status == Theme.Status.SCHEDULED:
        return (
            f"このテーマの受付は{theme.opens_on.month}月{theme.opens_on.day}日から始まります。"
            "受付が始まってから、もう一度お送りください。"
        )
    return (
        "このテーマの受付は終了しました。お送りいただいた内容は保存されていません。"
        "受付中のほかのテーマがあれば、そちらにお寄せください。"
    )


def support_set(*, opinion: Opinion, user, supported: bool, now: dt.datetime) -> bool:
    """Add or remove the user's 共感. Returns True when something changed;
    asking for the state that already holds (e.g. a second tap) changes nothing."""
    if not opinion.is_published:
        raise ValidationError("この意見は公開されていないため、共感できません。")
    with transaction.atomic():
        if supported:
            _, created = Support.objects.get_or_create(
                opinion=opinion, user=user, defaults={"created_at": now}
            )
            return created
        deleted, _ = Support.objects.filter(opinion=opinion, user=user).delete()
        return bool(deleted)


def opinion_change_choices(
    *, opinion: Opinion, publication: str, wants_result_email: bool, now: dt.datetime
) -> Opinion:
    """The author changes their mind. Withdrawing consent to publish takes
    the opinion off the site at once."""
    with transaction.atomic():
        current = Opinion.objects.select_for_update().get(pk=opinion.pk)
        notes = []
        if current.publication != publication:
            notes.append(
                f"公開について: {current.get_publication_display()} → "
                f"{Opinion.Publication(publication).label}"
            )
        current.publication = publication
        current.wants_result_email = wants_result_email
        if publication == Opinion.Publication.PRIVATE and current.is_published:
            current.is_published, current.published_at = False, None
            notes.append("掲載を取りやめ")
        current.full_clean()
        current.save(update_fields=["publication", "wants_result_email", "is_published", "published_at"])
        if notes:
            record(
                Event,
                theme_id=current.theme_id,
                opinion=current,
                actor=current.author,
                action=Event.Action.CHOICES_CHANGED,
                note="／".join(notes),
                now=now,
            )
    return current


def opinion_withdraw(*, opinion: Opinion, now: dt.datetime) -> None:
    """The author takes back an opinion while the theme still accepts them."""
    with transaction.atomic():
        current = Opinion.objects.select_for_update().select_related("theme").get(pk=opinion.pk)
        if not current.theme.accepts_opinions(timezone.localdate(now)):
            raise ValidationError(
                "受付が終わったテーマのご意見は、取り下げられません。"
                "公開をやめたいときは「公開について」を「公開しない」に変えてください。"
            )
        record(
            Event,
            theme_id=current.theme_id,
            actor=current.author,
            action=Event.Action.WITHDRAWN,
            note=f"意見ID {current.pk}",
            now=now,
        )
        current.delete()


def theme_save(*, theme: Theme, actor, now: dt.datetime) -> Theme:
    """Save a theme edited in the admin; a changed status (e.g. closing a
    theme early) is audited against the stored row, read under lock."""
    with transaction.atomic():
        old_status = (
            Theme.objects.select_for_update().filter(pk=theme.pk).values_list("status", flat=True).first()
        )
        theme.save()
        if old_status is not None and old_status != theme.status:
            record(
                Event,
                theme=theme,
                actor=actor,
                action=Event.Action.STATUS_CHANGED,
                now=now,
                note=f"{Theme.Status(old_status).label} → {theme.get_status_display()}",
            )
    return theme


def opinion_triage(
    *,
    opinion: Opinion,
    actor,
    status: str,
    staff_note: str,
    tags: Iterable[Tag],
    is_published: bool,
    now: dt.datetime,
) -> Opinion:
    """Staff decisions on one opinion, audited. Publication needs the author's consent."""
    with transaction.atomic():
        current = Opinion.objects.select_for_update().get(pk=opinion.pk)
        old_tags = set(current.tags.values_list("name", flat=True))
        changes = []
        if current.status != status:
            changes.append(f"対応状況: {current.get_status_display()} → {Opinion.Status(status).label}")
        if current.staff_note != staff_note:
            changes.append("運営メモを更新")
        new_tags = {t.name for t in tags}
        if old_tags != new_tags:
            changes.append("タグ: " + ("、".join(sorted(new_tags)) or "なし"))
        current.status = status
        current.staff_note = staff_note
        current.full_clean()
        current.save(update_fields=["status", "staff_note"])
        current.tags.set(list(tags))
        if changes:
            record(
                Event,
                theme_id=current.theme_id,
                opinion=current,
                actor=actor,
                action=Event.Action.TRIAGED,
                note="／".join(changes),
                now=now,
            )
        if current.is_published != is_published:
            current = opinion_set_published(opinion=current, actor=actor, published=is_published, now=now)
    return current


def opinion_set_published(*, opinion: Opinion, actor, published: bool, now: dt.datetime) -> Opinion:
    with transaction.atomic():
        current = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if published and not current.may_be_published:
            raise ValidationError("この意見を送った方は「公開しない」を選んでいるため、掲載できません。")
        if current.is_published == published:
            return current
        current.is_published = published
        current.published_at = now if published else None
        current.full_clean()
        current.save(update_fields=["is_published", "published_at"])
        record(
            Event,
            theme_id=current.theme_id,
            opinion=current,
            actor=actor,
            now=now,
            action=Event.Action.PUBLISHED if published else Event.Action.UNPUBLISHED,
        )
    return current


# --- Results -----------------------------------------------------------------
def result_publish(*, theme: Theme, actor, now: dt.datetime) -> Result:
    """Publish the theme's result and, after commit, e-mail everyone who asked."""
    from opinionbox.tasks import notify_result  # here, not above: tasks import this module

    with transaction.atomic():
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        result = Result.objects.filter(theme=theme).first()
        if result is None:
            raise ValidationError("先に結果（寄せられた声・これから取り組むこと）を書いて保存してください。")
        if theme.accepts_opinions(timezone.localdate(now)):
            raise ValidationError(
                "受付中のテーマの結果は公開できません。受付が終わってから公開してください。"
            )
        if result.published_at is None:
            result.published_at = now
            result.save(update_fields=["published_at", "updated_at"])
        theme.status = Theme.Status.RESULTS
        theme.save(update_fields=["status", "updated_at"])
        record(Event, theme=theme, actor=actor, action=Event.Action.RESULT_PUBLISHED, now=now)
        outbox_add(task=notify_result, args=[theme.pk])
    return result


def result_notify(*, theme: Theme, now: dt.datetime) -> int:
    """E-mail each person who asked to hear the result, once per person and theme.

    Each person's opinions are claimed with a conditional UPDATE on
    ``notified_at IS NULL`` before sending, so a second run (or a second
    worker) finds nothing left to claim. If sending fails the claim is undone
    and the error propagates for the task to retry.
    """
    theme = Theme.objects.select_related("result").get(pk=theme.pk)
    if not theme.has_published_result():
        return 0
    pending = Opinion.objects.filter(
        theme=theme,
        wants_result_email=True,
        notified_at__isnull=True,
        author__isnull=False,
        author__is_active=True,
    )
    sent = 0
    for author_id in sorted(set(pending.values_list("author_id", flat=True))):
        claimed = pending.filter(author_id=author_id)
        if not claimed.update(notified_at=now):
            continue
        author = get_user_model().objects.get(pk=author_id)
        try:
            send_templated_email(
                template="opinionbox-result",
                context={
                    "nickname": author.display_name,
                    "theme_title": theme.title,
                    "results_path": reverse("opinionbox:theme-results", args=[theme.pk]),
                },
                to=[author.email],
            )
        except Exception:
            Opinion.objects.filter(theme=theme, author_id=author_id, notified_at=now).update(notified_at=None)
            raise
        sent += 1
    return sent


# --- Figures for the results page ---------------------------------------------
def theme_charts(*, theme: Theme) -> list[BarChart]:
    """Counts of every opinion on the theme (published or not: counts carry
    no personal data) by occupation, work style and tag."""
    rows = list(Opinion.objects.filter(theme=theme).values_list("occupation", "work_style"))
    occupations = Counter(o for o, _ in rows)
    styles = Counter(w for _, w in rows)
    tag_counts = Counter(
        Opinion.tags.through.objects.filter(opinion__theme=theme).values_list("tag__name", flat=True)
    )
    return [
        bar_chart("職種別の件数", _vocab_rows(Occupation.values, occupations)),
        bar_chart("主な働き方別の件数", _vocab_rows(WorkStyle.values, styles)),
        bar_chart("タグ別の件数", sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    ]


def _vocab_rows(values: list[str], counts: Counter) -> list[tuple[str, int]]:
    rows = [(v, counts.get(v, 0)) for v in values]
    if counts.get(""):
        rows.append((NO_ANSWER, counts[""]))
    return rows


# --- CSV for staff --------------------------------------------------------------
CSV_HEADER = [
    "テーマ",
    "意見ID",
    "送信日時",
    "ご意見",
    "職種",
    "主な働き方",
    "公開について",
    "ニックネーム",
    "対応状況",
    "タグ",
    "掲載",
    "共感数",
]


def opinions_csv(*, themes: Iterable[Theme], actor, now: dt.datetime) -> str:
    """A theme's opinions with only what the author allowed: never an e-mail
    or a real name, the nickname only when they chose to publish by nickname."""

    themes = list(themes)
    opinions = (
        Opinion.objects.filter(theme__in=themes)
        .select_related("theme", "author")
        .prefetch_related("tags")
        .annotate(support_count=Count("supports"))
        .order_by("theme_id", "created_at", "id")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for o in opinions:
        nickname = o.public_name if o.publication == Opinion.Publication.NICKNAME else ""
        writer.writerow(
            [
                o.theme.title,
                o.pk,
                timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                _csv_safe(o.text),
                o.occupation,
                o.work_style,
                o.get_publication_display(),
                _csv_safe(nickname),
                o.get_status_display(),
                "、".join(t.name for t in o.tags.all()),
                "はい" if o.is_published else "いいえ",
                o.support_count,
            ]
        )
    with transaction.atomic():
        record_many(Event, [{"theme": t} for t in themes], action=Event.Action.EXPORTED, actor=actor, now=now)
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheet software.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- Account hooks --------------------------------------------------------------
def opinions_export(user) -> dict:
    return {
        "opinion_box": [
            {
                "theme": o.theme.title,
                "text": o.text,
                "occupation": o.occupation,
                "work_style": o.work_style,
                "publication": o.publication,
                "wants_result_email": o.wants_result_email,
                "status": o.status,
                "is_published": o.is_published,
                "created_at": o.created_at.isoformat(),
            }
            for o in Opinion.objects.filter(author=user).select_related("theme").order_by("created_at")
        ],
        "opinion_box_supports": [
            {"opinion_id": s.opinion_id, "created_at": s.created_at.isoformat()}
            for s in Support.objects.filter(user=user).order_by("created_at")
        ],
    }


def opinions_forget(user) -> None:
    """On account deletion: opinions never published are removed; published
    ones stay, anonymous and unlinked from the account; 共感 are removed."""
    with transaction.atomic():
        Support.objects.filter(user=user).delete()
        Opinion.objects.filter(author=user, is_published=False).delete()
        Opinion.objects.filter(author=user).update(
            author=None,
            publication=Opinion.Publication.ANONYMOUS,
            wants_result_email=False,
        )
