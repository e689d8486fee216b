import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from members import services
from members.access import Tier, forget_tier, member_required, registered_required, tier_of
from members.forms import AccountDeleteForm, MembershipForm, ProfileForm
from members.models import Coupon, NetworkMembership
from worq.lib.forms import submitted_once
from worq.lib.hooks import registry
from worq.lib.ratelimit import rate_limited
from worq.lib.storage import generated_pdf_response


def get_membership_for_user(user) -> NetworkMembership:
    membership = (
        NetworkMembership.objects.filter(user=user).exclude(status=NetworkMembership.Status.WITHDRAWN).first()
    )
    if membership is None:
        raise Http404("会員登録がありません。")
    return membership


@login_required
def mypage(request):
    sections = []
    for section in registry.mypage_sections:
        context = section.context(request.user)
        if context is not None:
            sections.append({"template": section.template, "context": context})
    membership = NetworkMembership.objects.filter(user=request.user).first()
    return render(request, "members/mypage.html", {"membership": membership, "sections": sections})


@registered_required
def membership_create(request):
    if NetworkMembership.objects.filter(user=request.user).exists():
        messages.info(request, "すでに連合ネットワーク会員です。")
        return redirect("members:mypage")
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_create(user=request.user, data=form.cleaned_data, now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            forget_tier(request.user)
            messages.success(
                request, "連合ネットワーク会員への登録が完了しました。会員証をダウンロードできます。"
            )
            return redirect(_safe_next(request) or "members:mypage")
    return render(request, "members/membership_form.html", {"form": form, "next": _safe_next(request)})


@member_required
def membership_edit(request):
    membership = get_membership_for_user(request.user)
    form = MembershipForm(request.POST or None, instance=membership, editing=True)
    if request.method == "POST" and form.is_valid():
        services.membership_update(
            membership=membership,
            data=form.cleaned_data,
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, "会員情報を更新しました。")
        return redirect("members:mypage")
    return render(request, "members/membership_form.html", {"form": form, "editing": True})


@member_required
def membership_card(request):
    membership = get_membership_for_user(request.user)
    return generated_pdf_response(
        request,
        membership.card_pdf,
        filename=f"Wor-Q会員証-{membership.member_number}.pdf",
        waiting="会員証を作成しています。少し待ってから、もう一度お試しください。",
    )


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, "プロフィールを更新しました。")
        return redirect("members:mypage")
    return render(request, "members/profile_form.html", {"form": form})


@login_required
@require_POST
def data_export(request):
    data = services.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="worq-my-data.json"'
    return response


@login_required
def account_delete(request):
    blockers = services.account_deletion_blockers(user=request.user)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            services.account_delete(user=request.user, now=timezone.now())
        except services.AccountDeletionBlocked as exc:
            blockers = exc.reasons
        else:
            logout(request)
            messages.success(
                request, "退会の手続きが完了しました。これまでご利用いただきありがとうございました。"
            )
            return redirect("home")
    return render(request, "members/account_delete.html", {"form": form, "blockers": blockers})


def coupon_list(request):
    coupons = Coupon.objects.current(timezone.localdate())
    return render(
        request,
        "members/coupon_list.html",
        {
            "coupons": coupons,
            "is_member": tier_of(request.user) >= Tier.MEMBER,
        },
    )


@member_required
@require_POST
@rate_limited("worq_coupon_reveal")
@submitted_once("members:coupon-list")
def coupon_reveal(request, pk: int):
    coupon = get_object_or_404(Coupon.objects.current(timezone.localdate()), pk=pk)
    try:
        services.coupon_reveal(coupon=coupon, user=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("members:coupon-list")
    if request.htmx:
        return render(request, "members/includes/coupon_code.html", {"coupon": coupon})
    return render(
        request,
        "members/coupon_list.html",
        {
            "coupons": Coupon.objects.current(timezone.localdate()),
            "is_member": True,
            "revealed": coupon.pk,
        },
    )


def _safe_next(request) -> str:

    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return ""
