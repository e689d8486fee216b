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


@pytest.mark.django_db
def test_demo_remakes_vectors_an_earlier_model_made():
    """An older checkout's demo database keeps vectors of the model it had;
    loading the demo again must re-make them, or search would stay lexical."""
    from consultations import embeddings, search
    from consultations.models import CaseEmbedding

    class Earlier(embeddings.Hashing):
        model_id = "an-earlier-model"

    embeddings.set_backend(Earlier())
    try:
        demo.load(stdout=io.StringIO())
        search.embed_cases()
        old_prefix = search._model_prefix()
        assert CaseEmbedding.objects.filter(digest__startswith=old_prefix).count() == Case.objects.count()
    finally:
        embeddings.reset()
    demo.load(stdout=io.StringIO())
    current = CaseEmbedding.objects.filter(digest__startswith=search._model_prefix())
    assert search._model_prefix() != old_prefix
    assert current.count() == Case.objects.published().count() > 100
    assert search_cases("ギャラが振り込まれない")  # searched by meaning too
