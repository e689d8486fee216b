"""Every change to consultations data that matters goes through here."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from consultations.models import (
    Case,
    ConsultationRequest,
    ConsultationRequestEvent,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
)
from members.models import User
from worq.lib.mail import enqueue_templated_email
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
            case = Case.objects.filter(external_id=external_id).first()
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
def case_set_published(*, case: Case, published: bool) -> Case:
    """Publish or unpublish (the index follows through the save)."""
    case.published = published
    case.save(update_fields=["published", "updated_at"])
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
    request = ConsultationRequest(
        user=user if user is not None and user.is_authenticated else None,
        consented_at=now,
        created_at=now,
        **data,
    )
    request.full_clean()
    with transaction.atomic():
        request.save()
        ConsultationRequestEvent.objects.create(
            request=request, actor=request.user, action="受付", to_status=request.status, created_at=now
        )
        context = {
            "receipt_number": request.receipt_number,
            "name": request.name,
            "category": request.category,
            "what_happened": request.what_happened,
        }
        enqueue_templated_email(template="consultation-request-receipt", context=context, to=[request.email])
        enqueue_templated_email(
            template="consultation-request-staff",
            context={
                "receipt_number": request.receipt_number,
                "category": request.category,
                "admin_path": reverse("admin:consultations_consultationrequest_change", args=[request.pk]),
            },
            to=_staff_emails(),
        )
    return request


def consultation_request_update(
    *,
    request: ConsultationRequest,
    actor: User,
    status: str,
    reply: str,
    internal_notes: str,
    now: dt.datetime,
) -> ConsultationRequest:
    """Staff change status, notes or reply. A new or changed reply is e-mailed
    to the person and the request becomes 回答済み unless staff chose 終了."""
    before = ConsultationRequest.objects.get(pk=request.pk)
    reply = reply.strip()
    reply_changed = bool(reply) and reply != before.reply.strip()
    if reply_changed and status in {ConsultationRequest.Status.NEW, ConsultationRequest.Status.IN_PROGRESS}:
        status = ConsultationRequest.Status.ANSWERED
    request.status, request.reply, request.internal_notes = status, reply, internal_notes
    if reply_changed:
        request.replied_at = now
    request.full_clean()
    with transaction.atomic():
        request.save()
        if before.status != request.status:
            ConsultationRequestEvent.objects.create(
                request=request,
                actor=actor,
                action="状態の変更",
                from_status=before.status,
                to_status=request.status,
                created_at=now,
            )
        if reply_changed:
            ConsultationRequestEvent.objects.create(
                request=request, actor=actor, action="回答の送信", to_status=request.status, created_at=now
            )
            enqueue_templated_email(
                template="consultation-request-reply",
                context={
                    "receipt_number": request.receipt_number,
                    "name": request.name,
                    "reply": reply,
                    "has_account": request.user_id is not None,
                },
                to=[request.email],
            )
    return request


# --- 弁護士相談サポート ------------------------------------------------------------------
def lawyer_referral_submit(*, member: User, data: dict, now: dt.datetime) -> LawyerReferral:
    referral = LawyerReferral(member=member, created_at=now, **data)
    referral.full_clean()
    with transaction.atomic():
        referral.save()
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


def lawyer_referral_refer(
    *, referral: LawyerReferral, lawyer: Lawyer, message: str, actor: User, now: dt.datetime
) -> LawyerReferral:
    """Record the lawyer introduced and tell the member by e-mail."""
    referral.lawyer, referral.message_to_member = lawyer, message
    referral.status, referral.referred_at = LawyerReferral.Status.REFERRED, now
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        enqueue_templated_email(
            template="lawyer-referral-referred",
            context={"number": referral.number, "lawyer": str(lawyer), "message": message},
            to=[referral.member.email],
        )
    return referral


# --- Account data -----------------------------------------------------------------------
def account_export(user: User) -> dict:
    requests = [
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
    return {"メール相談": requests, "弁護士相談サポート": referrals}


def account_delete(user: User) -> None:
    """On account deletion the person's consultations, which are all personal
    data, are removed."""
    ConsultationRequest.objects.filter(user=user).delete()
    LawyerReferral.objects.filter(member=user).delete()
