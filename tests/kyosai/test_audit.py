"""kyosai's audit tables have the one shape, every change writes its row in
its own transaction, and the data migration keeps the history."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from kyosai import services
from kyosai.models import ClaimEvent, Event, QuoteRequest
from tests.kyosai.factories import NOW
from worq.lib.audit import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Event, ClaimEvent])
def test_kyosai_audit_tables_have_the_one_shape(model):
    assert issubclass(model, AuditRecord)
    assert model._meta.get_field("action").choices


def draft_with(member, selection: dict):
    application = services.application_draft(user=member, now=NOW)
    services.application_set_products(application=application, selection=selection, now=NOW)
    return application


def set_details(application):
    return services.application_set_details(
        application=application,
        full_name="山田 太郎",
        birth_date=dt.date(1988, 4, 1),
        sex="male",
        beneficiary="",
        answers=[],
        now=NOW,
    )


def test_details_are_recorded(member):
    application = set_details(draft_with(member, {"club": {}}))
    actions = list(application.events.order_by("id").values_list("action", "actor"))
    assert actions == [
        (Event.Action.STARTED, member.pk),
        (Event.Action.PRODUCTS_CHOSEN, member.pk),
        (Event.Action.DETAILS_SET, member.pk),
    ]


def test_refused_details_leave_no_audit_row(member):
    application = draft_with(member, {"club": {}, "rosai_freelance": {"daily": 5000}})
    with pytest.raises(ValidationError):
        set_details(application)  # the 特定フリーランス questions are unanswered
    assert not application.events.filter(action=Event.Action.DETAILS_SET).exists()


@pytest.fixture
def quote(member):
    return services.quote_request_create(
        user=member,
        product="medical",
        age=45,
        sex="male",
        daily=5000,
        payment="whole_life",
        message="",
        now=NOW,
    )


def test_quote_request_and_answer_are_recorded(member, staff, quote):
    stale = QuoteRequest.objects.get(pk=quote.pk)
    services.quote_request_answer(
        quote_request=stale, answer="月額2,480円です。", monthly=2480, actor=staff, now=NOW
    )
    rows = list(quote.events.order_by("id").values_list("action", "actor", "note"))
    assert rows == [
        (Event.Action.QUOTE_REQUESTED, member.pk, ""),
        (Event.Action.QUOTE_ANSWERED, staff.pk, "月払掛金 2,480円"),
    ]


def test_refused_answer_leaves_no_audit_row(staff, quote):
    with pytest.raises(ValidationError):
        # A negative premium fails full_clean() inside the transaction.
        services.quote_request_answer(quote_request=quote, answer="回答", monthly=-1, actor=staff, now=NOW)
    assert not quote.events.filter(action=Event.Action.QUOTE_ANSWERED).exists()
    quote.refresh_from_db()
    assert quote.status == QuoteRequest.Status.OPEN


def test_migration_turns_old_texts_into_codes_and_back(member):
    migration = import_module("kyosai.migrations.0006_audit_record_shape")
    application = services.application_draft(user=member, now=NOW)
    old = {
        text: Event.objects.create(application=application, action=text, note=text)
        for text in migration.ACTIONS
    }
    unknown = Event.objects.create(application=application, action="手で書いた操作")

    migration.texts_to_codes(apps, None)
    for text, event in old.items():
        event.refresh_from_db()
        assert event.action == migration.ACTIONS[text]
        assert event.get_action_display() == text  # the history reads as it did
        assert event.note == text
    unknown.refresh_from_db()
    assert unknown.action == "手で書いた操作"  # kept, not lost

    migration.codes_to_texts(apps, None)
    assert {e.action for e in Event.objects.filter(pk__in=[e.pk for e in old.values()])} == set(
        migration.ACTIONS
    )


def test_every_old_text_maps_to_a_current_action():
    migration = import_module("kyosai.migrations.0006_audit_record_shape")
    assert set(migration.ACTIONS.values()) <= set(Event.Action.values)


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_history_through_the_executor(member):
    """Rows written before 0006, in the old shape, read the same after it."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("kyosai", "0005_merge_rosai_freelance_and_claims")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("kyosai")
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    application = old_apps.get_model("kyosai", "Application").objects.create(user_id=member.pk)
    OldEvent = old_apps.get_model("kyosai", "Event")
    OldEvent.objects.create(
        application=application, action="承認", note="WQK-2026-000001", actor_id=member.pk
    )
    OldEvent.objects.create(application=application, action="年会費未納により失効")

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    rows = [(e.action, e.get_action_display(), e.note, e.actor_id) for e in Event.objects.order_by("id")]
    assert rows == [
        ("approved", "承認", "WQK-2026-000001", member.pk),
        ("lapsed", "年会費未納により失効", "", None),
    ]
