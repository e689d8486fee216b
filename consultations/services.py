"""Every change to consultations data that matters goes through here."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from consultations import freelance_act, records, terms_checker
from consultations.models import (
    Case,
    CaseEvent,
    ConsultationRequest,
    ConsultationRequestEvent,
    EngagementEvent,
    EngagementEvidence,
    EngagementRecord,
    EngagementReminder,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
    LawyerReferralEvent,
)
from members.models import User
from worq.lib import audit
from worq.lib.mail import enqueue_templated_email
from worq.lib.pdf import render_pdf
from worq.lib.storage import private_storage
from worq.lib.vocab import ConsultationCategory, Occupation

STAFF_GROUP = "相談担当"


# --- Imports (INTERFACES.md): all-or-nothing, line-numbered errors ----------------------
class ImportFailed(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)


def _json_lines(lines: Iterable[str]) -> Iterable[tuple[int, dict | None, str]]:
    """(line number, object or None, error) for every non-blank line."""
    for number, line in enumerate(lines, start=1):
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"JSON として読めません（{exc.msg}、{exc.colno}文字目）。"
            continue
        if not isinstance(obj, dict):
            yield number, None, "1行に1つの JSON オブジェクト（{…}）を書いてください。"
            continue
        yield number, obj, ""


def _text(obj: dict, key: str, *, required: bool = True) -> str:
    value = obj.get(key, "" if not required else None)
    if value is None:
        raise ValueError(f"「{key}」がありません。")
    if not isinstance(value, str):
        raise ValueError(f"「{key}」は文字列にしてください。")
    if required and not value.strip():
        raise ValueError(f"「{key}」が空です。")
    return value.strip()


def _bool(obj: dict, key: str, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"「{key}」は true か false にしてください。")
    return value


def _str_list(obj: dict, key: str) -> list[str]:
    value = obj.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ValueError(f"「{key}」は文字列のリストにしてください。")
    return [v.strip() for v in value if v.strip()]


def _case_fields(obj: dict, now: dt.datetime) -> dict:
    category = _text(obj, "category")
    if category not in ConsultationCategory.values:
        raise ValueError(f"category「{category}」は相談カテゴリにありません。")
    occupations = _str_list(obj, "occupations")
    for occupation in occupations:
        if occupation not in Occupation.values:
            raise ValueError(f"occupations の「{occupation}」は職種の一覧にありません。")
    values = {
        "title": _text(obj, "title"),
        "question": _text(obj, "question"),
        "answer": _text(obj, "answer"),
        "category": category,
        "occupations": list(dict.fromkeys(occupations)),
        "memo": _text(obj, "memo", required=False),
        "members_only": _bool(obj, "members_only", False),
        "published": _bool(obj, "published", True),
    }
    if obj.get("published_at"):
        try:
            day = dt.date.fromisoformat(_text(obj, "published_at")[:10])
        except ValueError:
            raise ValueError("published_at は 2025-04-01 の形で書いてください。") from None
        values["published_at"] = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    if len(values["title"]) > Case._meta.get_field("title").max_length:
        raise ValueError("title が長すぎます（200文字まで）。")
    return values


def cases_import(*, lines: Iterable[str], now: dt.datetime) -> ImportResult:
    """Create or update cases by ``external_id``. Any bad line: nothing saved."""
    errors: list[str] = []
    parsed: list[tuple[int, str, dict, dict]] = []
    seen: dict[str, int] = {}
    for number, obj, error in _json_lines(lines):
        if obj is None:
            errors.append(f"{number}行目: {error}")
            continue
        try:
            external_id = _text(obj, "external_id")
            if len(external_id) > 40:
                raise ValueError("external_id が長すぎます（40文字まで）。")
            if external_id in seen:
                raise ValueError(f"external_id「{external_id}」は{seen[external_id]}行目と重複しています。")
            seen[external_id] = number
            parsed.append((number, external_id, _case_fields(obj, now), obj))
        except ValueError as exc:
            errors.append(f"{number}行目: {exc}")
    if errors:
        raise ImportFailed(errors)
    result = ImportResult()
    with transaction.atomic():
        saved: dict[str, Case] = {}
        for number, external_id, values, _ in parsed:
            case = Case.objects.select_for_update().filter(external_id=external_id).first()
            was_published = case.published if case is not None else None
            if case is None:
                case = Case(external_id=external_id, published_at=now)
                result.created += 1
            elif all(getattr(case, k) == v for k, v in values.items()):
                saved[external_id] = case
                continue  # unchanged: re-importing the same file changes nothing
            else:
                result.updated += 1
            for key, value in values.items():
                setattr(case, key, value)
            try:
                case.full_clean()
            except ValidationError as exc:
                raise ImportFailed([f"{number}行目: {_messages(exc)}"]) from None
            case.save()
            if was_published is not None and was_published != case.published:
                _case_event(case, actor=None, now=now, note="取り込み")
            saved[external_id] = case
        _link_case_relations(parsed, saved, result)
    return result


def _link_case_relations(parsed, saved: dict[str, Case], result: ImportResult) -> None:
    """Optional ``related_terms`` / ``related_cases`` lists; unknown names are noted."""
    for number, _, _, obj in parsed:
        case = saved[obj["external_id"].strip()]
        if "related_terms" in obj:
            names = _str_list(obj, "related_terms")
            terms = list(GlossaryTerm.objects.filter(term__in=names))
            case.related_terms.set(terms)  # set() leaves an unchanged relation alone
            missing = set(names) - {t.term for t in terms}
            if missing:
                result.notes.append(
                    f"{number}行目: 用語集にない用語を飛ばしました：{'、'.join(sorted(missing))}"
                )
        if "related_cases" in obj:
            ids = _str_list(obj, "related_cases")
            others = list(Case.objects.filter(external_id__in=ids).exclude(pk=case.pk))
            case.related_cases.set(others)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def glossary_import(*, lines: Iterable[str], now: dt.datetime) -> ImportResult:
    """Create or update glossary terms by ``term``. Any bad line: nothing saved."""
    errors: list[str] = []
    parsed: list[tuple[int, dict, list[str]]] = []
    seen: dict[str, int] = {}
    for number, obj, error in _json_lines(lines):
        if obj is None:
            errors.append(f"{number}行目: {error}")
            continue
        try:
            term = _text(obj, "term")
            if term in seen:
                raise ValueError(f"term「{term}」は{seen[term]}行目と重複しています。")
            seen[term] = number
            values = {
                "reading": _text(obj, "reading"),
                "definition": _text(obj, "definition"),
                "aliases": list(dict.fromkeys(_str_list(obj, "aliases"))),
            }
            parsed.append((number, {"term": term, **values}, _str_list(obj, "related")))
        except ValueError as exc:
            errors.append(f"{number}行目: {exc}")
    if errors:
        raise ImportFailed(errors)
    result = ImportResult()
    with transaction.atomic():
        terms: dict[str, GlossaryTerm] = {}
        for number, values, _ in parsed:
            obj = GlossaryTerm.objects.filter(term=values["term"]).first()
            if obj is None:
                obj = GlossaryTerm()
                result.created += 1
            elif all(getattr(obj, k) == v for k, v in values.items()):
                terms[obj.term] = obj
                continue
            else:
                result.updated += 1
            for key, value in values.items():
                setattr(obj, key, value)
            try:
                obj.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise ImportFailed([f"{number}行目: {_messages(exc)}"]) from None
            obj.save()
            terms[obj.term] = obj
        for number, values, related in parsed:
            if not related:
                continue
            found = list(GlossaryTerm.objects.filter(term__in=related).exclude(term=values["term"]))
            terms[values["term"]].related.set(found)
            missing = set(related) - {t.term for t in found} - {values["term"]}
            if missing:
                result.notes.append(
                    f"{number}行目: 見つからない関連用語を飛ばしました：{'、'.join(sorted(missing))}"
                )
    return result


# --- Cases ------------------------------------------------------------------------------
def _case_event(case: Case, *, actor: User | None, now: dt.datetime, note: str = "") -> None:
    action = CaseEvent.Action.PUBLISHED if case.published else CaseEvent.Action.UNPUBLISHED
    audit.record(CaseEvent, case=case, actor=actor, action=action, note=note, now=now)


def case_set_published(*, case: Case, published: bool, actor: User, now: dt.datetime) -> Case:
    """Publish or unpublish (the index follows through the save), audited."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.published != published:
            case.published = published
            case.save(update_fields=["published", "updated_at"])
            _case_event(case, actor=actor, now=now)
    return case


