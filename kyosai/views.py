from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kyosai import claimcalc, premiums, services
from kyosai.access import (
    get_application_for_member,
    get_claim_document_for_filer,
    get_claim_document_for_viewer,
    get_claim_draft_for_filer,
    get_claim_for_member_or_filer,
    get_claim_for_viewer,
    get_document_for_viewer,
    get_enrolment_for_member,
    get_policy_for_viewer,
)
from kyosai.forms import (
    ClaimDetailsForm,
    ClaimDocumentsForm,
    ClaimKindForm,
    ClaimSubmitForm,
    ClubForm,
    DetailsForm,
    DocumentsForm,
    FamilyClaimForm,
    OptionsForm,
    QuoteRequestForm,
    SimulatorForm,
    SubmitForm,
    initial_from_selection,
)
from kyosai.models import Application, Claim, ClaimEvent, Enrolment, Policy, Product, RateTable
from members.access import member_required
from worq.lib.storage import generated_pdf_response, upload_response

# The wizard's steps and their names: the step chips and each step's heading use these.
STEP_LABELS = {
    "club": "クラブ",
    "options": "オプション",
    "details": "お客さま情報・告知",
    "documents": "書類",
    "review": "確認・送信",
}
STEPS = list(STEP_LABELS)
CARRY_KEY = "kyosai_carry"


# --- Public pages ---------------------------------------------------------------
def products_in_force(on):
    tables = RateTable.objects.in_force(on).prefetch_related("benefits").order_by("-valid_from")
    by_product = {}
    for table in tables:
        by_product.setdefault(table.product, table)
    products = list(Product.objects.all())
    for product in products:
        product.table = by_product.get(product.code)
    return products


def index(request):
    start = premiums.first_of_next_month(timezone.localdate())
    return render(request, "kyosai/index.html", {"products": products_in_force(start)})


def simulator(request):
    start = premiums.first_of_next_month(timezone.localdate())
    form = SimulatorForm(request.GET or None, start=start)
    result = None
    if form.is_bound and form.is_valid():
        result = simulate(form)
    template = "kyosai/simulator.html#results" if request.htmx else "kyosai/simulator.html"
    return render(
        request,
        template,
        {"form": form, "result": result, "start": start, "apply_query": request.GET.urlencode()},
    )


def simulate(form: SimulatorForm) -> dict:
    d = form.cleaned_data
    lines = [
        services.price_choice(product, choice, age=d.get("age"), sex=d.get("sex") or "", on=form.start)
        for product, choice in form.selection(club=True).items()
    ]
    priced = [ln.premium for ln in lines if ln.premium]
    return {
        "lines": lines,
        "monthly": sum(p.monthly or 0 for p in priced),
        "annual": sum(p.annual or 0 for p in priced),
        "yearly": sum(p.yearly_total for p in priced),
        "complete": all(ln.premium for ln in lines),
        "age": d.get("age"),
    }


def verify(request, token: str):
    policy = get_object_or_404(Policy.objects.prefetch_related("covers"), verify_token=token)
    today = timezone.localdate()
    covers = sorted((c for c in policy.covers.all() if c.cover_start), key=lambda c: c.product_order)
    for cover in covers:
        cover.state_label = cover.state_label_on(today)
    state = policy.state_on(today)
    return render(
        request,
        "kyosai/verify.html",
        {
            "policy": policy,
            "state": state,
            "state_label": premiums.COVER_STATES[state],
            "today": today,
            "masked_name": premiums.mask_name(policy.holder_name),
            "covers": covers,
        },
    )


# --- 見積依頼 --------------------------------------------------------------------
@member_required
def quote_request(request):
    start = premiums.first_of_next_month(timezone.localdate())
    known = services.member_age_sex(request.user, on=start)
    form = QuoteRequestForm(request.POST or None, initial=request.GET.dict(), on=start, known=known)
    if request.method == "POST" and form.is_valid():
        services.quote_request_create(
            user=request.user, product="medical", now=timezone.now(), **form.cleaned_data
        )
        messages.success(request, "見積依頼を受け付けました。担当者からメールでお答えします。")
        return redirect("members:mypage")
    return render(
        request, "kyosai/quote_request.html", {"form": form, "known": known, "sexes": premiums.SEXES}
    )


