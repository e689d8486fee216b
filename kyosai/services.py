"""Every state change in Wor-Q共済 goes through here, recorded in Event (or
ClaimEvent for claims) inside the change's transaction."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kyosai import claimcalc, eligibility, premiums, pricing
from kyosai.models import (
    Application,
    Claim,
    ClaimDocument,
    ClaimDocumentRequirement,
    ClaimEvent,
    ClubYear,
    Document,
    Enrolment,
    Event,
    Policy,
    Product,
    ProductCode,
    QuoteRequest,
    RateTable,
)
from worq.lib.audit import record
from worq.lib.mail import enqueue_templated_email
from worq.lib.outbox import outbox_add
from worq.lib.storage import delete_on_commit, replace_file

CHOICE_FIELDS = ("plan", "job_class", "benefit", "daily", "payment")
# Days before a club year ends that the renewal reminder goes out.
RENEWAL_REMINDER_DAYS = 30


def expected_cover_start(product: str, today: dt.date) -> dt.date:
    rule = Product.objects.filter(code=product).values_list("cover_start_rule", flat=True).first()
    return premiums.cover_start(rule or "next_month", today)


def has_club(user, *, besides: Application | None = None) -> bool:
    """The member is in the club or has applied for it (under review) in an
    application other than ``besides``: the wizard does not ask them to join again."""
    clubs = Enrolment.objects.clubs().active().filter(user=user)
    if besides is not None:
        clubs = clubs.exclude(application=besides)
    return clubs.exists()


def in_club(user) -> bool:
    """The member holds a club membership (approved): options can start."""
    return Enrolment.objects.clubs().held().filter(user=user).exists()


def club_year_end(user) -> dt.date | None:
    """The end of the member's current club year (None: not in the club)."""
    year = (
        ClubYear.objects.filter(enrolment__in=Enrolment.objects.clubs().held().filter(user=user))
        .order_by("-starts_on")
        .first()
    )
    return year.ends_on if year else None


def options_elsewhere(user, *, besides: Application | None = None) -> list[Enrolment]:
    """Options the member holds or has applied for outside ``besides``: the
    wizard marks them (加入中 / 審査中) instead of offering them again."""
    options = Enrolment.objects.active().exclude(product=ProductCode.CLUB).filter(user=user)
    if besides is not None:
        options = options.exclude(application=besides)
    return sorted(options.exclude(status=Enrolment.Status.DRAFT), key=lambda e: e.product_order)


def member_age_sex(user, *, on: dt.date) -> tuple[int, str] | None:
    """満年齢 on ``on`` and sex the member already gave (their draft, else their
    membership), so forms do not ask again."""
    draft = Application.objects.filter(user=user, status=Application.Status.DRAFT).first()
    membership = getattr(user, "membership", None)
    for source in (draft, membership):
        if source is not None and source.birth_date and source.sex:
            return premiums.age_on(source.birth_date, on), source.sex
    return None


# --- Quotes ----------------------------------------------------------------
@dataclass
class Line:
    product: str
    choice: dict
    premium: premiums.Premium | None = None
    error: str = ""
    needs_quote: bool = False

    @property
    def label(self) -> str:
        return ProductCode(self.product).label

    @property
    def choice_label(self) -> str:
        return Enrolment(
            product=self.product,
            **{f: self.choice.get(f) or ("" if f in ("plan", "payment") else None) for f in CHOICE_FIELDS},
        ).choice_label


def price_choice(product: str, choice: dict, *, age: int | None, sex: str, on: dt.date) -> Line:
    """Price one product choice; an ineligible one carries the reason instead."""
    line = Line(product=product, choice=choice)
    try:
        line.premium = pricing.premium(product, age=age, sex=sex, on=on, **choice)
    except pricing.NotPublished as exc:
        line.error, line.needs_quote = str(exc), True
    except pricing.NotOffered as exc:
        line.error = str(exc) + _plans_that_fit(product, choice, age=age, sex=sex, on=on)
    except pricing.PricingError as exc:
        line.error = str(exc)
    return line


def _plans_that_fit(product: str, choice: dict, *, age: int | None, sex: str, on: dt.date) -> str:
    """For a plan the person cannot take (e.g. C from 61), the plans they can."""
    if not choice.get("plan"):
        return ""
    plans = sorted({r.plan for r in pricing.table_in_force(product, on).rates.all()} - {"", choice["plan"]})
    fits = []
    for plan in plans:
        try:
            pricing.premium(product, age=age, sex=sex, on=on, **{**choice, "plan": plan})
        except pricing.PricingError:
            continue
        fits.append(plan)
    if not fits:
        return ""
    return f"{'・'.join(fits)}プランなら、{age}歳でもお申し込みいただけます。"


# --- The enrolment wizard ----------------------------------------------------
def application_draft(*, user, now: dt.datetime) -> Application:
    """The member's draft, created the first time (one draft per member)."""
    draft = Application.objects.filter(user=user, status=Application.Status.DRAFT).first()
    if draft is not None:
        return draft
    membership = getattr(user, "membership", None)
    try:
        with transaction.atomic():
            draft = Application.objects.create(
                user=user,
                created_at=now,
                full_name=getattr(membership, "full_name", "") or "",
                birth_date=getattr(membership, "birth_date", None),
                sex=getattr(membership, "sex", "") or "",
            )
            record(Event, action=Event.Action.STARTED, actor=user, application=draft, now=now)
    except IntegrityError:  # a second tab created it a moment ago
        draft = Application.objects.get(user=user, status=Application.Status.DRAFT)
    return draft


def application_set_products(
    *, application: Application, selection: dict[str, dict], next_step: str = "details", now: dt.datetime
) -> Application:
    """``selection`` maps product code → choices (plan, job_class, …) for the
    products the member wants in this application; others are removed. The
    wizard goes on to ``next_step`` (the options step after the club step)."""
    if not selection:
        raise ValidationError("申し込む共済を一つ以上選んでください。")
    with transaction.atomic():
        application = _locked_draft_application(application)
        if ProductCode.CLUB not in selection and not has_club(application.user, besides=application):
            raise ValidationError("オプションに入るには、Wor-Qライフサポートクラブへの加入が必要です。")
        application.enrolments.exclude(product__in=list(selection)).delete()
        for product, choice in selection.items():
            clean = {f: choice.get(f) or ("" if f in ("plan", "payment") else None) for f in CHOICE_FIELDS}
            taken = (
                Enrolment.objects.active()
                .filter(user=application.user, product=product)
                .exclude(application=application)
            )
            if product in premiums.ROSAI_PRODUCTS:
                other = [p for p in premiums.ROSAI_PRODUCTS if p != product]
                other_taken = (
                    Enrolment.objects.active()
                    .filter(user=application.user, product__in=other)
                    .exclude(application=application)
                    .exists()
                )
                if other_taken or set(other) & set(selection):
                    raise ValidationError(
                        "労災保険の特別加入は、建設の一人親方か特定フリーランスのどちらか一つです。"
                    )
            if taken.exists():
                raise ValidationError(
                    f"{ProductCode(product).label}には、すでにお申込み（またはご加入）があります。"
                )
            Enrolment.objects.update_or_create(
                application=application,
                product=product,
                defaults={"user": application.user, **clean},
            )
        application.step = next_step
        application.save(update_fields=["step", "updated_at"])
        record(
            Event,
            action=Event.Action.PRODUCTS_CHOSEN,
            actor=application.user,
            application=application,
            note="、".join(ProductCode(p).label for p in selection),
            now=now,
        )
    return application


