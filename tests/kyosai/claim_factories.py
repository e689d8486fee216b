"""Claims built through the services, as a member would file them."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kyosai import services
from kyosai.models import Claim, ClaimDocumentRequirement

# Policies approved on tests.kyosai.factories.NOW (2026-11-20) cover 2026-12-01 to 2027-11-30.
CLAIM_NOW = timezone.make_aware(dt.datetime(2027, 1, 15, 10, 0))
EVENT_DAY = dt.date(2027, 1, 5)
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64
PDF = b"%PDF-1.4 test"


def upload(name: str = "receipt.jpg", content: bytes = JPEG, content_type: str = "image/jpeg"):
    file = SimpleUploadedFile(name, content, content_type)
    file.sniffed_type = content_type
    return file


def requirement(claim: Claim, name_has: str = "") -> ClaimDocumentRequirement:
    return next(r for r in services.claim_requirements(claim) if name_has in r.name)


def draft_claim(member, *, kind="hospital_illness", event_date=EVENT_DAY, now=CLAIM_NOW, **details) -> Claim:
    claim = services.claim_start(member=member, filed_by=member, now=now)
    claim = services.claim_set_kind(claim=claim, kind=kind, now=now)
    details = details or ({"hospital_days": 10} if kind.startswith("hospital") else {})
    return services.claim_set_details(claim=claim, event_date=event_date, description="", now=now, **details)


def sent_claim(member, *, now=CLAIM_NOW, files: int = 2, **kwargs) -> Claim:
    claim = draft_claim(member, now=now, **kwargs)
    required = [r for r in services.claim_requirements(claim) if r.required] or [None]
    for req in required:
        services.claim_attach(
            claim=claim,
            uploads=[upload(f"p{i}.jpg") for i in range(files)],
            requirement=req,
            user=member,
            now=now,
        )
    return services.claim_submit(claim_id=claim.pk, user=member, now=now)
