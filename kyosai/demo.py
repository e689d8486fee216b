"""Demo Wor-Q共済 content. Idempotent: keyed by the demo members' e-mail."""

import datetime as dt

from django.utils import timezone

from kyosai import services
from kyosai.models import Application, Claim, Policy, QuoteRequest
from members.models import User

STAFF_EMAIL = "staff@worq.example.jp"


def _apply(user, selection, *, birth_date, sex, now):
    application = services.application_draft(user=user, now=now)
    services.application_set_products(application=application, selection=selection, now=now)
    services.application_set_details(
        application=application,
        full_name=user.membership.full_name,
        birth_date=birth_date,
        sex=sex,
        beneficiary="（デモ）家族" if "life" in selection else "",
        answers=[],
        now=now,
    )
    return services.application_submit(application_id=application.pk, user=user, consent=True, now=now)


def load(*, stdout) -> str:
    now = timezone.now()
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    sakura = User.objects.filter(email="sakura@example.jp").select_related("membership").first()
    kenta = User.objects.filter(email="kenta@example.jp").select_related("membership").first()
    mika = User.objects.filter(email="mika@example.jp").select_related("membership").first()
    if sakura and not Application.objects.filter(user=sakura).exists():
        # Approved two months ago, so the cover is in force today; the club fee is paid.
        approved_at = now - dt.timedelta(days=62)
        application = _apply(
            sakura,
            {"club": {}, "life": {"plan": "B"}, "liability": {}},
            birth_date=sakura.membership.birth_date,
            sex="female",
            now=approved_at,
        )
        policy = services.application_approve(application=application, actor=staff, now=approved_at)
        club = policy.covers.get(product="club")
        services.club_year_mark_paid(club_year=club.club_years.get(), actor=staff, now=approved_at)
        services.certificate_render(policy=policy, now=now)
    if kenta and not Application.objects.filter(user=kenta).exists():
        # Waiting for review: shows staff the queue in the admin.
        _apply(
            kenta,
            {"club": {}, "income": {"job_class": 2, "benefit": 200000}},
            birth_date=kenta.membership.birth_date,
            sex="male",
            now=now,
        )
    if mika and not QuoteRequest.objects.filter(user=mika).exists():
        services.quote_request_create(
            user=mika,
            product="medical",
            age=48,
            sex="female",
            daily=5000,
            payment="whole_life",
            message="（デモ）48歳女性の掛金を知りたいです。",
            now=now,
        )
    if sakura and staff:
        _claims(sakura, staff, now=now)
    return (
        f"{Application.objects.count()} kyosai applications, "
        f"{Policy.objects.count()} policies, {QuoteRequest.objects.count()} quote requests, "
        f"{Claim.objects.count()} claims"
    )


# One claim in each state for the demo member, made through the services.
CLAIM_STATES = [
    ("received", "hospital_illness", {"hospital_days": 3}, []),
    ("documents_check", "hospital_accident", {"hospital_days": 5}, ["documents_check"]),
    (
        "documents_requested",
        "hospital_illness",
        {"hospital_days": 2},
        ["documents_check", "documents_requested"],
    ),
    ("review", "donor", {}, ["documents_check", "review"]),
    ("payment", "hospital_illness", {"hospital_days": 4}, ["documents_check", "review", "payment"]),
    ("completed", "relative_death", {}, ["documents_check", "review", "payment", "completed"]),
    ("not_payable", "home_disaster", {"subtype": "自然災害（風水害等）"}, ["documents_check", "not_payable"]),
]
DEMO_PDF = b"%PDF-1.4\n% Wor-Q demo claim document\n"


def _claims(member, staff, *, now) -> None:
    """Idempotent: skipped once the demo member has a claim."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    covers = member.kyosai_enrolments.filter(status="approved", cover_start__isnull=False)
    if Claim.objects.filter(member=member).exists() or not covers.exists():
        return
    today = timezone.localdate(now)
    start = max(c.cover_start for c in covers)
    for i, (_state, kind, details, moves) in enumerate(CLAIM_STATES):
        event_date = max(start, today - dt.timedelta(days=20 - i))
        if event_date > today:
            return
        claim = services.claim_start(member=member, filed_by=member, now=now)
        claim = services.claim_set_kind(claim=claim, kind=kind, now=now)
        claim = services.claim_set_details(
            claim=claim, event_date=event_date, description="（デモ）", now=now, **details
        )
        requirements = services.claim_requirements(claim)
        for requirement in [r for r in requirements if r.required] or requirements[:1]:
            upload = SimpleUploadedFile("demo.pdf", DEMO_PDF, "application/pdf")
            upload.sniffed_type = "application/pdf"
            services.claim_attach(
                claim=claim, uploads=[upload], requirement=requirement, user=member, now=now
            )
        claim = services.claim_submit(claim_id=claim.pk, user=member, now=now)
        for to in moves:
            if to == "payment":
                services.claim_confirm_amount(
                    claim=claim,
                    amount=claim.indicative_amount or 0,
                    payment_date=today,
                    reason="" if claim.indicative_amount is not None else "（デモ）",
                    actor=staff,
                    now=now,
                )
            elif to == "completed":
                services.claim_record_payment(claim=claim, actor=staff, now=now)
            else:
                reason = {
                    "documents_requested": "（デモ）診療明細書もお送りください。",
                    "not_payable": "（デモ）被害が見舞金の対象となる程度ではありませんでした。",
                }.get(to, "")
                services.claim_transition(claim=claim, to=to, actor=staff, reason=reason, now=now)