def application_set_details(
    *,
    application: Application,
    full_name: str,
    birth_date: dt.date,
    sex: str,
    beneficiary: str,
    answers: list[dict],
    now: dt.datetime,
) -> Application:
    with transaction.atomic():
        application = _locked_draft_application(application)
        if ProductCode.ROSAI_FREELANCE in application.product_codes():
            given = {a["id"]: a["answer"] for a in answers if isinstance(a.get("id"), str)}
            if eligibility.unanswered(given):
                raise ValidationError(
                    "労災保険特別加入（特定フリーランス）の加入条件の質問にお答えください。"
                )
            refusals = eligibility.refusals(given)
            if refusals:
                raise ValidationError(list(refusals.values()))
        application.full_name = full_name
        application.birth_date = birth_date
        application.sex = sex
        application.beneficiary = beneficiary
        application.answers = answers
        application.step = "documents" if needs_documents(application) else "review"
        application.full_clean()
        application.save()
        record(
            Event, action=Event.Action.DETAILS_SET, actor=application.user, application=application, now=now
        )
    return application


def needs_documents(application: Application) -> bool:
    return application.enrolments.filter(product__in=premiums.ROSAI_PRODUCTS).exists()


def missing_documents(application: Application) -> list[str]:
    if not needs_documents(application):
        return []
    have = set(application.documents.values_list("kind", flat=True))
    return [label for kind, label in Document.Kind.choices if kind not in have]


def application_set_documents(*, application: Application, uploads: dict, now: dt.datetime) -> Application:
    """Store the uploads (kind → file checked by the form; None keeps the one
    already sent) and go on to the review step."""
    with transaction.atomic():
        application = _locked_draft_application(application)
        for kind, upload in uploads.items():
            if upload:
                document_attach(
                    application=application,
                    kind=kind,
                    upload=upload,
                    content_type=upload.sniffed_type,
                    now=now,
                )
        application.step = "review"
        application.save(update_fields=["step", "updated_at"])
    return application


def document_attach(
    *, application: Application, kind: str, upload, content_type: str, now: dt.datetime
) -> Document:
    """Store (or replace) one upload. ``upload`` has been checked by the form."""
    with transaction.atomic():
        application = _locked_draft_application(application)
        document = Document.objects.filter(application=application, kind=kind).first()
        document = document or Document(application=application, kind=kind)
        old_name = document.store(
            upload, stem=f"{application.pk}-{kind}-{now:%Y%m%d%H%M%S}", content_type=content_type, now=now
        )
        document.save()
        record(
            Event,
            action=Event.Action.DOCUMENT_ATTACHED,
            actor=application.user,
            application=application,
            note=document.get_kind_display(),
            now=now,
        )
    if old_name:
        transaction.on_commit(lambda: document.file.storage.delete(old_name))
    return document


def application_quote(*, application: Application, on: dt.date) -> list[Line]:
    """Each enrolment priced for 満年齢 on its expected cover start."""
    lines = []
    for enrolment in sorted(application.enrolments.all(), key=lambda e: e.product_order):
        start = expected_cover_start(enrolment.product, on)
        age = premiums.age_on(application.birth_date, start) if application.birth_date else None
        choice = {f: getattr(enrolment, f) for f in CHOICE_FIELDS}
        line = price_choice(enrolment.product, choice, age=age, sex=application.sex, on=start)
        if line.needs_quote:
            answered = answered_quote(
                user=application.user, product=enrolment.product, age=age, sex=application.sex, choice=choice
            )
            if answered is not None:
                line.premium = premiums.Premium(monthly=answered.answered_monthly, annual=None)
                line.error, line.needs_quote = "", False
        line.enrolment = enrolment
        lines.append(line)
    return lines


def answered_quote(*, user, product: str, age: int | None, sex: str, choice: dict) -> QuoteRequest | None:
    """The latest answered 見積依頼 with a premium for this person and choice.
    The one lookup: the options step accepts a choice only if review will too."""
    return (
        QuoteRequest.objects.filter(
            user=user,
            product=product,
            age=age,
            sex=sex,
            daily=choice.get("daily") or None,
            payment=choice.get("payment") or "",
            status=QuoteRequest.Status.ANSWERED,
            answered_monthly__isnull=False,
        )
        .order_by("-answered_at")
        .first()
    )


def application_submit(*, application_id: int, user, consent: bool, now: dt.datetime) -> Application:
    """Submit the member's draft. A replayed or double submit changes nothing:
    the row is locked and must still be this member's draft."""
    if not consent:
        raise ValidationError("重要事項を読み、同意のチェックを入れてください。")
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id, user=user).first()
        if application is None:
            raise ValidationError("この申込みは見つかりません。最初からやり直してください。")
        if application.status != Application.Status.DRAFT:
            raise ValidationError("この申込みはすでに送信済みです。二重に申し込まれることはありません。")
        if not application.enrolments.exists():
            raise ValidationError("申し込む共済を選んでください。")
        if application.birth_date is None or not application.sex or not application.full_name:
            raise ValidationError("お名前・生年月日・性別を入力してください。")
        missing = missing_documents(application)
        if missing:
            raise ValidationError(f"提出していない書類があります：{'、'.join(missing)}")
        lines = application_quote(application=application, on=timezone.localdate(now))
        problems = [f"{ProductCode(ln.product).label}：{ln.error}" for ln in lines if ln.error]
        if problems:
            raise ValidationError(problems)
        for line in lines:
            e = line.enrolment
            e.rate_table_id = line.premium.table_id
            e.monthly, e.annual, e.half_year = (
                line.premium.monthly,
                line.premium.annual,
                line.premium.half_year,
            )
            e.status = Enrolment.Status.SUBMITTED
            e.save()
        application.status = Application.Status.SUBMITTED
        application.consented_at = now
        application.submitted_at = now
        application.step = "submitted"
        application.save()
        record(Event, action=Event.Action.SUBMITTED, actor=user, application=application, now=now)
        enqueue_templated_email(
            template="kyosai-submitted",
            context={
                "name": application.full_name,
                "products": _product_names(application),
            },
            to=[user.email],
        )
    return application


