from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from consultations import freelance_pages, listing, pages, records, services, terms_checker
from consultations.access import get_own_evidence, get_own_record
from consultations.filters import CaseFilter
from consultations.forms import (
    ConsultationRequestForm,
    EngagementForm,
    EvidenceForm,
    LawyerReferralForm,
    PaidForm,
    PaymentDeadlineForm,
    TermsCheckForm,
    TermsTextForm,
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
from members.access import Tier, has_tier, member_required, tier_required
from worq.lib.forms import submitted_once
from worq.lib.hooks import registry
from worq.lib.ratelimit import rate_limited
from worq.lib.storage import upload_response


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
@rate_limited("worq_consultation", address_field="email")
@submitted_once("consultations:request-done")
def request_create(request):
    if "suggest" in request.POST:  # "関連する事例を探す" without JS: show cases, keep the draft
        form = ConsultationRequestForm(initial=request.POST.dict(), user=request.user)
        suggested = listing.suggest_cases(request.POST.get("what_happened", ""))
        return render(request, "consultations/request_form.html", {"form": form, "suggested": suggested})
    form = ConsultationRequestForm(
        request.POST or None, user=request.user, initial=consultation_prefill(request)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
        if request.user.is_authenticated:
            data["email"] = request.user.email
        consultation = services.consultation_request_submit(user=request.user, data=data, now=timezone.now())
        request.session["consultations_last_request"] = consultation.receipt_number
        return redirect("consultations:request-done")
    return render(request, "consultations/request_form.html", {"form": form})


@require_POST
def request_suggest(request):
    """Cases like the consultation being written (live, while the person types).
    POST so the draft stays out of URLs and logs; nothing is saved."""
    suggested = listing.suggest_cases(request.POST.get("what_happened", ""))
    return render(request, "consultations/includes/request_suggestions.html", {"suggested": suggested})


def request_done(request):
    number = request.session.get("consultations_last_request")
    return render(request, "consultations/request_done.html", {"receipt_number": number})


@tier_required(Tier.MEMBER, feature="弁護士相談サポート")
@require_http_methods(["GET", "POST"])
@rate_limited("worq_lawyer_referral")
@submitted_once("members:mypage")
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


# --- 取引記録 (network members; each record is seen only by its owner) -----------------------
def _record_page(request, record, *, paid_form=None, evidence_form=None, status=200):
    context = services.engagement_facts(record, today=timezone.localdate())
    context["paid_form"] = paid_form or PaidForm(
        today=context["today"], start_on=record.start_on, initial={"paid_on": context["today"]}
    )
    context["evidence_form"] = evidence_form or EvidenceForm()
    return render(request, "consultations/records/detail.html", context, status=status)


@member_required
@never_cache
def record_list(request):
    return render(
        request,
        "consultations/records/list.html",
        {"rows": services.engagement_rows(request.user, today=timezone.localdate())},
    )


@member_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_create(request):
    form = EngagementForm(request.POST or None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        record = services.engagement_create(owner=request.user, data=form.cleaned_data, now=timezone.now())
        messages.success(request, "取引記録を保存しました。")
        return redirect(record)
    return render(request, "consultations/records/form.html", {"form": form})


@member_required
@never_cache
def record_detail(request, pk: int):
    return _record_page(request, get_own_record(request, pk))


@member_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_edit(request, pk: int):
    record = get_own_record(request, pk)
    form = EngagementForm(request.POST or None, instance=record, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        services.engagement_update(record=record, data=form.cleaned_data, now=timezone.now())
        messages.success(request, "取引記録を更新しました。")
        return redirect(record)
    return render(request, "consultations/records/form.html", {"form": form, "record": record})


@member_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_delete(request, pk: int):
    record = get_own_record(request, pk)
    if request.method == "POST":
        services.engagement_delete(record=record, now=timezone.now())
        messages.success(request, "取引記録と証拠ファイルを削除しました。")
        return redirect("consultations:record-list")
    return render(request, "consultations/records/delete.html", {"record": record})


@member_required
@require_POST
def record_paid(request, pk: int):
    record = get_own_record(request, pk)
    form = PaidForm(request.POST, today=timezone.localdate(), start_on=record.start_on)
    if not form.is_valid():
        return _record_page(request, record, paid_form=form, status=400)
    services.engagement_mark_paid(record=record, paid_on=form.cleaned_data["paid_on"], now=timezone.now())
    messages.success(request, "支払われた日を記録しました。")
    return redirect(record)


@member_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_terms(request, pk: int):
    """Paste → check (nothing stored) → the member chooses to save the result."""
    record = get_own_record(request, pk)
    form = TermsTextForm(request.POST or None, initial={"text": record.client_message})
    context = {"record": record, "form": form}
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if request.POST.get("save"):
            services.engagement_save_terms_check(record=record, text=text, now=timezone.now())
            messages.success(request, "取引先の文面とチェックの結果を、この記録に保存しました。")
            return redirect(record)
        report = terms_checker.check_terms(text, today=timezone.localdate())
        context["rows"] = records.terms_rows(report.as_dict())
        context["warnings"] = report.as_dict()["warnings"]
        context["draft"] = terms_checker.draft_request(
            report, client_name=record.client_name, sender_name=request.user.nickname
        )
    return render(request, "consultations/records/terms.html", context)


@member_required
@never_cache
def record_pdf(request, pk: int):
    record = get_own_record(request, pk)
    pdf = services.engagement_summary_pdf(record=record, user=request.user, now=timezone.now())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="engagement-{record.pk}.pdf"'
    return response


@member_required
@require_POST
def evidence_add(request, pk: int):
    record = get_own_record(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _record_page(request, record, evidence_form=form, status=400)
    upload = form.cleaned_data["file"]
    services.evidence_add(
        record=record,
        upload=upload,
        content_type=upload.sniffed_type,
        note=form.cleaned_data["note"],
        now=timezone.now(),
    )
    messages.success(request, "証拠ファイルを保存しました。")
    return redirect(record)


@member_required
@never_cache
def evidence_download(request, pk: int, evidence_pk: int):
    evidence = get_own_evidence(request, pk, evidence_pk)
    return upload_response(evidence, stem=f"証拠ファイル-{evidence.record_id}-{evidence.pk}")


@member_required
@require_POST
def evidence_remove(request, pk: int, evidence_pk: int):
    evidence = get_own_evidence(request, pk, evidence_pk)
    services.evidence_remove(evidence=evidence, now=timezone.now())
    messages.success(request, "証拠ファイルを削除しました。")
    return redirect("consultations:record-detail", pk=pk)


def consultation_prefill(request) -> dict:
    """``?record=<pk>`` on the e-mail consultation form: a draft from the
    member's own record (404 for anyone else's), edited before sending."""
    pk = request.GET.get("record", "")
    if request.method != "GET" or not pk.isdigit() or not has_tier(request.user, Tier.MEMBER):
        return {}
    record = get_own_record(request, int(pk))
    return services.engagement_consultation_initial(record, user=request.user, today=timezone.localdate())