def case_save(*, case: Case, actor: User, now: dt.datetime) -> Case:
    """Save a case edited in the admin; publishing or taking it down there is
    audited against the stored row, read under lock."""
    with transaction.atomic():
        was_published = (
            Case.objects.select_for_update().filter(pk=case.pk).values_list("published", flat=True).first()
        )
        case.save()
        if was_published is not None and was_published != case.published:
            _case_event(case, actor=actor, now=now)
    return case


# --- メール相談 ---------------------------------------------------------------------------
def _staff_emails() -> list[str]:
    return list(
        User.objects.filter(groups__name=STAFF_GROUP, is_active=True, is_staff=True)
        .values_list("email", flat=True)
        .distinct()
    )


def consultation_request_submit(*, user: User | None, data: dict, now: dt.datetime) -> ConsultationRequest:
    """Record a request; e-mail a receipt to the person and a notice to 相談担当."""
    consultation = ConsultationRequest(
        user=user if user is not None and user.is_authenticated else None,
        consented_at=now,
        created_at=now,
        **data,
    )
    consultation.full_clean()
    with transaction.atomic():
        consultation.save()
        audit.record(
            ConsultationRequestEvent,
            consultation=consultation,
            actor=consultation.user,
            action=ConsultationRequestEvent.Action.SUBMITTED,
            to_status=consultation.status,
            now=now,
        )
        # The address is not verified: the receipt carries none of the sender's words.
        context = {"receipt_number": consultation.receipt_number, "category": consultation.category}
        enqueue_templated_email(
            template="consultation-request-receipt", context=context, to=[consultation.email]
        )
        enqueue_templated_email(
            template="consultation-request-staff",
            context={
                "receipt_number": consultation.receipt_number,
                "category": consultation.category,
                "admin_path": reverse(
                    "admin:consultations_consultationrequest_change", args=[consultation.pk]
                ),
            },
            to=_staff_emails(),
        )
    return consultation