# --- Enrolment wizard ------------------------------------------------------------
def _draft(request) -> Application | None:
    return Application.objects.filter(user=request.user, status=Application.Status.DRAFT).first()


def _steps(application: Application) -> list[str]:
    """The wizard's steps for this application: the club step only for people
    not yet in the club, documents only for 労災特別加入."""
    skip = set()
    if "club" not in application.product_codes() and services.has_club(application.user, besides=application):
        skip.add("club")
    if not services.needs_documents(application):
        skip.add("documents")
    return [s for s in STEPS if s not in skip]


def _guard(request, step: str):
    """The draft, or a redirect to where the member should be."""
    application = _draft(request)
    if application is None:
        return None, redirect("kyosai:apply")
    steps = _steps(application)
    reached = application.step
    if reached not in steps:
        reached = "options" if reached == "club" else steps[-1]
    if step not in steps or steps.index(step) > steps.index(reached):
        return None, redirect(f"kyosai:apply-{reached}")
    return application, None


@member_required
def apply(request):
    """Start (or resume) an application, carrying the simulator's choices."""
    if request.method == "POST":
        application = services.application_draft(user=request.user, now=timezone.now())
        if request.POST.get("carry"):
            request.session[CARRY_KEY] = request.POST["carry"]
        return redirect(f"kyosai:apply-{application.step}")
    form = SimulatorForm(request.GET or None, start=premiums.first_of_next_month(timezone.localdate()))
    carried = simulate(form)["lines"] if form.is_bound and form.is_valid() else []
    return render(
        request,
        "kyosai/apply_start.html",
        {
            "draft": _draft(request),
            "carried": carried,
            "carry": request.GET.urlencode(),
        },
    )


