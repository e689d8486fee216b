from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from consultations import freelance_pages, listing, pages, services, terms_checker
from consultations.filters import CaseFilter
from consultations.forms import (
    ConsultationRequestForm,
    LawyerReferralForm,
    PaymentDeadlineForm,
    TermsCheckForm,
    WhereToGoForm,
)
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


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def terms_check(request):
    """取引条件チェッカー (public). What is pasted or uploaded is checked in
    memory and shown back once: never saved, logged or put in error reports."""
    form = TermsCheckForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        report = terms_checker.check_terms(form.cleaned_data["checked_text"], today=timezone.localdate())
        context |= {
            "report": report,
            "items": list(report.items.values()),
            "segments": terms_checker.highlight_segments(report),
            "request_text": terms_checker.draft_request(
                report,
                client_name=form.cleaned_data["client_name"],
                sender_name=form.cleaned_data["sender_name"],
            ),
        }
    return render(request, "consultations/freelance/terms_check.html", context)


# --- Freelance Act tools: public, GET only, nothing stored -------------------


@require_http_methods(["GET", "HEAD"])
def freelance_guide(request):
    return render(request, "consultations/freelance/guide.html", freelance_pages.guide_context())


@require_http_methods(["GET", "HEAD"])
def freelance_deadline(request):
    today = timezone.localdate()
    # Bound only once asked: a bare visit (or a tracking parameter) shows no errors.
    form = PaymentDeadlineForm(request.GET if "received" in request.GET else None, today=today)
    result = None
    if form.is_bound and form.is_valid():
        result = freelance_pages.deadline_result(form.cleaned_data, today=today)
    return render(
        request,
        "consultations/freelance/deadline.html",
        {"form": form, "result": result, "today": today, **freelance_pages.deadline_context()},
    )


@require_http_methods(["GET", "HEAD"])
def freelance_where(request):
    asked = {"employees", "length"} & set(request.GET)
    form = WhereToGoForm(request.GET if asked else None)
    advice = form.advice() if form.is_bound and form.is_valid() else None
    return render(
        request,
        "consultations/freelance/where.html",
        {"form": form, "advice": advice, **freelance_pages.route_context()},
    )
