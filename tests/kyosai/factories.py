"""Kyosai test data built through the services, as a member would."""

import datetime as dt

from django.utils import timezone

from kyosai import services
from kyosai.models import Application, Document, Policy

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))


def submitted_application(
    user, selection: dict | None = None, *, now=NOW, birth_date=dt.date(1988, 4, 1), sex="male"
) -> Application:
    selection = selection if selection is not None else {"club": {}, "life": {"plan": "B"}}
    application = services.application_draft(user=user, now=now)
    services.application_set_products(application=application, selection=selection, now=now)
    services.application_set_details(
        application=application,
        full_name=user.membership.full_name,
        birth_date=birth_date,
        sex=sex,
        beneficiary="山田 花子（配偶者）" if "life" in selection else "",
        answers=[],
        now=now,
    )
    if "rosai" in selection:
        from django.core.files.uploadedfile import SimpleUploadedFile

        for kind in Document.Kind.values:
            services.document_attach(
                application=application,
                kind=kind,
                content_type="application/pdf",
                now=now,
                upload=SimpleUploadedFile("doc.pdf", b"%PDF-1.4 test", "application/pdf"),
            )
    return services.application_submit(application_id=application.pk, user=user, consent=True, now=now)


def approved_policy(user, selection: dict | None = None, *, staff=None, now=NOW) -> Policy:
    application = submitted_application(user, selection, now=now)
    return services.application_approve(application=application, actor=staff, now=now)