@member_required
def apply_club(request):
    application, other = _guard(request, "club")
    if other:
        return other
    form = ClubForm(request.POST or None, initial={"join": "club" in application.product_codes()})
    if request.method == "POST" and form.is_valid():
        selection = {e.product: _choice(e) for e in application.enrolments.all()}
        try:
            services.application_set_products(
                application=application,
                selection={**selection, "club": {}},
                next_step="options",
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("kyosai:apply-options")
    club = Product.objects.filter(code="club").first()
    return render(
        request,
        "kyosai/apply_club.html",
        _wizard(
            application, "club", form=form, club=club, products=products_in_force(timezone.localdate())[:1]
        ),
    )


def _choice(enrolment: Enrolment) -> dict:
    return {f: getattr(enrolment, f) for f in services.CHOICE_FIELDS}


def _wizard(application, step, **context) -> dict:
    steps = _steps(application)
    return {
        "application": application,
        "step": step,
        "steps": [(i, s, STEP_LABELS[s]) for i, s in enumerate(steps, start=1)],
        "step_number": steps.index(step) + 1,
        "step_label": STEP_LABELS[step],
        "has_documents": "documents" in steps,
        **context,
    }


@member_required
def apply_options(request):
    application, other = _guard(request, "options")
    if other:
        return other
    start = services.expected_cover_start("life", timezone.localdate())
    age = premiums.age_on(application.birth_date, start) if application.birth_date else None
    current = {e.product: _choice(e) for e in application.enrolments.all()}
    form = _options_form(request, application, start=start, age=age, current=current)
    if request.method == "POST" and form.is_valid():
        club = "club" in current or not services.has_club(request.user, besides=application)
        try:
            services.application_set_products(
                application=application, selection=form.selection(club=club), now=timezone.now()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(CARRY_KEY, None)
            return redirect("kyosai:apply-details")
    club_pending = "club" not in current and not services.in_club(request.user)
    context = _wizard(application, "options", form=form, age=age, start=start, club_pending=club_pending)
    return render(request, "kyosai/apply_options.html", context)


def _options_form(request, application, *, start, age, current) -> OptionsForm:
    """Options already held or applied for elsewhere are marked, not offered."""
    return OptionsForm(
        request.POST or None,
        initial=initial_from_selection(current) if len(current) > 1 else _carried(request, start),
        start=start,
        age=age,
        sex=application.sex,
        user=request.user,
        held=services.options_elsewhere(request.user, besides=application),
    )


def _carried(request, start) -> dict:
    form = SimulatorForm(QueryDict(request.session.get(CARRY_KEY, "")), start=start)
    return initial_from_selection(form.selection(club=False)) if form.is_valid() else {}


@member_required
def apply_details(request):
    application, other = _guard(request, "details")
    if other:
        return other
    initial = {
        "full_name": application.full_name,
        "birth_date": application.birth_date,
        "sex": application.sex,
        "beneficiary": application.beneficiary,
    }
    initial |= {f"q{a.get('id')}": a["answer"] for a in application.answers if a.get("id")}
    form = DetailsForm(request.POST or None, initial=initial, application=application)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        application = services.application_set_details(
            application=application,
            full_name=d["full_name"],
            birth_date=d["birth_date"],
            sex=d["sex"],
            beneficiary=d.get("beneficiary", ""),
            answers=form.answers(),
            now=timezone.now(),
        )
        return redirect(f"kyosai:apply-{application.step}")
    return render(request, "kyosai/apply_details.html", _wizard(application, "details", form=form))


@member_required
def apply_documents(request):
    application, other = _guard(request, "documents")
    if other:
        return other
    have = {d.kind: d for d in application.documents.all()}
    freelance = "rosai_freelance" in application.product_codes()
    form = DocumentsForm(request.POST or None, request.FILES or None, have=set(have), freelance=freelance)
    if request.method == "POST" and form.is_valid():
        services.application_set_documents(
            application=application, uploads=form.cleaned_data, now=timezone.now()
        )
        return redirect("kyosai:apply-review")
    return render(
        request, "kyosai/apply_documents.html", _wizard(application, "documents", form=form, have=have)
    )


@member_required
def apply_review(request):
    application, other = _guard(request, "review")
    if other:
        return _replayed(request) or other
    form = SubmitForm(request.POST or None, initial={"application": application.pk})
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.application_submit(
                application_id=form.cleaned_data["application"],
                user=request.user,
                consent=form.cleaned_data["consent"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "お申込みを受け付けました。審査の結果はメールでお知らせします。")
            return redirect("kyosai:application-detail", pk=submitted.pk)
    lines = services.application_quote(application=application, on=timezone.localdate())
    matters: dict[str, list[str]] = {}  # the same text is shown once, with its products
    for product in Product.objects.filter(code__in=application.product_codes()):
        matters.setdefault(product.important_matters, []).append(product.name)
    return render(
        request,
        "kyosai/apply_review.html",
        _wizard(
            application,
            "review",
            form=form,
            lines=lines,
            matters=matters,
            club_end=services.club_year_end(request.user)
            if "club" not in application.product_codes()
            else None,
            monthly=sum(ln.premium.monthly or 0 for ln in lines if ln.premium),
            annual=sum(ln.premium.annual or 0 for ln in lines if ln.premium),
        ),
    )


def _replayed(request):
    """A submit posted again after it went through: say so, change nothing."""
    if request.method != "POST":
        return None
    done = (
        Application.objects.filter(user=request.user, pk=request.POST.get("application") or 0)
        .exclude(status=Application.Status.DRAFT)
        .first()
    )
    if done is None:
        return None
    messages.info(request, "この申込みはすでに送信済みです。二重に申し込まれることはありません。")
    return redirect("kyosai:application-detail", pk=done.pk)


# --- After submission ------------------------------------------------------------
@member_required
def application_detail(request, pk: int):
    application = get_application_for_member(request, pk)
    enrolments = application.enrolments.select_related("policy", "rate_table")
    return render(
        request,
        "kyosai/application_detail.html",
        {
            "application": application,
            "enrolments": enrolments,
            "policy": Policy.objects.filter(application=application).first(),
        },
    )


@login_required
def certificate_download(request, pk: int):
    policy = get_policy_for_viewer(request, pk)
    return generated_pdf_response(
        request,
        policy.certificate,
        filename=f"Wor-Q共済加入証明書-{policy.number}.pdf",
        waiting="加入証明書を作成しています。少し待ってから、もう一度お試しください。",
    )


@login_required
def document_download(request, pk: int):
    document = get_document_for_viewer(request, pk)
    return upload_response(document, stem=f"{document.get_kind_display()}-{document.pk}")


@member_required
@require_POST
def enrolment_cancel(request, pk: int):
    enrolment = get_enrolment_for_member(request, pk)
    try:
        services.enrolment_request_cancel(enrolment=enrolment, user=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "解約のお申出を受け付けました。担当者が確認し、今月末で解約となります。")
    return redirect(reverse("members:mypage") + "#kyosai")


# --- 共済金・保険金の請求 ------------------------------------------------------
CLAIM_STEPS = [("kind", "種類"), ("details", "内容"), ("documents", "書類"), ("confirm", "確認・送信")]


def _posted(request):
    """The POST data on a POST (even an empty one, which must show its errors)."""
    return request.POST if request.method == "POST" else None


def _claim_step(claim: Claim, step: str, **context) -> dict:
    return {"claim": claim, "step": step, "steps": CLAIM_STEPS, **context}


@login_required
def claim_list(request):
    # Drafts only for the person writing them.
    claims = (
        Claim.objects.visible_to(request.user)
        .exclude(Q(status=Claim.Status.DRAFT) & ~Q(filed_by=request.user))
        .select_related("member", "filed_by")
    )
    return render(request, "kyosai/claim_list.html", {"claims": claims})


@member_required
def claim_new(request):
    """What a claim needs, then (POST) a draft claim and the first step."""
    if request.method == "POST":
        try:
            claim = services.claim_start(member=request.user, filed_by=request.user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("kyosai:claim-new")
        return redirect("kyosai:claim-kind", pk=claim.pk)
    today = timezone.localdate()
    kinds = services.claim_kinds_offered(member=request.user, family=False, today=today)
    policies = Policy.objects.filter(user=request.user).prefetch_related("covers")
    return render(
        request,
        "kyosai/claim_new.html",
        {"kinds": kinds, "policies": policies, "chosen": request.GET.get("policy", "")},
    )


@login_required
def claim_family(request):
    form = FamilyClaimForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            claim = services.claim_family_start(
                filed_by=request.user,
                policy_number=d["policy_number"],
                holder_name=d["holder_name"],
                claimant_name=d["claimant_name"],
                relationship=d["relationship"],
                phone=d["phone"],
                reason=d["family_reason"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("kyosai:claim-kind", pk=claim.pk)
    return render(request, "kyosai/claim_family.html", {"form": form})


@login_required
def claim_kind(request, pk: int):
    claim = get_claim_draft_for_filer(request, pk)
    kinds = services.claim_kinds_offered(
        member=claim.member, family=claim.is_family, today=timezone.localdate()
    )
    form = ClaimKindForm(_posted(request), kinds=kinds, initial={"kind": claim.kind})
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_set_kind(claim=claim, kind=form.cleaned_data["kind"], now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("kyosai:claim-details", pk=claim.pk)
    return render(request, "kyosai/claim_kind.html", _claim_step(claim, "kind", form=form))


@login_required
def claim_details(request, pk: int):
    claim = get_claim_draft_for_filer(request, pk)
    if not claim.kind:
        return redirect("kyosai:claim-kind", pk=claim.pk)
    kind = claimcalc.KIND_BY_CODE[claim.kind]
    covers = services.claim_covers_on(member=claim.member, day=claim.event_date or timezone.localdate())
    initial = {"event_date": claim.event_date, "description": claim.description, **services.details_of(claim)}
    form = ClaimDetailsForm(
        _posted(request), initial=initial, kind=kind, subtypes=claimcalc.subtypes(kind, covers)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_set_details(claim=claim, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("kyosai:claim-documents", pk=claim.pk)
    return render(request, "kyosai/claim_details.html", _claim_step(claim, "details", form=form, kind=kind))


def _errors_to_form(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def claim_documents(request, pk: int):
    claim = get_claim_draft_for_filer(request, pk)
    if claim.event_date is None:
        return redirect("kyosai:claim-details", pk=claim.pk)
    response, form = _attach(request, claim, next_url="kyosai:claim-documents")
    if response:
        return response
    checklist = services.claim_checklist(claim)
    return render(
        request,
        "kyosai/claim_documents.html",
        _claim_step(claim, "documents", form=form, checklist=checklist),
    )


def _documents_form(request, claim: Claim) -> ClaimDocumentsForm:
    """The upload form, offering first the document still missing (required ones first)."""
    todo = [i.requirement for i in services.claim_checklist(claim) if i.requirement and not i.done]
    todo.sort(key=lambda r: not r.required)
    return ClaimDocumentsForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        initial={"requirement": todo[0].pk if todo else ""},
        requirements=services.claim_requirements(claim),
    )


def _attach(request, claim: Claim, *, next_url: str):
    """The upload form; on a valid POST the files are stored and a redirect returned."""
    form = _documents_form(request, claim)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.claim_attach(
                claim=claim,
                uploads=form.uploads(),
                requirement=form.chosen_requirement(),
                user=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{len(saved)}件のファイルを受け取りました。")
            return redirect(next_url, pk=claim.pk), form
    return None, form


@login_required
@require_POST
def claim_document_remove(request, pk: int):
    document = get_claim_document_for_filer(request, pk)
    try:
        services.claim_remove_document(document=document, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("kyosai:claim-documents", pk=document.claim_id)


@login_required
def claim_confirm(request, pk: int):
    claim = get_claim_draft_for_filer(request, pk)
    if claim.event_date is None:
        return redirect("kyosai:claim-details", pk=claim.pk)
    form = ClaimSubmitForm(_posted(request), initial={"claim": claim.pk})
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_submit(claim_id=form.cleaned_data["claim"], user=request.user, now=timezone.now())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "ご請求を受け付けました。状況が変わるたびにメールでお知らせします。")
            return redirect("kyosai:claim-detail", pk=claim.pk)
    context = {
        "form": form,
        "checklist": services.claim_checklist(claim),
        "missing": services.claim_missing_documents(claim),
    }
    return render(request, "kyosai/claim_confirm.html", _claim_step(claim, "confirm", **context))


@login_required
def claim_detail(request, pk: int):
    claim = get_claim_for_viewer(request, pk)
    if claim.status == Claim.Status.DRAFT:
        if claim.filed_by_id != request.user.pk:
            raise Http404("入力中の請求です。")
        return redirect("kyosai:claim-kind", pk=claim.pk)
    form = None
    if claim.status in claimcalc.ACCEPTS_DOCUMENTS and claim.status != Claim.Status.DRAFT:
        form = _documents_form(request, claim)
    return render(request, "kyosai/claim_detail.html", _claim_detail_context(claim, form=form))


def _claim_detail_context(claim: Claim, *, form) -> dict:
    road = [(s, claimcalc.STATUS_LABELS[s]) for s in claimcalc.MAIN_ROAD]
    reached = claimcalc.MAIN_ROAD.index(claim.status) if claim.status in claimcalc.MAIN_ROAD else None
    return {
        "claim": claim,
        "road": road,
        "reached": reached,
        "events": claim.events.exclude(action=ClaimEvent.Action.STARTED),
        "checklist": services.claim_checklist(claim),
        "form": form,
    }


@login_required
@require_POST
def claim_add_documents(request, pk: int):
    claim = get_claim_for_member_or_filer(request, pk)
    response, form = _attach(request, claim, next_url="kyosai:claim-detail")
    if response:
        return response
    return render(request, "kyosai/claim_detail.html", _claim_detail_context(claim, form=form), status=400)


@login_required
def claim_document_download(request, pk: int):
    document = get_claim_document_for_viewer(request, pk)
    # Photos open in the browser for review; PDFs are downloaded, as enrolment uploads are.
    return upload_response(document, stem=f"{document.claim.number}-{document.pk}", inline_images=True)


def rosai_claim_guide(request):
    """労災 benefits are paid by the state: how to claim, not a claim form."""
    return render(request, "kyosai/rosai_claim_guide.html")
