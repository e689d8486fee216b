import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.access import has_tier, registered_required
from opinionbox import services
from opinionbox.forms import OpinionChoicesForm, OpinionForm
from opinionbox.models import Opinion, Support, Theme
from worq.lib.ratelimit import rate_limited

OPINIONS_PER_PAGE = 20


def get_opinion_for_member(request, pk: int) -> Opinion:
    """The signed-in person's own opinion, or 404 (never someone else's)."""
    return get_object_or_404(Opinion.objects.select_related("theme"), pk=pk, author=request.user)


def published_opinions(request, theme: Theme):
    """Published opinions with their 共感 count and whether this person gave one."""
    qs = (
        Opinion.objects.published()
        .filter(theme=theme)
        .select_related("author")
        .annotate(support_count=Count("supports"))
        .order_by("-published_at", "-id")
    )
    if has_tier(request.user, "registered"):
        mine = Support.objects.filter(opinion=OuterRef("pk"), user=request.user)
        return qs.annotate(supported=Exists(mine))
    return qs.annotate(supported=Value(False))


def index(request):
    themes = list(Theme.objects.select_related("result").order_by("-opens_on", "-id"))
    today = timezone.localdate()
    groups = {
        "open": [t for t in themes if t.accepts_opinions(today)],
        "upcoming": [t for t in themes if t.opens_on > today and t.status == Theme.Status.SCHEDULED],
        "counting": [
            t
            for t in themes
            if not t.accepts_opinions(today) and t.opens_on <= today and t.status != Theme.Status.RESULTS
        ],
        "results": [t for t in themes if t.status == Theme.Status.RESULTS],
    }
    return render(request, "opinionbox/index.html", {"groups": groups})


def theme_detail(request, pk: int):
    theme = get_object_or_404(Theme.objects.select_related("result"), pk=pk)
    page = Paginator(published_opinions(request, theme), OPINIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "opinionbox/theme_detail.html",
        {
            "theme": theme,
            "page": page,
            "accepting": theme.accepts_opinions(timezone.localdate()),
            "updates": theme.updates.all(),
            "today": timezone.localdate(),
        },
    )


@registered_required
@rate_limited("worq_opinion")
def opinion_create(request, pk: int):
    theme = get_object_or_404(Theme, pk=pk)
    form = OpinionForm(request.POST or None, initial=services.opinion_initial(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            opinion = services.opinion_submit(
                theme=theme, author=request.user, data=form.cleaned_data, now=timezone.now()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "ご意見を受け取りました。声を届けてくださり、ありがとうございます。")
            return redirect(opinion)
    return render(
        request,
        "opinionbox/opinion_form.html",
        {
            "theme": theme,
            "form": form,
            "accepting": theme.accepts_opinions(timezone.localdate()),
        },
    )


@registered_required
def opinion_detail(request, pk: int):
    opinion = get_opinion_for_member(request, pk)
    # A copy, so a rejected form does not change what the page shows as saved.
    form = OpinionChoicesForm(request.POST or None, instance=copy.copy(opinion))
    if request.method == "POST" and form.is_valid():
        services.opinion_change_choices(opinion=opinion, now=timezone.now(), **form.cleaned_data)
        messages.success(request, "設定を変更しました。")
        return redirect(opinion)
    return render(
        request,
        "opinionbox/opinion_detail.html",
        {
            "opinion": opinion,
            "form": form,
            "can_withdraw": opinion.theme.accepts_opinions(timezone.localdate()),
        },
    )


@registered_required
def opinion_withdraw(request, pk: int):
    opinion = get_opinion_for_member(request, pk)
    if request.method == "POST":
        try:
            services.opinion_withdraw(opinion=opinion, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(opinion)
        messages.success(request, "ご意見を取り下げました。")
        return redirect("opinionbox:my-opinions")
    return render(request, "opinionbox/opinion_withdraw.html", {"opinion": opinion})


@registered_required
def my_opinions(request):
    opinions = (
        Opinion.objects.filter(author=request.user).select_related("theme").order_by("-created_at", "-id")
    )
    page = Paginator(opinions, OPINIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "opinionbox/my_opinions.html", {"page": page})


@registered_required
@require_POST
def support(request, pk: int):
    opinion = get_object_or_404(Opinion.objects.published(), pk=pk)
    wanted = request.POST.get("support") == "1"
    changed = services.support_set(opinion=opinion, user=request.user, supported=wanted, now=timezone.now())
    if request.htmx:
        opinion = published_opinions(request, opinion.theme).get(pk=opinion.pk)
        return render(request, "opinionbox/includes/support.html", {"opinion": opinion})
    if not changed:
        messages.info(request, "すでに共感しています。" if wanted else "共感は取り消し済みです。")
    else:
        messages.success(request, "共感しました。" if wanted else "共感を取り消しました。")
    return redirect(f"{opinion.theme.get_absolute_url()}#opinion-{opinion.pk}")


def theme_results(request, pk: int):
    theme = get_object_or_404(Theme.objects.select_related("result"), pk=pk)
    if not theme.has_published_result():
        raise Http404("このテーマの結果はまだ公開されていません。")
    return render(
        request,
        "opinionbox/theme_results.html",
        {
            "theme": theme,
            "result": theme.result,
            "charts": services.theme_charts(theme=theme),
            "opinions": published_opinions(request, theme),
            "updates": theme.updates.all(),
        },
    )