def consultation_request_update(
    *,
    consultation: ConsultationRequest,
    actor: User,
    status: str,
    reply: str,
    internal_notes: str,
    now: dt.datetime,
) -> ConsultationRequest:
    """Staff change status, notes or reply. A new or changed reply is e-mailed
    to the person and the request becomes 回答済み unless staff chose 終了."""
    reply = reply.strip()
    with transaction.atomic():
        consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
        before_status = consultation.status
        reply_changed = bool(reply) and reply != consultation.reply.strip()
        if reply_changed and status in {
            ConsultationRequest.Status.NEW,
            ConsultationRequest.Status.IN_PROGRESS,
        }:
            status = ConsultationRequest.Status.ANSWERED
        consultation.status, consultation.reply, consultation.internal_notes = status, reply, internal_notes
        if reply_changed:
            consultation.replied_at = now
        consultation.full_clean()
        consultation.save()
        if before_status != consultation.status:
            audit.record(
                ConsultationRequestEvent,
                consultation=consultation,
                actor=actor,
                action=ConsultationRequestEvent.Action.STATUS_CHANGED,
                from_status=before_status,
                to_status=consultation.status,
                now=now,
            )
        if reply_changed:
            audit.record(
                ConsultationRequestEvent,
                consultation=consultation,
                actor=actor,
                action=ConsultationRequestEvent.Action.REPLIED,
                to_status=consultation.status,
                now=now,
            )
            enqueue_templated_email(
                template="consultation-request-reply",
                context={
                    "receipt_number": consultation.receipt_number,
                    "name": consultation.name,
                    "reply": reply,
                    "has_account": consultation.user_id is not None,
                },
                to=[consultation.email],
            )
    return consultation


# --- 弁護士相談サポート ------------------------------------------------------------------
def lawyer_referral_submit(*, member: User, data: dict, now: dt.datetime) -> LawyerReferral:
    referral = LawyerReferral(member=member, created_at=now, **data)
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        audit.record(
            LawyerReferralEvent,
            referral=referral,
            actor=member,
            action=LawyerReferralEvent.Action.RECEIVED,
            to_status=referral.status,
            now=now,
        )
        enqueue_templated_email(
            template="lawyer-referral-received",
            context={"number": referral.number, "category": referral.category},
            to=[member.email],
        )
        enqueue_templated_email(
            template="lawyer-referral-staff",
            context={
                "number": referral.number,
                "admin_path": reverse("admin:consultations_lawyerreferral_change", args=[referral.pk]),
            },
            to=_staff_emails(),
        )
    return referral


