import io

import pytest

from kyosai import demo
from kyosai.models import Claim, ClaimEvent


@pytest.mark.django_db
def test_demo_has_a_claim_in_each_state_and_loads_idempotently(django_capture_on_commit_callbacks):
    from members import demo as members_demo

    members_demo.load(stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=io.StringIO())
    snapshot = (Claim.objects.count(), ClaimEvent.objects.count())
    demo.load(stdout=io.StringIO())
    assert (Claim.objects.count(), ClaimEvent.objects.count()) == snapshot
    states = set(Claim.objects.values_list("status", flat=True))
    assert states == {s for s in Claim.Status.values if s != "draft"}
