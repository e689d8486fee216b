from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from consultations import listing, pages, services
from consultations.filters import CaseFilter
from consultations.forms import ConsultationRequestForm, LawyerReferralForm
from consultations.models import (
    AnswerEntry,
    Case,
    CaseSearchDocument,
    ConsultationChannel,
    GlossaryTerm,
    LineConsultationDay,
    UsefulLink,
)
from consultations.textsearch import KANA_ROWS
from members.access import Tier, has_tier, tier_required
from worq.lib.hooks import registry


def case_list(request):
    """The site search: every published case, ranked for the words typed."""
    filterset = CaseFilter(request.GET, queryset=CaseSearchDocument.objects.none())
    filterset.form.is_valid()  # a value that is not a choice is simply ignored
    params = filterset.form.cleaned_data
    text = params.get("q") or ""
    result = listing.browse(
        text=text,
        category=params.get("category") or "",
        occupation=params.get("occupation") or "",
        sort=params.get("sort") or "relevance",
        page_number=request.GET.get("page"),
        prefix=bool(request.htmx),
    )
    filterset.form.fields["category"].choices = [
        ("", "すべて"),
        *listing.category_choices(result.category_counts),
    ]
    filterset.form.fields["occupation"].choices = [
        ("", "すべて"),
        *listing.occupation_choices(result.occupation_counts),
    ]
    context = {
        "filter": filterset,
        "result": result,
        "q": text,
        "search_url": None,  # this page has its own box; the header one would repeat it
        "sections": pages.search_sections(text, registry) if text and result.page.number == 1 else [],
        "suggestions": listing.suggest_terms(text) if text and not result.total else [],
    }
    template = "consultations/case_list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


def case_detail(request, external_id: str):
    case = get_object_or_404(Case.objects.published(), external_id=external_id)
    can_read = not case.members_only or has_tier(request.user, Tier.MEMBER)
    return render(request, "consultations/case_detail.html", pages.case_page(case, can_read=can_read))


def glossary_list(request):
    row = request.GET.get("row", "")
    terms = GlossaryTerm.objects.all()
    if row in KANA_ROWS:
        terms = terms.filter(row=row)
    return render(
        request,
        "consultations/glossary_list.html",
        {
            "terms": terms,
            "rows": KANA_ROWS,
            "row": row if row in KANA_ROWS else "",
        },
    )


def glossary_detail(request, pk: int):
    term = get_object_or_404(GlossaryTerm, pk=pk)
    return render(request, "consultations/glossary_detail.html", pages.term_page(term))


def answer_list(request):
    entries = AnswerEntry.objects.all()
    return render(request, "consultations/answer_list.html", {"groups": pages.answers_by_category(entries)})


def ask(request):
    return render(
        request,
        "consultations/ask.html",
        {
            "channels": ConsultationChannel.objects.filter(is_active=True),
            "line_days": LineConsultationDay.objects.filter(date__gte=timezone.localdate())[:8],
        },
    )


@require_http_methods(["GET", "POST"])
def request_create(request):
    form = ConsultationRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
        if request.user.is_authenticated:
            data["email"] = request.user.email
        obj = services.consultation_request_submit(user=request.user, data=data, now=timezone.now())
        request.session["consultations_last_request"] = obj.receipt_number
        return redirect("consultations:request-done")
    return render(request, "consultations/request_form.html", {"form": form})


def request_done(request):
    number = request.session.get("consultations_last_request")
    return render(request, "consultations/request_done.html", {"receipt_number": number})


@tier_required(Tier.MEMBER, feature="弁護士相談サポート")
@require_http_methods(["GET", "POST"])
def lawyer_referral_create(request):
    initial = {"prefecture": request.user.membership.prefecture}
    form = LawyerReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.lawyer_referral_submit(member=request.user, data=form.cleaned_data, now=timezone.now())
        messages.success(
            request, "弁護士相談サポートのお申し込みを受け付けました。状況はマイページで確認できます。"
        )
        return redirect("members:mypage")
    return render(request, "consultations/lawyer_referral_form.html", {"form": form})


def link_list(request):
    links = UsefulLink.objects.all()
    groups = pages.grouped(
        sorted(links, key=lambda link: UsefulLink.Category.values.index(link.category)), "category"
    )
    return render(request, "consultations/link_list.html", {"groups": groups})