@dataclass(frozen=True)
class LawyerMatch:
    lawyer: Lawyer
    field_match: bool
    place_match: bool  # same prefecture, or online when the member accepts it
    local: bool
    reasons: str


def lawyers_ranked(*, category: str, prefecture: str, online_ok: bool) -> list[LawyerMatch]:
    """Active lawyers, best match first: field, then prefecture or online."""
    matches = []
    for lawyer in Lawyer.objects.filter(is_active=True):
        field_match = category in (lawyer.specialties or [])
        local = prefecture in (lawyer.prefectures or [])
        online = online_ok and lawyer.online
        reasons = [r for r, ok in (("分野", field_match), ("地域", local), ("オンライン", online)) if ok]
        matches.append(
            LawyerMatch(lawyer, field_match, local or online, local, "・".join(reasons) or "一致なし")
        )
    return sorted(matches, key=lambda m: (not m.field_match, not m.place_match, not m.local, m.lawyer.name))


def lawyer_referral_update(
    *,
    referral: LawyerReferral,
    actor: User,
    lawyer: Lawyer | None,
    message: str,
    status: str,
    staff_note: str,
    now: dt.datetime,
) -> bool:
    """Staff work on a referral. Choosing a lawyer other than the one stored
    introduces them: the referral becomes 紹介済み and the member is told by
    e-mail (True is returned). Otherwise status and notes are saved. Every
    introduction and status change is audited."""
    with transaction.atomic():
        referral = LawyerReferral.objects.select_for_update().select_related("member").get(pk=referral.pk)
        before_status = referral.status
        referring = lawyer is not None and lawyer.pk != referral.lawyer_id
        referral.lawyer, referral.message_to_member, referral.staff_note = lawyer, message, staff_note
        referral.status = LawyerReferral.Status.REFERRED if referring else status
        if referring:
            referral.referred_at = now
        referral.full_clean()
        referral.save()
        if referring:
            audit.record(
                LawyerReferralEvent,
                referral=referral,
                actor=actor,
                action=LawyerReferralEvent.Action.REFERRED,
                from_status=before_status,
                to_status=referral.status,
                note=str(lawyer)[:200],
                now=now,
            )
            enqueue_templated_email(
                template="lawyer-referral-referred",
                context={"number": referral.number, "lawyer": str(lawyer), "message": message},
                to=[referral.member.email],
            )
        elif before_status != referral.status:
            audit.record(
                LawyerReferralEvent,
                referral=referral,
                actor=actor,
                action=LawyerReferralEvent.Action.STATUS_CHANGED,
                from_status=before_status,
                to_status=referral.status,
                now=now,
            )
    return referring


# --- Account data -----------------------------------------------------------------------
def account_export(user: User) -> dict:
    consultations = [
        {
            "受付番号": r.receipt_number,
            "受付日時": r.created_at.isoformat(),
            "カテゴリ": r.category,
            "状態": r.get_status_display(),
            "困っていること": r.what_happened,
            "希望": r.what_wanted,
            "回答": r.reply,
            "回答日時": r.replied_at.isoformat() if r.replied_at else None,
        }
        for r in ConsultationRequest.objects.filter(user=user)
    ]
    referrals = [
        {
            "受付番号": str(r),
            "受付日時": r.created_at.isoformat(),
            "カテゴリ": r.category,
            "都道府県": r.prefecture,
            "相談したいこと": r.summary,
            "状態": r.get_status_display(),
            "紹介した弁護士": str(r.lawyer) if r.lawyer else None,
        }
        for r in LawyerReferral.objects.filter(member=user).select_related("lawyer")
    ]
    return {"メール相談": consultations, "弁護士相談サポート": referrals}


def account_delete(user: User) -> None:
    """On account deletion the person's consultations, which are all personal
    data, are removed."""
    ConsultationRequest.objects.filter(user=user).delete()
    LawyerReferral.objects.filter(member=user).delete()


