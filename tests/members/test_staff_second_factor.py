"""H1: staff powers need a second factor, wherever their URL is.

Every URL the project serves is requested by a 共済担当 account (and a
superuser) that has no authenticator: none may answer with content, only the
way to set the authenticator up. The same requests with the authenticator
set up still work, so the rule does not lock staff out.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kyosai.models import Document
from tests.conftest import make_staff
from tests.factories import UserFactory
from tests.kyosai.factories import approved_policy

SETUP = reverse("mfa_activate_totp")
OPEN_PREFIXES = ("/accounts/", "/healthz", "/static/")


def _all_routes(resolver=None, prefix=""):
    """(route with placeholders, name) for every URL pattern, the admin's included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _all_routes(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            yield prefix + pattern, entry.name


def _concrete(route: str, values: dict[str, str]) -> str:
    """Fill ``<int:pk>``, ``<str:token>`` and regex groups with sample values."""
    path = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")

    def converter(match):
        kind, name = (match.group(1) or "str"), match.group(2)
        if name in values:
            return values[name]
        return "1" if kind in ("int", "path") else "x-1"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "1"), path)
    path = re.sub(r"\(\?:[^)]*\)[?*]?", "", path)
    return "/" + path


@pytest.fixture
def kyosai_files(member, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy = approved_policy(member, {"club": {}, "rosai": {"daily": 5000}}, staff=staff)
    return policy, Document.objects.filter(application=policy.application).first()


@pytest.mark.parametrize("make_account", ["staff", "superuser"])
def test_every_url_needs_the_second_factor(client, kyosai_files, make_account):
    policy, document = kyosai_files
    if make_account == "staff":
        account = UserFactory(email="kyo@example.jp", is_staff=True)
        account.groups.set(Group.objects.filter(name__in=["共済担当", "相談担当", "編集", "モデレーター"]))
    else:
        account = UserFactory(email="root@example.jp", is_staff=True, is_superuser=True)
    client.force_login(account)
    values = {"pk": str(document.pk), "object_id": str(policy.pk)}
    checked = 0
    for route, _name in _all_routes():
        path = _concrete(route, values)
        if path.startswith(OPEN_PREFIXES) or path.startswith("/media/"):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response["Location"] == SETUP, (method, path)
            checked += 1
    assert checked > 100  # the admin's URLs are in the walk, not only ours


def test_the_two_reported_downloads(client, kyosai_files):
    """The finding itself: identity documents and certificates."""
    policy, document = kyosai_files
    urls = [reverse("kyosai:document", args=[document.pk]), reverse("kyosai:certificate", args=[policy.pk])]
    officer = UserFactory(email="kyo2@example.jp", is_staff=True)
    officer.groups.set(Group.objects.filter(name="共済担当"))
    client.force_login(officer)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == SETUP
    with_factor = make_staff("共済担当", email="kyo3@example.jp", nickname="きょうさい3")
    client.force_login(with_factor)
    for url in urls:
        assert client.get(url).status_code == 200


def test_account_pages_stay_open_so_staff_can_set_up_the_factor(client, db):
    client.force_login(UserFactory(email="new-staff@example.jp", is_staff=True))
    response = client.get(SETUP)
    # allauth may first ask to re-enter the password; never a loop back to itself
    assert response.status_code == 200 or response["Location"].startswith("/accounts/")
    assert client.get(reverse("healthz")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and response["Location"] != SETUP


def test_members_are_not_affected(client, member):
    client.force_login(member)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("members:mypage")).status_code == 200
