"""Signed tokens for Letters links: confirmation (expires) and unsubscribe (never expires,
so the link in an old message still works). Both work without logging in."""

from django.core import signing

CONFIRM_SALT = "magazine.letters.confirm"
UNSUBSCRIBE_SALT = "magazine.letters.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600


class BadToken(Exception):
    """The link was altered, belongs to nobody, or has expired."""


def confirm_token(*, subscription_id: int, email: str) -> str:
    return signing.dumps([subscription_id, email.lower()], salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> tuple[int, str]:
    try:
        subscription_id, email = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadToken("expired") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken("bad") from exc
    return int(subscription_id), str(email)


def unsubscribe_token(*, subscription_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription_id))


def read_unsubscribe_token(token: str) -> int:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken("bad") from exc