# --- 取引記録 (engagement records) ---------------------------------------------------------
# Every change: loaded with select_for_update, audited in the same transaction,
# files deleted only after the transaction commits.
ENGAGEMENT_FIELDS = [
    "client_name",
    "client_has_employees",
    "start_on",
    "end_on",
    "renewals",
    "renewed_until",
    "work",
    "fee",
    "fee_note",
    "delivered_on",
    "agreed_due_on",
    "original_due_on",
    "paid_on",
]


def _engagement_event(
    *, record: EngagementRecord, action: str, note: str = "", now: dt.datetime, by_owner: bool = True
) -> None:
    """Only the owner changes a record; the system (reminders) acts with no actor."""
    audit.record(
        EngagementEvent,
        owner_id=record.owner_id,
        record=record,
        actor=record.owner if by_owner else None,
        action=action,
        note=note,
        now=now,
    )


def _delete_files_on_commit(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        transaction.on_commit(lambda name=name: storage.delete(name))


def engagement_create(*, owner: User, data: dict, now: dt.datetime) -> EngagementRecord:
    record = EngagementRecord(owner=owner, created_at=now, updated_at=now)
    for key in ENGAGEMENT_FIELDS:
        if key in data:
            setattr(record, key, data[key])
    record.full_clean()
    with transaction.atomic():
        record.save()
        _engagement_event(record=record, action=EngagementEvent.Action.CREATED, now=now)
    return record


def engagement_update(*, record: EngagementRecord, data: dict, now: dt.datetime) -> EngagementRecord:
    """Change what the member typed; the audit note names the fields changed."""
    with transaction.atomic():
        record = EngagementRecord.objects.select_for_update().get(pk=record.pk)
        changed = [key for key in ENGAGEMENT_FIELDS if key in data and getattr(record, key) != data[key]]
        for key in changed:
            setattr(record, key, data[key])
        record.full_clean()
        if changed:
            record.updated_at = now
            record.save()
            labels = [str(EngagementRecord._meta.get_field(key).verbose_name) for key in changed]
            _engagement_event(
                record=record, action=EngagementEvent.Action.UPDATED, note="、".join(labels), now=now
            )
    return record


def engagement_mark_paid(*, record: EngagementRecord, paid_on: dt.date, now: dt.datetime) -> EngagementRecord:
    if paid_on > timezone.localdate(now):
        raise ValidationError({"paid_on": "まだ来ていない日は選べません。支払われた日を入力してください。"})
    with transaction.atomic():
        record = EngagementRecord.objects.select_for_update().get(pk=record.pk)
        record.paid_on, record.updated_at = paid_on, now
        record.full_clean()
        record.save(update_fields=["paid_on", "updated_at"])
        _engagement_event(
            record=record, action=EngagementEvent.Action.PAID, note=paid_on.isoformat(), now=now
        )
    return record


def engagement_save_terms_check(*, record: EngagementRecord, text: str, now: dt.datetime) -> EngagementRecord:
    """Store the client's message and the checker's result, chosen by the member.
    The result is computed here from the stored text, so the two always match."""
    try:
        text = terms_checker.validate_text(text).strip()
    except terms_checker.TermsInputError as exc:
        raise ValidationError({"text": str(exc)}) from None
    with transaction.atomic():
        record = EngagementRecord.objects.select_for_update().get(pk=record.pk)
        record.client_message = text
        record.terms_check = terms_checker.check_terms(text, today=timezone.localdate(now)).as_dict()
        record.terms_checked_at = record.updated_at = now
        record.full_clean()
        record.save(update_fields=["client_message", "terms_check", "terms_checked_at", "updated_at"])
        _engagement_event(record=record, action=EngagementEvent.Action.TERMS_SAVED, now=now)
    return record


def engagement_delete(*, record: EngagementRecord, now: dt.datetime) -> None:
    with transaction.atomic():
        record = EngagementRecord.objects.select_for_update().get(pk=record.pk)
        names = [e.file.name for e in record.evidence.all()]
        _engagement_event(
            record=record, action=EngagementEvent.Action.DELETED, note=f"取引記録 {record.pk}", now=now
        )
        record.delete()
        _delete_files_on_commit(names)


def evidence_add(
    *, record: EngagementRecord, upload, content_type: str, note: str, now: dt.datetime
) -> EngagementEvidence:
    """Store one checked upload (type and size checked by the form's UploadField)."""
    with transaction.atomic():
        record = EngagementRecord.objects.select_for_update().get(pk=record.pk)
        evidence = EngagementEvidence(record=record, note=note.strip())
        evidence.store(upload, stem=f"{record.pk}-{now:%Y%m%d%H%M%S}", content_type=content_type, now=now)
        try:
            evidence.full_clean()
            evidence.save()
        except Exception:
            evidence.file.storage.delete(evidence.file.name)  # the row never existed
            raise
        _engagement_event(
            record=record, action=EngagementEvent.Action.EVIDENCE_ADDED, note=evidence.original_name, now=now
        )
    return evidence


def evidence_remove(*, evidence: EngagementEvidence, now: dt.datetime) -> None:
    with transaction.atomic():
        evidence = EngagementEvidence.objects.select_for_update().select_related("record").get(pk=evidence.pk)
        name = evidence.file.name
        _engagement_event(
            record=evidence.record,
            action=EngagementEvent.Action.EVIDENCE_REMOVED,
            note=evidence.original_name,
            now=now,
        )
        evidence.delete()
        _delete_files_on_commit([name])


def engagement_payment(record: EngagementRecord, *, today: dt.date) -> records.Payment:
    return records.payment(
        employees=record.client_has_employees,
        delivered=record.delivered_on,
        agreed=record.agreed_due_on,
        original_due=record.original_due_on,
        paid=record.paid_on,
        today=today,
    )


def engagement_rows(user: User, *, today: dt.date, limit: int | None = None) -> list:
    """(record, payment) pairs, newest engagement first; computed, not queried per row."""
    return [
        (r, engagement_payment(r, today=today)) for r in EngagementRecord.objects.filter(owner=user)[:limit]
    ]


NOTICE_REMINDER_DAYS = 14  # how long before the notice_by date the member hears of it


def _due_reminders(record: EngagementRecord, today: dt.date) -> list[tuple[str, dt.date, dict]]:
    """(kind, date, e-mail context) for each reminder the record needs today."""
    out = []
    pay = engagement_payment(record, today=today)
    if pay.overdue and pay.basis != "agreed":
        out.append(
            (
                EngagementReminder.Kind.OVERDUE,
                pay.due,
                {"due": records.jp_date(pay.due), "days": pay.days_overdue, "certain": pay.basis == "law"},
            )
        )
    if record.client_has_employees != EngagementRecord.Employees.NO:
        for milestone in records.milestones(start=record.start_on, runs_until=record.runs_until, today=today):
            if milestone.code == "notice_by" and 0 <= (milestone.on - today).days <= NOTICE_REMINDER_DAYS:
                out.append(
                    (
                        EngagementReminder.Kind.NOTICE,
                        milestone.on,
                        {
                            "notice_by": records.jp_date(milestone.on),
                            "ends": records.jp_date(record.runs_until),
                        },
                    )
                )
    return out


def engagement_reminders_send(*, now: dt.datetime) -> int:
    """Beat, daily: e-mail owners whose lawful due date passed unpaid, or whose
    engagement nears the last day for a 30-day notice. The unique
    (record, kind, date) row is claimed before the e-mail is queued, so a
    second run sends nothing twice."""
    today = timezone.localdate(now)
    candidates = (
        EngagementRecord.objects.filter(owner__is_active=True, owner__deleted_at__isnull=True)
        .filter(
            models.Q(paid_on__isnull=True, delivered_on__isnull=False)
            | models.Q(end_on__gte=today)
            | models.Q(renewed_until__gte=today)
        )
        .select_related("owner")
    )
    sent = 0
    for record in candidates.iterator():
        for kind, on, context in _due_reminders(record, today):
            with transaction.atomic():
                reminder, _ = EngagementReminder.objects.get_or_create(record=record, kind=kind, on=on)
                claimed = EngagementReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                    sent_at=now
                )
                if not claimed:
                    continue
                _engagement_event(
                    record=record,
                    action=EngagementEvent.Action.REMINDED,
                    note=f"{kind} {on.isoformat()}",
                    now=now,
                    by_owner=False,
                )
                enqueue_templated_email(
                    template=f"engagement-{kind}",
                    context={
                        **context,
                        "client_name": record.client_name,
                        "path": record.get_absolute_url(),
                    },
                    to=[record.owner.email],
                )
                sent += 1
    return sent


