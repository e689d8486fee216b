import io

import pytest

from consultations import demo
from consultations.models import (
    AnswerEntry,
    Case,
    ConsultationChannel,
    ConsultationRequest,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
    LineConsultationDay,
    UsefulLink,
)
from consultations.search import search_cases
from members import demo as members_demo

MODELS = [
    Case,
    GlossaryTerm,
    AnswerEntry,
    UsefulLink,
    ConsultationChannel,
    LineConsultationDay,
    Lawyer,
    ConsultationRequest,
    LawyerReferral,
]


def snapshot():
    return {m.__name__: sorted(m.objects.values_list("pk", flat=True)) for m in MODELS} | {
        "case_updated": sorted(Case.objects.values_list("updated_at", flat=True)),
        "term_updated": sorted(GlossaryTerm.objects.values_list("updated_at", flat=True)),
    }


@pytest.mark.django_db
def test_demo_loads_enough_content_and_twice_changes_nothing():
    members_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    first = snapshot()
    demo.load(stdout=io.StringIO())
    assert snapshot() == first
    assert Case.objects.count() >= 120 and GlossaryTerm.objects.count() >= 80
    assert AnswerEntry.objects.count() >= 30 and UsefulLink.objects.count() >= 30
    assert set(Case.objects.values_list("category", flat=True)) >= {"報酬・支払い", "労災・けが・病気"}
    assert all("（デモ）" in name for name in Lawyer.objects.values_list("name", flat=True))
    assert search_cases("労災")
