"""The demo has a member enrolled in 労災保険特別加入（特定フリーランス）; loading twice changes nothing."""

import io

import pytest

from kyosai.models import Application, Document, Enrolment, Policy

pytestmark = pytest.mark.django_db


def _load():
    from kyosai import demo as kyosai_demo
    from members import demo as members_demo

    out = io.StringIO()
    members_demo.load(stdout=out)
    kyosai_demo.load(stdout=out)


def _counts():
    return [m.objects.count() for m in (Application, Enrolment, Policy, Document)]


def test_demo_member_enrolled_in_rosai_freelance_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _load()
    first = _counts()
    enrolment = Enrolment.objects.get(user__email="yui@example.jp", product="rosai_freelance")
    assert enrolment.is_held and (enrolment.daily, enrolment.annual) == (6000, 6570)
    assert enrolment.policy.certificate
    with django_capture_on_commit_callbacks(execute=True):
        _load()
    assert _counts() == first
