"""The data migration that moves consultations' history into the one audit shape."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from consultations.models import ConsultationRequestEvent, LawyerReferralEvent
from tests.consultations.factories import ConsultationRequestFactory, LawyerFactory, LawyerReferralFactory

migration = import_module("consultations.migrations.0008_keep_audit_history")
pytestmark = pytest.mark.django_db


def test_free_text_actions_become_their_codes_and_back():
    consultation = ConsultationRequestFactory()
    for text in ["受付", "状態の変更", "回答の送信"]:
        ConsultationRequestEvent.objects.create(consultation=consultation, action=text)
    migration.actions_to_codes(apps, None)
    events = ConsultationRequestEvent.objects.order_by("id")
    assert list(events.values_list("action", flat=True)) == ["submitted", "status_changed", "replied"]
    assert [e.get_action_display() for e in events] == ["受付", "状態の変更", "回答の送信"]
    migration.codes_to_actions(apps, None)
    assert list(events.values_list("action", flat=True)) == ["受付", "状態の変更", "回答の送信"]


def test_referrals_get_the_history_they_would_have_had(member):
    at = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    waiting = LawyerReferralFactory(member=member, created_at=at)
    lawyer = LawyerFactory(name="田中 一郎", office="田中法律事務所")
    referred = LawyerReferralFactory(
        member=member, created_at=at, lawyer=lawyer, status="referred", referred_at=at + dt.timedelta(days=2)
    )
    migration.referral_history(apps, None)
    migration.referral_history(apps, None)  # run again: nothing twice
    assert list(waiting.events.values_list("action", "actor", "created_at")) == [("received", member.pk, at)]
    rows = referred.events.order_by("created_at").values_list("action", "actor", "note", "created_at")
    assert list(rows) == [
        ("received", member.pk, "", at),
        ("referred", None, str(lawyer), at + dt.timedelta(days=2)),
    ]
    assert LawyerReferralEvent.objects.count() == 3
