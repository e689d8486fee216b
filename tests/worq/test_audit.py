import pytest
from django.utils import timezone

from community.models import ModerationAction
from consultations.models import CaseEvent, ConsultationRequestEvent, EngagementEvent, LawyerReferralEvent
from magazine.models import SubscriptionEvent
from members.models import MembershipEvent
from opinionbox.models import Event
from worq.lib.audit import AuditRecord, record


def test_record_outside_a_transaction_is_refused():
    # No database access: the check comes before any query.
    with pytest.raises(AssertionError, match="inside the transaction"):
        record(MembershipEvent, action=MembershipEvent.Action.UPDATED, now=timezone.now())


@pytest.mark.parametrize(
    "model",
    [
        MembershipEvent,
        ModerationAction,
        SubscriptionEvent,
        Event,
        CaseEvent,
        ConsultationRequestEvent,
        LawyerReferralEvent,
        EngagementEvent,
    ],
)
def test_every_audit_table_has_the_one_shape(model):
    assert issubclass(model, AuditRecord)
    assert model._meta.get_field("action").choices
    assert {"actor", "action", "created_at"} <= {f.name for f in model._meta.fields}
