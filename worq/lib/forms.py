"""Form rendering, and one-time form tokens.

A form that creates something carries ``{% form_once %}`` (a signed random
token, fresh on every render) and its view ``@submitted_once``: the first
POST with a token spends it (a unique row), and any other POST with the same
token changes nothing and is sent back to where the person was. So a double
tap, a resent request or five parallel submits of one rendered form save one.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.forms.renderers import TemplatesSetting
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from worq.models import FormSubmission

FIELD = "form_once"
MAX_AGE = dt.timedelta(days=1)
_SALT = "worq.form-once"


class WorqFormRenderer(TemplatesSetting):
    """Every form renders label, help, errors and input the same accessible way."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


def form_token_new() -> str:
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(24))


def form_token_spend(token: str, *, now: dt.datetime) -> bool:
    """True for the first use of a valid token; False for a repeat.
    A token that is not ours or too old counts as no token (True)."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=value, created_at=now)
    except IntegrityError:
        return False
    return True


def form_tokens_forget(*, now: dt.datetime) -> int:

    return FormSubmission.objects.filter(created_at__lt=now - 2 * MAX_AGE).delete()[0]


def _back(request, done: str | None):
    """Where the first submit leads (``done``), else the page the form was on."""
    if done:
        return redirect(done)
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(referer)
    return redirect("/")


def submitted_once(done: str | None = None) -> Callable:
    """A POST repeating a spent token does nothing: htmx gets 204 (the first
    answer stays on screen); a page is sent to ``done`` (where the first
    submit leads) or, without one, back to the page the form was on."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            token = request.POST.get(FIELD, "") if request.method == "POST" else ""
            if token and not form_token_spend(token, now=timezone.now()):
                if getattr(request, "htmx", False):
                    return HttpResponse(status=204)
                messages.info(request, "この内容はすでに送信されています。二重に送られることはありません。")
                return _back(request, done)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
