"""Cases suggested while someone writes an e-mail consultation (htmx), and
the same without JavaScript ("関連する事例を探す")."""

import pytest
from django.urls import reverse

from consultations.models import ConsultationRequest
from tests.consultations.factories import CaseFactory

pytestmark = pytest.mark.django_db

FORM = reverse("consultations:request-create")
SUGGEST = reverse("consultations:request-suggest")
DRAFT = "納品したのに報酬が2か月も支払われません。どうしたらいいですか。"


@pytest.fixture
def cases():
    CaseFactory(
        external_id="S-PAY", title="納品したのに報酬が支払われない", question="報酬が振り込まれません。"
    )
    CaseFactory(external_id="S-HIDDEN", title="報酬が支払われない（非公開）", published=False)
    CaseFactory(external_id="S-INJ", title="配達中にけがをした", question="骨折しました。")


def test_live_suggestions_show_matching_published_cases(client, cases, django_assert_max_num_queries):
    client.post(SUGGEST, {"what_happened": "配達中にけがをしました"})  # loads this process's copies
    # Warm: the lexical ranking (all words, then some), the cases. Stamps of the
    # per-process copies are read at most every few seconds.
    with django_assert_max_num_queries(6):
        response = client.post(SUGGEST, {"what_happened": DRAFT})
    html = response.content.decode()
    assert response.status_code == 200
    assert "似た相談事例があります" in html and "納品したのに報酬が支払われない" in html
    assert "非公開" not in html and "配達中" not in html
    assert 'target="_blank"' in html  # opening a case keeps the draft


def test_a_few_characters_suggest_nothing_yet(client, cases):
    html = client.post(SUGGEST, {"what_happened": "報酬"}).content.decode()
    assert "相談事例" not in html and "見つかりません" not in html


def test_no_match_says_so_kindly(client, cases):
    html = client.post(SUGGEST, {"what_happened": "まったく関係のない文章をここに書きます"}).content.decode()
    assert "近い事例は見つかりませんでした" in html


def test_suggestions_are_post_only_and_save_nothing(client, cases):
    assert client.get(SUGGEST, {"what_happened": DRAFT}).status_code == 405
    client.post(SUGGEST, {"what_happened": DRAFT})
    assert not ConsultationRequest.objects.exists()


def test_form_page_wires_live_suggestions_with_data_attributes(client):
    html = client.get(FORM).content.decode()
    assert f'data-hx-post="{SUGGEST}"' in html
    assert "from:#id_what_happened" in html
    assert 'name="suggest"' in html and "関連する事例を探す" in html


def test_without_javascript_the_button_shows_cases_and_keeps_the_draft(client, cases):
    response = client.post(FORM, {"what_happened": DRAFT, "email": "asker@example.jp", "suggest": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "納品したのに報酬が支払われない" in html
    assert DRAFT in html and "asker@example.jp" in html  # nothing typed is lost
    assert "errorlist" not in html  # not a failed submission
    assert not ConsultationRequest.objects.exists()
