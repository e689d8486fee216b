"""Templated e-mail: ``templates/emails/<name>-subject.txt``, ``-body.txt`` and
optional ``-body.html``, sent by a Celery task after the transaction commits."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from worq.lib.outbox import outbox_add


def render_email(*, template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}-subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    body = render_to_string(f"emails/{template}-body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    try:
        message.attach_alternative(render_to_string(f"emails/{template}-body.html", context), "text/html")
    except TemplateDoesNotExist:
        pass
    return message


def send_templated_email(*, template: str, context: dict, to: list[str]) -> None:
    """Send now. Use ``enqueue_templated_email`` from services."""
    if to:
        render_email(template=template, context=context, to=to).send()


def enqueue_templated_email(*, template: str, context: dict, to: list[str]) -> None:
    """Record the e-mail in the outbox, in the surrounding transaction; it is
    sent after the commit, or by the outbox sweep if the broker is down.

    ``context`` must be JSON-serialisable (it is stored and travels through the broker).
    """

    outbox_add(
        task="worq.tasks.send_email_task", kwargs={"template": template, "context": context, "to": list(to)}
    )