def engagement_export(user: User) -> dict:
    return {
        "取引記録": [
            {
                "取引先": r.client_name,
                "取引先の従業員": r.get_client_has_employees_display(),
                "開始日": r.start_on,
                "終了日": r.end_on,
                "更新回数": r.renewals,
                "更新後の終了日": r.renewed_until,
                "仕事の内容": r.work,
                "報酬（円）": r.fee,
                "報酬メモ": r.fee_note,
                "納品日": r.delivered_on,
                "取り決めた支払期日": r.agreed_due_on,
                "元委託支払期日": r.original_due_on,
                "支払日": r.paid_on,
                "取引先からの発注内容": r.client_message,
                "取引条件チェック": r.terms_check,
                "証拠ファイル": [
                    {"ファイル名": e.original_name, "メモ": e.note, "アップロード日時": e.uploaded_at}
                    for e in r.evidence.all()
                ],
            }
            for r in EngagementRecord.objects.filter(owner=user).prefetch_related("evidence")
        ]
    }


def engagement_forget(user: User) -> None:
    """Account deletion: the records, their files (after commit) and their history go."""
    names = list(EngagementEvidence.objects.filter(record__owner=user).values_list("file", flat=True))
    EngagementRecord.objects.filter(owner=user).delete()
    EngagementEvent.objects.filter(owner=user).delete()
    _delete_files_on_commit(names)


