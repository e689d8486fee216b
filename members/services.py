"""Every state change to accounts and memberships goes through here."""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from members.models import (
    Coupon,
    CouponReveal,
    MemberNumberCounter,
    MembershipEvent,
    NetworkMembership,
    User,
)
from worq.lib.audit import record
from worq.lib.hooks import account_data_hooks
from worq.lib.outbox import outbox_add
from worq.lib.pdf import render_pdf
from worq.lib.storage import delete_on_commit, replace_file

MEMBER_FIELDS = [
    "full_name",
    "full_name_kana",
    "birth_date",
    "sex",
    "prefecture",
    "occupation",
    "work_styles",
]


class AccountDeletionBlocked(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__(" / ".join(reasons))
        self.reasons = reasons


def member_number_allocate(*, year: int) -> str:
    """Next number for ``year``, e.g. ``WQ-2026-000123``. Never reused: the
    counter only grows, and membership rows are anonymised, not deleted."""
    with transaction.atomic():
        counter, _ = MemberNumberCounter.objects.select_for_update().get_or_create(year=year)
        MemberNumberCounter.objects.filter(pk=year).update(last=F("last") + 1)
        counter.refresh_from_db()
        return f"WQ-{year}-{counter.last:06d}"


def membership_create(*, user: User, data: dict, now: dt.datetime) -> NetworkMembership:
    if NetworkMembership.objects.filter(user=user).exists():
        raise ValidationError("すでに連合ネットワーク会員として登録されています。")
    with transaction.atomic():
        membership = NetworkMembership(
            user=user,
            member_number=member_number_allocate(year=timezone.localtime(now).year),
            terms_consented_at=now,
            created_at=now,
            **{f: data.get(f) for f in MEMBER_FIELDS},
        )
        membership.full_clean()
        membership.save()
        record(
            MembershipEvent,
            membership=membership,
            actor=user,
            action=MembershipEvent.Action.CREATED,
            to_status=membership.status,
            now=now,
        )
        from members.tasks import render_membership_card  # here, not above: tasks import this module

        outbox_add(task=render_membership_card, args=[membership.pk])
    return membership


def membership_update(
    *, membership: NetworkMembership, data: dict, actor: User, now: dt.datetime
) -> NetworkMembership:
    """Apply the cleaned ``data`` to the stored row. ``membership`` only names
    the row: it is reloaded and locked here, so a form's already-mutated
    instance still yields a recorded change."""
    with transaction.atomic():
        membership = NetworkMembership.objects.select_for_update().get(pk=membership.pk)
        changed = [f for f in MEMBER_FIELDS if f in data and getattr(membership, f) != data[f]]
        if not changed:
            return membership
        for f in changed:
            setattr(membership, f, data[f])
        membership.full_clean()
        membership.save()
        labels = "、".join(str(NetworkMembership._meta.get_field(f).verbose_name) for f in changed)
        record(
            MembershipEvent,
            membership=membership,
            actor=actor,
            action=MembershipEvent.Action.UPDATED,
            note=f"変更した項目：{labels}",
            now=now,
        )
        if {"full_name", "full_name_kana"} & set(changed):
            from members.tasks import render_membership_card  # here, not above: tasks import this module

            outbox_add(task=render_membership_card, args=[membership.pk])
    return membership


def membership_set_status(
    *, membership: NetworkMembership, status: str, actor: User | None, note: str, now: dt.datetime
) -> NetworkMembership:
    if status not in NetworkMembership.Status.values:
        raise ValidationError("会員の状態が正しくありません。")
    with transaction.atomic():
        membership = NetworkMembership.objects.select_for_update().get(pk=membership.pk)
        before = membership.status
        if before == status:
            return membership
        membership.status = status
        membership.save(update_fields=["status", "updated_at"])
        record(
            MembershipEvent,
            membership=membership,
            actor=actor,
            action=MembershipEvent.Action.STATUS_CHANGED,
            from_status=before,
            to_status=status,
            note=note,
            now=now,
        )
    return membership


def membership_card_render(*, membership: NetworkMembership, now: dt.datetime) -> None:
    """Render the 会員証 PDF. Safe to run twice: the file is replaced."""

    pdf = render_pdf(template="pdf/membership_card.html", context={"membership": membership, "now": now})
    with transaction.atomic():
        membership = NetworkMembership.objects.select_for_update().get(pk=membership.pk)
        old_name = replace_file(membership.card_pdf, f"card-{membership.member_number}.pdf", pdf)
        membership.card_rendered_at = now
        membership.save(update_fields=["card_pdf", "card_rendered_at", "updated_at"])
        if not MembershipEvent.objects.filter(
            membership=membership, action=MembershipEvent.Action.CARD_ISSUED
        ).exists():
            record(
                MembershipEvent,
                membership=membership,
                action=MembershipEvent.Action.CARD_ISSUED,
                now=now,
            )
    if old_name:
        transaction.on_commit(lambda: membership.card_pdf.storage.delete(old_name))


def profile_update(*, user: User, nickname: str, newsletter_opt_in: bool, reply_notifications: bool) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.nickname = nickname
        user.newsletter_opt_in = newsletter_opt_in
        user.reply_notifications = reply_notifications
        user.full_clean(exclude=["password"])
        user.save(update_fields=["nickname", "newsletter_opt_in", "reply_notifications"])
    return user


def coupon_reveal(*, coupon: Coupon, user: User, now: dt.datetime) -> CouponReveal:
    if not Coupon.objects.current(timezone.localdate(now)).filter(pk=coupon.pk).exists():
        raise ValidationError("このクーポンは現在ご利用いただけません。")
    return CouponReveal.objects.create(coupon=coupon, user=user, revealed_at=now)


def account_export(*, user: User) -> dict:
    """Everything the site holds about ``user``, as JSON-serialisable data."""

    data: dict = {
        "account": {
            "email": user.email,
            "nickname": user.nickname,
            "date_joined": user.date_joined.isoformat(),
            "newsletter_opt_in": user.newsletter_opt_in,
            "reply_notifications": user.reply_notifications,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        }
    }
    membership = NetworkMembership.objects.filter(user=user).first()
    if membership:
        data["network_membership"] = {
            "member_number": membership.member_number,
            "status": membership.status,
            **{f: getattr(membership, f) for f in MEMBER_FIELDS},
            "birth_date": membership.birth_date.isoformat() if membership.birth_date else None,
            "terms_consented_at": membership.terms_consented_at.isoformat(),
            "created_at": membership.created_at.isoformat(),
        }
    data["coupon_reveals"] = [
        {"coupon": str(r.coupon), "revealed_at": r.revealed_at.isoformat()}
        for r in CouponReveal.objects.filter(user=user).select_related("coupon")
    ]
    for hooks in account_data_hooks():
        data.update(hooks.export(user))
    return data


def account_deletion_blockers(*, user: User) -> list[str]:
    reasons: list[str] = []
    for hooks in account_data_hooks():
        reasons.extend(hooks.blockers(user))
    return reasons


def account_delete(*, user: User, now: dt.datetime) -> None:
    """Remove personal data. Public posts stay, shown as 退会したユーザー.

    The user row itself is kept (inactive, no e-mail, no password) so that
    public posts keep their author link and member numbers are never reused.
    """
    reasons = account_deletion_blockers(user=user)
    if reasons:
        raise AccountDeletionBlocked(reasons)

    with transaction.atomic():
        for hooks in account_data_hooks():
            hooks.forget(user=user, now=now)
        membership = NetworkMembership.objects.select_for_update().filter(user=user).first()
        if membership:
            if membership.card_pdf:
                delete_on_commit(membership.card_pdf)
            record(
                MembershipEvent,
                membership=membership,
                action=MembershipEvent.Action.WITHDRAWN,
                from_status=membership.status,
                to_status=NetworkMembership.Status.WITHDRAWN,
                note="退会により個人情報を削除",
                now=now,
            )
            NetworkMembership.objects.filter(pk=membership.pk).update(
                status=NetworkMembership.Status.WITHDRAWN,
                full_name="",
                full_name_kana="",
                birth_date=None,
                sex="",
                work_styles=[],
                card_pdf="",
                updated_at=now,
            )
        CouponReveal.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.nickname = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.newsletter_opt_in = False
        user.reply_notifications = False
        user.deleted_at = now
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