def _locked_draft_application(application: Application) -> Application:
    """The application's row, locked; refused once it is no longer a draft."""
    application = Application.objects.select_for_update().select_related("user").get(pk=application.pk)
    if application.status != Application.Status.DRAFT:
        raise ValidationError("この申込みはすでに送信済みのため、変更できません。")
    return application


def _product_names(application: Application) -> list[str]:
    return [e.get_product_display() for e in application.enrolments.all()]


# --- Staff review ------------------------------------------------------------
def policy_number_allocate(*, now: dt.datetime) -> str:
    year = timezone.localtime(now).year
    last = (
        Policy.objects.filter(number__startswith=f"WQK-{year}-")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"WQK-{year}-{serial:06d}"


def application_approve(*, application: Application, actor, now: dt.datetime) -> Policy:
    """Approve: price each cover for 満年齢 on its real cover start, issue the
    policy, start the club year, e-mail the member and render the certificate."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.SUBMITTED:
            raise ValidationError("審査中の申込みだけを承認できます。")
        if ProductCode.CLUB not in application.product_codes() and not in_club(application.user):
            raise ValidationError(
                "この方のクラブのお申込みがまだ承認されていません。先にクラブの申込みを審査してください。"
            )
        today = timezone.localdate(now)
        policy = Policy.objects.create(
            number=policy_number_allocate(now=now),
            user=application.user,
            application=application,
            holder_name=application.full_name,
            issued_at=now,
        )
        lines = application_quote(application=application, on=today)
        problems = [f"{ProductCode(ln.product).label}：{ln.error}" for ln in lines if ln.error]
        if problems:
            raise ValidationError(problems)
        club_end = club_year_end(application.user)
        for line in lines:
            e = line.enrolment
            e.cover_start = expected_cover_start(e.product, today)
            e.cover_end = premiums.cover_end(e.cover_start)
            if club_end is not None and e.product != ProductCode.CLUB:
                e.cover_end = premiums.aligned_cover_end(e.cover_start, club_end)
            e.rate_table_id = line.premium.table_id
            e.monthly, e.annual, e.half_year = (
                line.premium.monthly,
                line.premium.annual,
                line.premium.half_year,
            )
            e.status = Enrolment.Status.APPROVED
            e.policy = policy
            e.full_clean()
            e.save()
            if e.product == ProductCode.CLUB:
                ClubYear.objects.create(
                    enrolment=e, starts_on=e.cover_start, ends_on=e.cover_end, fee=e.annual or 0
                )
        application.status = Application.Status.APPROVED
        application.decided_at, application.decided_by = now, actor
        application.save()
        record(
            Event,
            action=Event.Action.APPROVED,
            actor=actor,
            application=application,
            note=policy.number,
            now=now,
        )
        enqueue_templated_email(
            template="kyosai-approved",
            context={
                "name": application.full_name,
                "number": policy.number,
                "products": _product_names(application),
                "start": f"{policy.cover_start:%Y年%m月%d日}",
            },
            to=[application.user.email],
        )
        certificates_rerender(policy_ids=[policy.pk])
    return policy


def application_reject(*, application: Application, actor, reason: str, now: dt.datetime) -> Application:
    reason = reason.strip()
    if not reason:
        raise ValidationError("不承認の理由を入力してください。申込者にメールで伝わります。")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.SUBMITTED:
            raise ValidationError("審査中の申込みだけを不承認にできます。")
        application.enrolments.update(status=Enrolment.Status.REJECTED, ended_at=now)
        application.status = Application.Status.REJECTED
        application.decided_at, application.decided_by = now, actor
        application.decision_reason = reason
        application.save()
        record(
            Event, action=Event.Action.REJECTED, actor=actor, application=application, note=reason, now=now
        )
        enqueue_templated_email(
            template="kyosai-rejected",
            context={
                "name": application.full_name,
                "products": _product_names(application),
                "reason": reason,
            },
            to=[application.user.email],
        )
    return application


# --- After approval ----------------------------------------------------------
def enrolment_request_cancel(*, enrolment: Enrolment, user, now: dt.datetime) -> Enrolment:
    """The member asks to cancel; cover ends at the end of this month once staff confirm."""
    with transaction.atomic():
        updated = Enrolment.objects.filter(
            pk=enrolment.pk, user=user, status=Enrolment.Status.APPROVED
        ).update(status=Enrolment.Status.CANCEL_REQUESTED, cancel_requested_at=now)
        if not updated:
            raise ValidationError("この共済は解約のお申出ができる状態ではありません。")
        record(Event, action=Event.Action.CANCEL_REQUESTED, actor=user, enrolment=enrolment, now=now)
    enrolment.refresh_from_db()
    return enrolment


def enrolment_confirm_cancel(*, enrolment: Enrolment, actor, now: dt.datetime) -> list[Enrolment]:
    """Staff confirm: cover ends at the end of the month of the request. Ending
    the club ends the options with it (they need the club)."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.CANCEL_REQUESTED:
            raise ValidationError("解約の申出がある加入だけを確定できます。")
        end = premiums.end_of_month(timezone.localdate(enrolment.cancel_requested_at))
        ended = [enrolment]
        if enrolment.product == ProductCode.CLUB:
            ended += list(
                Enrolment.objects.select_for_update()
                .held()
                .filter(user=enrolment.user)
                .exclude(pk=enrolment.pk)
            )
        for e in ended:
            e.status = Enrolment.Status.CANCELLED
            e.cover_end = max(min(e.cover_end, end), e.cover_start)
            e.ended_at = now
            e.save()
            record(
                Event,
                action=Event.Action.CANCEL_CONFIRMED,
                actor=actor,
                enrolment=e,
                note=f"{e.cover_end}まで",
                now=now,
            )
        enqueue_templated_email(
            template="kyosai-cancelled",
            context={
                "products": [e.get_product_display() for e in ended],
                "end": f"{end:%Y年%m月%d日}",
            },
            to=[enrolment.user.email],
        )
        _rerender(ended)
    return ended


def _rerender(enrolments) -> None:
    certificates_rerender(policy_ids={e.policy_id for e in enrolments if e.policy_id})


def certificates_rerender(*, policy_ids) -> int:
    """Queue a fresh 加入証明書 for each policy (handed to Celery after commit)."""
    # Imported here: kyosai.tasks imports this module.
    from kyosai.tasks import render_certificate

    policy_ids = sorted(set(policy_ids))
    with transaction.atomic():
        for policy_id in policy_ids:
            outbox_add(task=render_certificate, args=[policy_id])
    return len(policy_ids)


def club_year_mark_paid(*, club_year: ClubYear, actor, now: dt.datetime) -> ClubYear:
    with transaction.atomic():
        updated = ClubYear.objects.filter(pk=club_year.pk, paid_at__isnull=True).update(
            paid_at=now, paid_marked_by=actor
        )
        if updated:
            record(
                Event,
                action=Event.Action.FEE_PAID,
                actor=actor,
                enrolment=club_year.enrolment,
                note=str(club_year),
                now=now,
            )
    club_year.refresh_from_db()
    return club_year


@dataclass
class RenewalReport:
    reminded: int = 0
    renewed: int = 0
    lapsed: int = 0


def club_renewals_run(*, now: dt.datetime) -> RenewalReport:
    """Daily: remind 30 days before a club year ends, open the next year when
    one ends, and lapse clubs (with their options) unpaid after the grace
    period. Each step claims its row with a conditional update, so a second
    run the same day changes nothing."""
    today = timezone.localdate(now)
    report = RenewalReport()
    grace = Product.objects.filter(code=ProductCode.CLUB).values_list("grace_days", flat=True)
    grace_days = grace.first() or 0
    clubs = Enrolment.objects.clubs().held().select_related("user")
    for club in clubs:
        year = club.club_years.order_by("-starts_on").first()
        if year is None:
            continue
        if today > year.ends_on and club.status == Enrolment.Status.APPROVED:
            year = _open_next_year(club, year, now=now) or year
            report.renewed += 1
        if (
            year.ends_on - dt.timedelta(days=RENEWAL_REMINDER_DAYS) <= today <= year.ends_on
            and club.status == Enrolment.Status.APPROVED
            and ClubYear.objects.filter(pk=year.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
        ):
            report.reminded += 1
            fee = _fee_on(year.ends_on + dt.timedelta(days=1))
            enqueue_templated_email(
                template="kyosai-renewal-reminder",
                context={
                    "ends_on": f"{year.ends_on:%Y年%m月%d日}",
                    "fee": fee,
                },
                to=[club.user.email],
            )
        if (
            not year.is_paid
            and today > year.starts_on + dt.timedelta(days=grace_days)
            and _lapse(club, now=now, today=today)
        ):
            report.lapsed += 1
    return report


def _fee_on(day: dt.date) -> int | None:
    try:
        return pricing.premium("club", on=day).annual
    except pricing.PricingError:
        return None


def _open_next_year(club: Enrolment, year: ClubYear, *, now: dt.datetime) -> ClubYear | None:
    start = year.ends_on + dt.timedelta(days=1)
    with transaction.atomic():
        new, created = ClubYear.objects.get_or_create(
            enrolment=club,
            starts_on=start,
            defaults={"ends_on": premiums.cover_end(start), "fee": _fee_on(start) or 0},
        )
        if created:
            Enrolment.objects.filter(
                user=club.user,
                status=Enrolment.Status.APPROVED,
                cover_end=year.ends_on,
            ).update(cover_end=new.ends_on)
            record(Event, action=Event.Action.YEAR_RENEWED, enrolment=club, note=str(new), now=now)
            _rerender([club])
    return new


def _lapse(club: Enrolment, *, now: dt.datetime, today: dt.date) -> bool:
    with transaction.atomic():
        ended = list(Enrolment.objects.select_for_update().held().filter(user=club.user))
        if not any(e.pk == club.pk for e in ended):
            return False
        for e in ended:
            Enrolment.objects.filter(pk=e.pk).update(
                status=Enrolment.Status.LAPSED,
                ended_at=now,
                cover_end=max(min(e.cover_end, today - dt.timedelta(days=1)), e.cover_start),
            )
            record(Event, action=Event.Action.LAPSED, enrolment=e, now=now)
        enqueue_templated_email(
            template="kyosai-lapsed",
            context={
                "products": [e.get_product_display() for e in ended],
            },
            to=[club.user.email],
        )
        _rerender(ended)
    return True


# --- 見積依頼 ----------------------------------------------------------------
def quote_request_create(
    *, user, product: str, age: int, sex: str, daily: int | None, payment: str, message: str, now: dt.datetime
) -> QuoteRequest:
    quote_request = QuoteRequest(
        user=user,
        product=product,
        age=age,
        sex=sex,
        daily=daily,
        payment=payment,
        message=message,
        created_at=now,
    )
    quote_request.full_clean()
    with transaction.atomic():
        quote_request.save()
        record(Event, action=Event.Action.QUOTE_REQUESTED, actor=user, quote_request=quote_request, now=now)
    return quote_request


def quote_request_answer(
    *, quote_request: QuoteRequest, answer: str, monthly: int | None, actor, now: dt.datetime
) -> QuoteRequest:
    if not answer.strip():
        raise ValidationError("回答を入力してください。")
    with transaction.atomic():
        quote_request = (
            QuoteRequest.objects.select_for_update().select_related("user").get(pk=quote_request.pk)
        )
        quote_request.answer = answer
        quote_request.answered_monthly = monthly
        quote_request.status = QuoteRequest.Status.ANSWERED
        quote_request.answered_by, quote_request.answered_at = actor, now
        quote_request.full_clean()
        quote_request.save()
        record(
            Event,
            action=Event.Action.QUOTE_ANSWERED,
            actor=actor,
            quote_request=quote_request,
            note=f"月払掛金 {premiums.yen(monthly)}" if monthly is not None else "",
            now=now,
        )
        enqueue_templated_email(
            template="kyosai-quote-answered",
            context={
                "product": quote_request.get_product_display(),
                "answer": answer,
                "monthly": monthly,
            },
            to=[quote_request.user.email],
        )
    return quote_request


# --- Certificates ------------------------------------------------------------
def benefit_summary(benefits) -> list[str]:
    """["死亡・重度障害共済金 100,000円", "住宅災害見舞金（火災等 最高 200,000円、…）", …]"""
    groups: dict[str, list] = {}
    # A line that only lists the choices (e.g. 保険金額 10万円〜50万円から選択) says
    # nothing on a certificate, where the chosen amount is shown instead.
    shown = (
        b for b in benefits if not b.is_exclusion and not (b.amount is None and b.text.endswith("から選択"))
    )
    for b in shown:
        groups.setdefault(b.group, []).append(b)
    parts = []
    for group, items in groups.items():
        amounts = {b.amount_display for b in items}
        if len(amounts) == 1:
            parts.append(f"{group} {amounts.pop()}")
        else:
            parts.append(f"{group}（{'、'.join(f'{b.label} {b.amount_display}' for b in items)}）")
    return parts


def certificate_context(*, policy: Policy, covers: list[Enrolment], now: dt.datetime) -> dict:
    import segno

    url = policy.get_verify_url()
    issued_on = timezone.localdate(now)
    covers = sorted(covers, key=lambda c: c.product_order)
    start = min((c.cover_start for c in covers if c.cover_start), default=None)
    end = max((c.cover_end for c in covers if c.cover_end), default=None)
    state = premiums.policy_state([c.state_on(issued_on) for c in covers])
    for cover in covers:
        cover.state_label = cover.state_label_on(issued_on)
        # A cover's own period and state are printed only where they differ from
        # the certificate's (most covers share them; less text, faster PDF).
        cover.own_period = (cover.cover_start, cover.cover_end, cover.state_on(issued_on)) != (
            start,
            end,
            state,
        )
        if cover.product in premiums.ROSAI_PRODUCTS:
            # Paid by the state, not by Wor-Q共済: the certificate says so in one line.
            cover.benefit_parts = ["給付は国の労災保険から（療養・休業〈4日目から〉・障害・遺族など）"]
            continue
        # Joined into one text run in the template: each extra inline box costs
        # WeasyPrint a Pango layout, measured slower than one longer run.
        cover.benefit_parts = benefit_summary(cover.benefits())
    return {
        "policy": policy,
        "covers": covers,
        "verify_url": url,
        # One pixel per module, drawn sharp (image-rendering: pixelated): a small
        # image for WeasyPrint to decode and embed.
        "qr": segno.make(url, error="m").png_data_uri(scale=1, border=0),
        "issued_on": issued_on,
        "cover_start": start,
        "cover_end": end,
        "state_label": premiums.COVER_STATES.get(state, ""),
    }


def certificate_render(*, policy: Policy, now: dt.datetime) -> Policy:
    """Render the 加入証明書. Safe to run twice: the file is replaced."""
    from worq.lib.pdf import render_pdf

    covers = list(policy.covers.select_related("rate_table").prefetch_related("rate_table__benefits"))
    pdf = render_pdf(
        template="pdf/kyosai_certificate.html",
        context=certificate_context(policy=policy, covers=covers, now=now),
    )
    with transaction.atomic():
        old_name = replace_file(policy.certificate, f"certificate-{policy.number}.pdf", pdf)
        policy.certificate_rendered_at = now
        policy.save(update_fields=["certificate", "certificate_rendered_at"])
    if old_name:
        transaction.on_commit(lambda: policy.certificate.storage.delete(old_name))
    return policy


# --- Account deletion --------------------------------------------------------
def deletion_blockers(user) -> list[str]:
    reasons = []
    if Enrolment.objects.held().filter(user=user).exists():
        reasons.append(
            "Wor-Q共済に加入中です。先にマイページから解約をお申出いただき、"
            "共済担当が解約を確定してから退会してください。"
        )
    if Application.objects.filter(user=user, status=Application.Status.SUBMITTED).exists():
        reasons.append("審査中の共済の申込みがあります。審査の結果が出てから退会してください。")
    return reasons


def personal_data_delete(user) -> None:
    """Remove kyosai personal data on account deletion. Policies stay for the
    office's records (the law requires them kept) but lose the name; drafts and
    uploads go."""
    for document in Document.objects.filter(application__user=user):
        delete_on_commit(document.file)
        document.delete()
    Application.objects.filter(user=user, status=Application.Status.DRAFT).delete()
    Application.objects.filter(user=user).update(
        full_name="", birth_date=None, sex="", beneficiary="", answers=[]
    )
    for policy in Policy.objects.filter(user=user):
        delete_on_commit(policy.certificate)
    Policy.objects.filter(user=user).update(holder_name="", certificate="")
    QuoteRequest.objects.filter(user=user).update(message="")


def personal_data_export(user) -> dict:
    return {
        "kyosai": {
            "applications": [
                {
                    "id": a.pk,
                    "status": a.get_status_display(),
                    "full_name": a.full_name,
                    "birth_date": a.birth_date.isoformat() if a.birth_date else None,
                    "sex": a.sex,
                    "beneficiary": a.beneficiary,
                    "answers": a.answers,
                    "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                    "documents": [d.original_name for d in a.documents.all()],
                    "enrolments": [
                        {
                            "product": e.get_product_display(),
                            "choice": e.choice_label,
                            "status": e.get_status_display(),
                            "premium": e.premium_label,
                            "cover_start": e.cover_start.isoformat() if e.cover_start else None,
                            "cover_end": e.cover_end.isoformat() if e.cover_end else None,
                        }
                        for e in a.enrolments.all()
                    ],
                }
                for a in Application.objects.filter(user=user).prefetch_related("enrolments", "documents")
            ],
            "policies": [p.number for p in Policy.objects.filter(user=user)],
            "quote_requests": [
                {
                    "product": q.get_product_display(),
                    "age": q.age,
                    "status": q.get_status_display(),
                    "answer": q.answer,
                }
                for q in QuoteRequest.objects.filter(user=user)
            ],
        }
    }


# --- 共済金・保険金の請求 ------------------------------------------------------

# 労災 benefits are paid by the state, claimed at the 労働基準監督署: a guided page, not a claim here.
STATE_PAID_PRODUCTS = ("rosai", "rosai_freelance")
CLAIM_PRODUCT_LABELS = {
    "club": "基本共済",
    "life": "オプション1 団体生命共済",
    "medical": "オプション2 総合医療共済",
    "liability": "オプション3 賠償補償制度",
    "income": "オプション4 所得補償制度",
}
CLAIM_DETAIL_FIELDS = ("hospital_days", "outpatient_days", "work_off_from", "work_off_to", "subtype")


def claim_covers_on(*, member, day: dt.date) -> list[claimcalc.Cover]:
    """The member's covers on ``day`` with the benefit rows of the tables in
    force on ``day``. A cover ended since (cancelled, lapsed) still counts for
    the days inside its cover period."""
    enrolments = (
        Enrolment.objects.ever_held()
        .filter(user=member, cover_start__lte=day, cover_end__gte=day)
        .exclude(product__in=STATE_PAID_PRODUCTS)
        .order_by("id")
    )
    tables = {}
    for table in RateTable.objects.in_force(day).prefetch_related("benefits").order_by("valid_from"):
        tables[table.product] = table  # the newest version in force wins
    covers = []
    for e in sorted(enrolments, key=lambda e: e.product_order):
        table = tables.get(e.product)
        if table is None:
            continue
        rows = tuple(
            claimcalc.BenefitRow(
                group=b.group, label=b.label, amount=b.amount, prefix=b.prefix, text=b.text, plan=b.plan
            )
            for b in table.benefits.all()
        )
        covers.append(
            claimcalc.Cover(
                product=e.product,
                product_label=CLAIM_PRODUCT_LABELS.get(e.product, e.get_product_display()),
                rows=rows,
                plan=e.plan,
                benefit=e.benefit,
                daily=e.daily,
                table_version=table.version,
                policy_id=e.policy_id,
            )
        )
    return covers


def claim_kinds_offered(*, member, family: bool, today: dt.date) -> list[claimcalc.Kind]:
    """What the member can claim for: the kinds of the covers in force today,
    and of covers that have ended (for events inside their period)."""
    days = {today} | set(
        Enrolment.objects.ever_held()
        .filter(user=member, cover_end__lt=today)
        .values_list("cover_end", flat=True)
    )
    codes = set()
    for day in days:
        codes |= {
            k.code for k in claimcalc.offered_kinds(claim_covers_on(member=member, day=day), family=family)
        }
    return [k for k in claimcalc.KINDS if k.code in codes]


def _claim_event(
    *, claim: Claim, action: str, actor, now: dt.datetime, before: str = "", note: str = ""
) -> None:
    record(
        ClaimEvent,
        action=action,
        actor=actor,
        now=now,
        claim=claim,
        from_status=before,
        to_status=claim.status if before else "",
        note=note,
    )


def _claim_email(claim: Claim, template: str, **context) -> None:
    recipients = list(
        dict.fromkeys(u.email for u in (claim.filed_by, claim.member) if u.email and not u.deleted_at)
    )
    enqueue_templated_email(
        template=template,
        context={
            "number": claim.number,
            "kind": claim.get_kind_display(),
            "status": claim.get_status_display(),
            "path": reverse("kyosai:claim-detail", args=[claim.pk]),
            **context,
        },
        to=recipients,
    )


def _require_claim_draft(claim: Claim) -> None:
    if claim.status != Claim.Status.DRAFT:
        raise ValidationError("この請求はすでに送信済みのため、内容を変更できません。")


def claim_start(*, member, filed_by, now: dt.datetime, family: dict | None = None) -> Claim:
    """The draft claim of ``filed_by`` for ``member`` (one draft at a time).
    ``family``: claimant_name, claimant_relationship, claimant_phone, family_reason."""
    if family is None and not Enrolment.objects.ever_held().filter(user=member).exists():
        raise ValidationError("請求できる共済のご加入がありません。")
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update().filter(filed_by=filed_by, member=member, status="draft").first()
        )
        created = claim is None
        claim = claim or Claim(member=member, filed_by=filed_by, created_at=now)
        if family is not None:
            claim.claimant = Claim.Claimant.FAMILY
            for name, value in family.items():
                setattr(claim, name, value)
        claim.full_clean()
        claim.save()
        if created:
            _claim_event(claim=claim, action=ClaimEvent.Action.STARTED, actor=filed_by, now=now)
    return claim


def claim_family_start(
    *,
    filed_by,
    policy_number: str,
    holder_name: str,
    claimant_name: str,
    relationship: str,
    phone: str,
    reason: str,
    now: dt.datetime,
) -> Claim:
    """A family member claims for a member who died or cannot act, from their
    own Wor-Q account. The policy number and the holder's name must match; staff
    verify the relationship before the claim is reviewed."""
    policy = Policy.objects.filter(number=policy_number.strip().upper()).select_related("user").first()
    if policy is None or _name_key(policy.holder_name) != _name_key(holder_name) or not policy.holder_name:
        raise ValidationError(
            "証券番号と加入者のお名前が一致する証券が見つかりません。証券に書かれたとおりに入力してください。"
        )
    if policy.user_id == filed_by.pk:
        raise ValidationError("ご本人の請求は、マイページの「共済金を請求する」から進めてください。")
    return claim_start(
        member=policy.user,
        filed_by=filed_by,
        now=now,
        family={
            "policy": policy,
            "claimant_name": claimant_name,
            "claimant_relationship": relationship,
            "claimant_phone": phone,
            "family_reason": reason,
        },
    )


def _name_key(name: str) -> str:
    return "".join(name.split())


def _locked_draft(claim: Claim) -> Claim:
    claim = Claim.objects.select_for_update().select_related("member").get(pk=claim.pk)
    _require_claim_draft(claim)
    return claim


def claim_set_kind(*, claim: Claim, kind: str, now: dt.datetime) -> Claim:
    with transaction.atomic():
        claim = _locked_draft(claim)
        offered = claim_kinds_offered(
            member=claim.member, family=claim.is_family, today=timezone.localdate(now)
        )
        if kind not in {k.code for k in offered}:
            raise ValidationError({"kind": "この種類の請求は、ご加入の共済の保障にありません。"})
        if claim.kind != kind:
            claim.kind = kind
            claim.event_date = None
            for name in CLAIM_DETAIL_FIELDS:
                setattr(claim, name, "" if name == "subtype" else None)
        claim.save()
    return claim


def claim_compute(*, claim: Claim) -> claimcalc.Computation:
    """The indicative amount from the benefit tables in force on the event date."""
    kind = claimcalc.KIND_BY_CODE[claim.kind]
    details = claimcalc.Details(**{name: getattr(claim, name) for name in CLAIM_DETAIL_FIELDS})
    return claimcalc.compute(kind, claim_covers_on(member=claim.member, day=claim.event_date), details)


def _check_details(claim: Claim, covers: list[claimcalc.Cover], today: dt.date) -> None:
    kind = claimcalc.KIND_BY_CODE[claim.kind]
    errors: dict[str, str] = {}
    if claim.event_date > today:
        errors["event_date"] = "できごとの日は、今日までの日付を入力してください。"
    elif kind.code not in {k.code for k in claimcalc.offered_kinds(covers, family=claim.is_family)}:
        errors["event_date"] = (
            f"{claim.event_date:%Y年%-m月%-d日}は、このご請求を保障する共済の保障期間ではありません。"
            "請求できるのは、保障期間中のできごとです。"
        )
    messages_for = {
        "hospital_days": "入院した日数を入力してください（日帰り入院は1日）。",
        "outpatient_days": "通院した日数を入力してください。",
        "work_off_from": "働けなかった最初の日を入力してください。",
        "work_off_to": "働けなかった最後の日を入力してください。",
        "subtype": "どれにあたるかを選んでください。",
    }
    for name in kind.fields:
        if getattr(claim, name) in (None, "", 0):
            errors[name] = messages_for[name]
    if kind.fields and "subtype" in kind.fields and claim.subtype:
        if claim.subtype not in claimcalc.subtypes(kind, covers):
            errors["subtype"] = messages_for["subtype"]
    if claim.work_off_from and claim.work_off_to and claim.work_off_to < claim.work_off_from:
        errors["work_off_to"] = "最後の日は、最初の日以降の日付にしてください。"
    if errors:
        raise ValidationError(errors)


def claim_set_details(
    *, claim: Claim, event_date: dt.date, description: str, now: dt.datetime, **details
) -> Claim:
    """Details of what happened. Refused unless a cover paying for this kind
    was in force on the event date."""
    with transaction.atomic():
        claim = _locked_draft(claim)
        kind = claimcalc.KIND_BY_CODE[claim.kind]
        claim.event_date = event_date
        claim.description = description
        for name in CLAIM_DETAIL_FIELDS:
            value = details.get(name) if name in kind.fields else None
            setattr(claim, name, value or ("" if name == "subtype" else None))
        covers = claim_covers_on(member=claim.member, day=event_date)
        _check_details(claim, covers, timezone.localdate(now))
        _store_computation(claim, claimcalc.compute(kind, covers, claimcalc.Details(**details_of(claim))))
        rule_products = {r.product for r in kind.rules}
        policy_id = next((c.policy_id for c in covers if c.product in rule_products and c.policy_id), None)
        claim.policy_id = claim.policy_id if claim.is_family and claim.policy_id else policy_id
        claim.full_clean()
        claim.save()
    return claim


def details_of(claim: Claim) -> dict:
    return {name: getattr(claim, name) for name in CLAIM_DETAIL_FIELDS}


def _store_computation(claim: Claim, computation: claimcalc.Computation) -> None:
    claim.computation = computation.as_json()
    claim.indicative_amount = computation.total
    claim.indicative_is_maximum = computation.is_maximum


def claim_requirements(claim: Claim) -> list[ClaimDocumentRequirement]:
    rows = ClaimDocumentRequirement.objects.filter(Q(kind=claim.kind) | Q(kind=""), is_active=True)
    rows = sorted(rows, key=lambda r: (r.kind == "", r.order, r.pk))
    return [r for r in rows if claim.is_family or not r.family_only]


@dataclass
class ChecklistItem:
    requirement: ClaimDocumentRequirement | None
    documents: list

    @property
    def done(self) -> bool:
        return bool(self.documents)


def claim_checklist(claim: Claim) -> list[ChecklistItem]:
    """The adaptive checklist: the requirements of this kind (and of a family
    claim), each with the files sent for it; other files last."""
    documents = list(claim.documents.all())
    items = [
        ChecklistItem(requirement=r, documents=[d for d in documents if d.requirement_id == r.pk])
        for r in claim_requirements(claim)
    ]
    known = {r.requirement.pk for r in items}
    others = [d for d in documents if d.requirement_id not in known]
    if others:
        items.append(ChecklistItem(requirement=None, documents=others))
    return items


def claim_attach(
    *, claim: Claim, uploads: list, requirement: ClaimDocumentRequirement | None, user, now: dt.datetime
) -> list[ClaimDocument]:
    """Store files (checked by the form: size and real type). Answering a
    request for more documents brings the claim back to 書類確認."""
    if not uploads:
        raise ValidationError("ファイルを選んでください。")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status not in claimcalc.ACCEPTS_DOCUMENTS:
            raise ValidationError("この請求には、いまは書類を追加できません。")
        saved = []
        for i, upload in enumerate(uploads):
            document = ClaimDocument(claim=claim, requirement=requirement, uploaded_by=user)
            document.store(
                upload, stem=f"{claim.pk}-{now:%Y%m%d%H%M%S}-{i}", content_type=upload.sniffed_type, now=now
            )
            document.save()
            saved.append(document)
        names = "、".join(d.original_name for d in saved)
        what = requirement.name if requirement else "その他の書類"
        if claim.status != Claim.Status.DRAFT:
            _claim_event(
                claim=claim,
                action=ClaimEvent.Action.DOCUMENTS_ADDED,
                actor=user,
                now=now,
                note=f"{what}：{names}",
            )
        if claim.status == Claim.Status.DOCUMENTS_REQUESTED:
            _claim_move(
                claim, Claim.Status.DOCUMENTS_CHECK, actor=user, now=now, note="追加の書類が届きました"
            )
    return saved


def claim_remove_document(*, document: ClaimDocument, user) -> None:
    """Only while the claim is still being written."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=document.claim_id)
        if claim.status != Claim.Status.DRAFT:
            raise ValidationError("送信した書類は取り消せません。担当者にご連絡ください。")
        delete_on_commit(document.file)
        document.delete()


def claim_missing_documents(claim: Claim) -> list[str]:
    checklist = claim_checklist(claim)
    missing = [
        i.requirement.name for i in checklist if i.requirement and i.requirement.required and not i.done
    ]
    if not missing and not any(i.done for i in checklist):
        missing.append("書類（1つ以上）")
    return missing


def claim_submit(*, claim_id: int, user, now: dt.datetime) -> Claim:
    """Send the draft. A replayed submit changes nothing."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id, filed_by=user).first()
        if claim is None:
            raise ValidationError("この請求は見つかりません。")
        _require_claim_draft(claim)
        if not claim.kind or claim.event_date is None:
            raise ValidationError("請求の種類と、できごとの内容を入力してください。")
        covers = claim_covers_on(member=claim.member, day=claim.event_date)
        _check_details(claim, covers, timezone.localdate(now))
        missing = claim_missing_documents(claim)
        if missing:
            raise ValidationError(f"まだ提出していない書類があります：{'、'.join(missing)}")
        _store_computation(claim, claim_compute(claim=claim))
        claim.submitted_at = now
        claim.save()
        _claim_move(claim, Claim.Status.RECEIVED, actor=user, now=now, action=ClaimEvent.Action.SUBMITTED)
    return claim


# Each status has its e-mail; the context adds what that status needs.
CLAIM_EMAILS = {
    Claim.Status.RECEIVED: "claim-received",
    Claim.Status.DOCUMENTS_CHECK: "claim-status",
    Claim.Status.REVIEW: "claim-status",
    Claim.Status.DOCUMENTS_REQUESTED: "claim-documents-requested",
    Claim.Status.PAYMENT: "claim-payment",
    Claim.Status.COMPLETED: "claim-completed",
    Claim.Status.NOT_PAYABLE: "claim-not-payable",
}


def _claim_move(
    claim: Claim,
    target: str,
    *,
    actor,
    now: dt.datetime,
    note: str = "",
    action: str = ClaimEvent.Action.STATUS_CHANGED,
) -> None:
    """Move a locked claim to ``target``: checked, saved, recorded and e-mailed."""
    try:
        claimcalc.check_transition(claim.status, target, reason=note)
    except claimcalc.TransitionError as exc:
        raise ValidationError(str(exc)) from None
    before = claim.status
    claim.status = target
    claim.full_clean()
    claim.save()
    _claim_event(claim=claim, action=action, actor=actor, now=now, before=before, note=note)
    _claim_email(
        claim,
        CLAIM_EMAILS[target],
        note=note,
        amount=premiums.yen(claim.confirmed_amount) if claim.confirmed_amount is not None else "",
        payment_date=f"{claim.payment_date:%Y年%-m月%-d日}" if claim.payment_date else "",
    )


def _locked_claim(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("member", "filed_by").get(pk=claim.pk)


def claim_transition(*, claim: Claim, to: str, actor, reason: str = "", now: dt.datetime) -> Claim:
    """Staff move a claim: 書類確認, 審査, 書類の追加をお願い (what and why) or
    お支払いの対象外 (why). Payment has its own services below."""
    if to in (Claim.Status.PAYMENT, Claim.Status.COMPLETED):
        raise ValidationError("お支払いは「お支払い額を決める」「お支払いを記録する」から進めてください。")
    if to == Claim.Status.RECEIVED:
        raise ValidationError("「受付」には、請求した方が送信したときにだけ進みます。")
    with transaction.atomic():
        claim = _locked_claim(claim)
        if to == Claim.Status.REVIEW and claim.needs_claimant_check:
            raise ValidationError("ご家族からの請求です。審査の前に、続柄を確認してください。")
        reason = reason.strip()
        if to == Claim.Status.DOCUMENTS_REQUESTED:
            claim.request_note = reason
        if to == Claim.Status.NOT_PAYABLE:
            claim.decision_reason = reason
        _claim_move(claim, to, actor=actor, now=now, note=reason)
    return claim


def claim_verify_claimant(*, claim: Claim, actor, now: dt.datetime) -> Claim:
    with transaction.atomic():
        claim = _locked_claim(claim)
        if not claim.is_family:
            raise ValidationError("ご本人からの請求です。続柄の確認は要りません。")
        if claim.claimant_verified_at is None:
            claim.claimant_verified_at, claim.claimant_verified_by = now, actor
            claim.save(update_fields=["claimant_verified_at", "claimant_verified_by", "updated_at"])
            _claim_event(
                claim=claim,
                action=ClaimEvent.Action.CLAIMANT_VERIFIED,
                actor=actor,
                now=now,
                note=f"{claim.claimant_name}（{claim.claimant_relationship}）",
            )
    return claim


def claim_confirm_amount(
    *,
    claim: Claim,
    amount: int | None,
    payment_date: dt.date | None,
    actor,
    reason: str = "",
    now: dt.datetime,
) -> Claim:
    """Staff fix the amount and the payment date after review. An amount other
    than the indicative one needs a reason; a ceiling cannot be passed."""
    errors = {}
    if amount is None or amount < 0:
        errors["amount"] = "お支払い額を円で入力してください。"
    if payment_date is None:
        errors["payment_date"] = "お支払い予定日を入力してください。"
    elif payment_date < timezone.localdate(now):
        errors["payment_date"] = "お支払い予定日は、今日以降の日付にしてください。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claim = _locked_claim(claim)
        indicative = claim.indicative_amount
        if indicative is not None and claim.indicative_is_maximum and amount > indicative:
            raise ValidationError({"amount": f"上限（{premiums.yen(indicative)}）を超えています。"})
        if (
            indicative is not None
            and not claim.indicative_is_maximum
            and amount != indicative
            and not reason.strip()
        ):
            raise ValidationError({"reason": "目安の金額と違う額にする理由を入力してください。"})
        if indicative is None and not reason.strip():
            raise ValidationError(
                {"reason": "目安の金額が出ない請求です。金額の根拠（約款の条項など）を入力してください。"}
            )
        claim.confirmed_amount, claim.payment_date = amount, payment_date
        note = f"お支払い額 {premiums.yen(amount)}（目安 {premiums.yen(indicative) if indicative is not None else 'なし'}）、お支払い予定日 {payment_date:%Y年%-m月%-d日}"
        _claim_event(
            claim=claim,
            action=ClaimEvent.Action.AMOUNT_CONFIRMED,
            actor=actor,
            now=now,
            note=" ".join([note, reason.strip()]).strip(),
        )
        _claim_move(claim, Claim.Status.PAYMENT, actor=actor, now=now, note=reason.strip())
    return claim


def claim_record_payment(*, claim: Claim, actor, now: dt.datetime) -> Claim:
    with transaction.atomic():
        claim = _locked_claim(claim)
        if claim.status != Claim.Status.PAYMENT:
            raise ValidationError("お支払い手続き中の請求だけ、お支払いを記録できます。")
        claim.paid_at = now
        _claim_event(
            claim=claim,
            action=ClaimEvent.Action.PAID,
            actor=actor,
            now=now,
            note=premiums.yen(claim.confirmed_amount),
        )
        _claim_move(claim, Claim.Status.COMPLETED, actor=actor, now=now)
    return claim


def claim_deletion_blockers(user) -> list[str]:
    if Claim.objects.visible_to(user).filter(status__in=claimcalc.OPEN).exists():
        return ["共済金の請求の手続き中です。手続きが終わってから退会してください。"]
    return []


def claim_personal_data_delete(user) -> None:
    """Drafts and their files go; sent claims stay for the office's records
    (as policies do) without the claimant's contact details."""
    for document in ClaimDocument.objects.filter(claim__filed_by=user, claim__status=Claim.Status.DRAFT):
        delete_on_commit(document.file)
    Claim.objects.filter(filed_by=user, status=Claim.Status.DRAFT).delete()
    Claim.objects.filter(filed_by=user).update(claimant_phone="", description="")


def claim_personal_data_export(user) -> dict:
    return {
        "kyosai_claims": [
            {
                "number": c.number,
                "kind": c.get_kind_display(),
                "status": c.get_status_display(),
                "event_date": c.event_date.isoformat() if c.event_date else None,
                "description": c.description,
                "claimant": c.get_claimant_display(),
                "confirmed_amount": c.confirmed_amount,
                "documents": [d.original_name for d in c.documents.all()],
            }
            for c in Claim.objects.visible_to(user).prefetch_related("documents")
        ]
    }