def engagement_facts(record: EngagementRecord, *, today: dt.date) -> dict:
    """What the record page and the PDF show: computed, never stored."""
    pay = engagement_payment(record, today=today)
    milestone_list = records.milestones(start=record.start_on, runs_until=record.runs_until, today=today)
    evidence = list(record.evidence.all())
    certain, if_employees = records.duties(
        employees=record.client_has_employees,
        start=record.start_on,
        runs_until=record.runs_until,
        today=today,
    )
    return {
        "record": record,
        "pay": pay,
        "milestones": milestone_list,
        "duties": certain,
        "duties_if_employees": if_employees,
        "routes": [*freelance_act.COMPLAINT_ROUTES, freelance_act.ROUTE_TROUBLE_110],
        "evidence": evidence,
        "terms_rows": records.terms_rows(record.terms_check),
        "terms_warnings": (record.terms_check or {}).get("warnings", []),
        "timeline": records.timeline(
            start=record.start_on,
            end=record.end_on,
            renewals=record.renewals,
            renewed_until=record.renewed_until,
            delivered=record.delivered_on,
            pay=pay,
            milestone_list=milestone_list,
            terms_checked_on=timezone.localdate(record.terms_checked_at) if record.terms_checked_at else None,
            evidence=[(timezone.localdate(e.uploaded_at), e.original_name) for e in evidence],
        ),
        "today": today,
    }


def engagement_consultation_initial(record: EngagementRecord, *, user: User, today: dt.date) -> dict:
    """Initial values for the e-mail consultation form, drafted from a record."""
    pay = engagement_payment(record, today=today)
    membership = getattr(user, "membership", None)
    initial = {
        "category": ConsultationCategory.PAY
        if pay.due and not pay.paid_on
        else ConsultationCategory.CONTRACT,
        "what_happened": records.consultation_text(
            client_name=record.client_name,
            work=record.work,
            start=record.start_on,
            runs_until=record.runs_until,
            fee=record.fee,
            delivered=record.delivered_on,
            pay=pay,
            missing_terms=records.missing_terms(record.terms_check),
        ),
        "name": user.nickname,
    }
    if membership is not None:
        initial.update(occupation=membership.occupation, prefecture=membership.prefecture)
    return initial


def engagement_summary_pdf(*, record: EngagementRecord, user: User, now: dt.datetime) -> bytes:
    """The record as a PDF for a 申出, フリーランス・トラブル110番 or a lawyer:
    rendered on request, never stored."""

    context = engagement_facts(record, today=timezone.localdate(now))
    membership = getattr(user, "membership", None)
    context.update(
        member_name=membership.full_name if membership else user.nickname,
        created_on=timezone.localdate(now),
        client_message=record.client_message,
    )
    return render_pdf(template="pdf/engagement_summary.html", context=context)
