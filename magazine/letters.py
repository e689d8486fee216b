"""Pure pieces of Wor-Q Letters: plain-text rendering, message headers and
telling a transient SMTP failure from a permanent one. No ORM here."""

import html
import re
import smtplib
import socket
from dataclasses import dataclass

import nh3
from django.core.mail import EmailMultiAlternatives

UNSUBSCRIBE_PLACEHOLDER = "__WORQ_UNSUBSCRIBE_URL__"

# One level of parentheses inside a URL is allowed, as Markdown does.
_LINK = re.compile(r"!?\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def markdown_to_text(text: str) -> str:
    """Readable plain text from Markdown: links become 「text（URL）」."""

    def link(match: re.Match) -> str:
        label, url = match.group(1), match.group(2)
        if match.group(0).startswith("!"):
            return f"（画像：{label}）" if label else ""
        if url.lower().startswith(("javascript:", "data:", "vbscript:")):
            return label
        return f"{label}（{url}）" if label and label != url else url

    text = _AUTOLINK.sub(r"\1", text or "")
    text = _LINK.sub(link, text)
    text = _EMPHASIS.sub(r"\2", text)
    # Raw HTML in the Markdown never reaches the plain part (script bodies included).
    text = html.unescape(nh3.clean(text, tags=set()))
    return text.strip() + "\n"


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def build_message(
    *, letter: Letter, to: str, unsubscribe_url: str, from_email: str | None = None
) -> EmailMultiAlternatives:
    """One personal message with RFC 8058 one-click unsubscribe headers."""
    message = EmailMultiAlternatives(
        subject=letter.subject,
        body=letter.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
        from_email=from_email,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": "Wor-Q Letters <letters.worq.example.jp>",
        },
    )
    message.attach_alternative(letter.html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url), "text/html")
    return message


class TransientSendError(Exception):
    """The server or the network failed for now; the batch is retried later."""


def is_transient(exc: BaseException) -> bool:
    """4xx replies and lost connections are worth retrying; 5xx replies are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(
        exc,
        (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPConnectError,
            ConnectionError,
            TimeoutError,
            socket.timeout,
            OSError,
        ),
    )


def describe(exc: BaseException) -> str:
    """A short, staff-readable description of why an address failed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, reply) in exc.recipients.items():
            reply_text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
            parts.append(f"{address}: {code} {reply_text}")
        return "受信を拒否されました（" + "; ".join(parts) + "）"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        reply_text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return f"送信サーバーの応答：{exc.smtp_code} {reply_text}"
    return f"{type(exc).__name__}: {exc}"
