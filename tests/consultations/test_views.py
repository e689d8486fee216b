import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultations.models import ConsultationRequest, LawyerReferral
from tests.conftest import make_staff
from tests.consultations.factories import (
    REQUEST_FORM_DATA,
    AnswerEntryFactory,
    CaseFactory,
    ChannelFactory,
    ConsultationRequestFactory,
    GlossaryTermFactory,
    LawyerReferralFactory,
    UsefulLinkFactory,
)
from worq.lib.hooks import SearchSection, registry

pytestmark = pytest.mark.django_db
LIST = reverse("consultations:case-list")


@pytest.fixture
def cases():
    return [
        CaseFactory(
            external_id="P-1",
            title="報酬が払われない",
            category="報酬・支払い",
            question="納品したのに報酬が振り込まれません。",
            occupations=["配送・デリバリー・貨物"],
        ),
        CaseFactory(
            external_id="P-2",
            title="契約を打ち切られた",
            category="契約解除・打ち切り",
            question="報酬の交渉をしたら契約を打ち切られました。",
        ),
        CaseFactory(
            external_id="M-1",
            title="会員限定の報酬の事例",
            members_only=True,
            category="報酬・支払い",
            question="報酬の相談です。",
            answer="ここから先の回答は会員だけが読めます。" + "あ" * 80,
        ),
        CaseFactory(external_id="H-1", title="非公開の報酬の事例", published=False),
    ]


# --- Case search ---------------------------------------------------------------
def test_case_list_without_words_lists_every_published_case(client, cases, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["result"].total == 3
    assert "非公開の報酬の事例" not in response.content.decode()


def test_case_list_search_highlights_and_counts(client, cases, django_assert_max_num_queries):
    from worq.lib.hooks import registry

    # The page's own queries, plus one or two for each section other apps add.
    with django_assert_max_num_queries(10 + 2 * len(registry.search_sections)):
        response = client.get(LIST, {"q": "報酬"})
    html = response.content.decode()
    assert response.context["result"].items[0].case.external_id in {"P-1", "M-1"}
    assert "<mark>報酬</mark>" in html
    assert "報酬・支払い（2）" in html  # category counts in the filter
    assert "配送・デリバリー・貨物（1）" in html


def test_case_list_filters_and_sort(client, cases):
    response = client.get(LIST, {"q": "報酬", "category": "契約解除・打ち切り"})
    assert [i.case.external_id for i in response.context["result"].items] == ["P-2"]
    response = client.get(LIST, {"occupation": "配送・デリバリー・貨物"})
    assert [i.case.external_id for i in response.context["result"].items] == ["P-1"]
    response = client.get(LIST, {"q": "報酬", "sort": "newest"})
    assert response.context["result"].total == 3


def test_case_list_ignores_bad_parameters(client, cases):
    response = client.get(LIST, {"q": "報酬", "category": "ない", "sort": "drop", "page": "9999"})
    assert response.status_code == 200
    assert response.context["result"].total == 3


def test_case_list_paginates(client):
    for i in range(12):
        CaseFactory(external_id=f"PG-{i}", title=f"労災の事例{i}")
    first = client.get(LIST, {"q": "労災"})
    second = client.get(LIST, {"q": "労災", "page": 2})
    assert len(first.context["result"].items) == 10 and len(second.context["result"].items) == 2
    assert "page=2" in first.content.decode()


def test_htmx_request_gets_only_the_results(client, cases):
    response = client.get(LIST, {"q": "報酬"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="case-results"' in html and "<html" not in html
    assert 'hx-swap-oob="true"' in html  # filter counts follow the words typed


def test_no_results_suggests_glossary_and_form(client, cases):
    GlossaryTermFactory(term="下請法", reading="したうけほう")
    response = client.get(LIST, {"q": "下請法 ぴよぴよ"})
    html = response.content.decode()
    assert response.context["result"].total == 0
    assert "下請法" in html and reverse("consultations:request-create") in html


def test_members_only_answer_is_short_in_results(client, cases):
    response = client.get(LIST, {"q": "会員限定"})
    assert "あ" * 70 not in response.content.decode()


def test_search_sections_from_other_apps(client, cases):
    section = SearchSection(
        99,
        lambda q: {
            "title": "マガジン",
            "template": "consultations/includes/segments.html",
            "items": [1],
            "more_url": "/magazine/",
        },
    )
    registry.search_sections.append(section)
    try:
        html = client.get(LIST, {"q": "報酬"}).content.decode()
    finally:
        registry.search_sections.remove(section)
    assert "マガジン" in html and "/magazine/" in html


# --- Case detail -----------------------------------------------------------------
def test_public_case_reads_in_full_with_glossary_links(client, cases):
    term = GlossaryTermFactory(term="報酬", reading="ほうしゅう")
    response = client.get(reverse("consultations:case-detail", args=["P-1"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(f'href="{term.get_absolute_url()}"') == 2  # first occurrence + term list


def test_members_only_case_shows_a_preview_and_free_unlock(client, registered_user, cases):
    url = reverse("consultations:case-detail", args=["M-1"])
    for who in (None, registered_user):
        if who:
            client.force_login(who)
        html = client.get(url).content.decode()
        assert "報酬の相談です。" in html and "ここから先" in html
        assert "あ" * 70 not in html
        assert "連合ネットワーク会員（会費無料）" in html


def test_member_reads_members_only_case(member_client, cases):
    html = member_client.get(reverse("consultations:case-detail", args=["M-1"])).content.decode()
    assert "あ" * 80 in html


def test_unpublished_case_is_404(client, cases):
    assert client.get(reverse("consultations:case-detail", args=["H-1"])).status_code == 404


# --- Glossary, answers, links, ask -------------------------------------------------
def test_glossary_by_row(client):
    GlossaryTermFactory(term="報酬", reading="ほうしゅう")
    GlossaryTermFactory(term="下請法", reading="したうけほう")
    response = client.get(reverse("consultations:glossary-list"), {"row": "は"})
    assert [t.term for t in response.context["terms"]] == ["報酬"]
    assert client.get(reverse("consultations:glossary-list"), {"row": "x"}).context["terms"].count() == 2


def test_glossary_detail(client, cases):
    term = GlossaryTermFactory(term="報酬", reading="ほうしゅう", aliases=["ギャラ"])
    html = client.get(term.get_absolute_url()).content.decode()
    assert "ギャラ" in html and "報酬が払われない" in html


def test_answers_and_links(client):
    AnswerEntryFactory(question="契約書がないけど大丈夫？")
    UsefulLinkFactory(title="国税庁 確定申告", category="確定申告関係")
    assert "契約書がないけど大丈夫？" in client.get(reverse("consultations:answer-list")).content.decode()
    assert "国税庁 確定申告" in client.get(reverse("consultations:link-list")).content.decode()


def test_ask_hub_shows_staff_edited_channels_and_line_days(client):
    from consultations.models import LineConsultationDay

    ChannelFactory(kind="phone", contact="0120-154-052", hours="平日")
    ChannelFactory(kind="line", name="LINE相談", summary="LINEで相談")
    LineConsultationDay.objects.create(
        date=timezone.localdate() + dt.timedelta(days=3), start_time=dt.time(13), end_time=dt.time(17)
    )
    LineConsultationDay.objects.create(
        date=timezone.localdate() - dt.timedelta(days=3), start_time=dt.time(13), end_time=dt.time(17)
    )
    html = client.get(reverse("consultations:ask")).content.decode()
    assert 'href="tel:0120154052"' in html
    assert html.count("13:00〜17:00") == 1


# --- E-mail consultation --------------------------------------------------------------
REQUEST = reverse("consultations:request-create")
GOOD = REQUEST_FORM_DATA


def test_visitor_sends_a_request(client, django_capture_on_commit_callbacks):
    make_staff("相談担当", email="soudan@example.jp", nickname="そうだん")
    make_staff("編集", email="henshu@example.jp", nickname="へんしゅう")
    assert client.get(REQUEST).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST, GOOD)
    assert response.status_code == 302
    consultation = ConsultationRequest.objects.get()
    assert consultation.status == "new" and consultation.user is None
    assert sorted(m.to[0] for m in mail.outbox) == ["asker@example.jp", "soudan@example.jp"]
    staff_mail = next(m for m in mail.outbox if m.to == ["soudan@example.jp"])
    assert "報酬が2か月" not in staff_mail.body  # the content stays in the admin
    assert consultation.receipt_number in client.get(response.url).content.decode()


def test_logged_in_request_uses_account_address(member_client, member, django_capture_on_commit_callbacks):
    data = {k: v for k, v in GOOD.items() if k != "email"}
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(REQUEST, data)
    consultation = ConsultationRequest.objects.get()
    assert consultation.user == member and consultation.email == member.email


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": ""}, "email", "メールアドレスを入力"),
        ({"email": "bad"}, "email", "メールアドレスの形"),
        ({"consent": ""}, "consent", "同意のチェック"),
        ({"what_happened": ""}, "what_happened", "困っていることを書いて"),
        ({"contact_method": "phone", "phone": ""}, "phone", "電話番号を入力"),
        ({"category": "ない"}, "category", ""),
        ({"what_happened": "あ" * 4001}, "what_happened", "4,000文字以内"),
    ],
)
def test_bad_request_input_saves_nothing(client, change, field, message):
    response = client.post(REQUEST, {**GOOD, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ConsultationRequest.objects.exists()
    assert not mail.outbox


def test_get_changes_nothing(client):
    client.get(REQUEST, GOOD)
    assert not ConsultationRequest.objects.exists()


# --- Lawyer referral -----------------------------------------------------------------------
LAWYER = reverse("consultations:lawyer-referral-create")


def test_lawyer_referral_needs_login_and_membership(client, registered_user):
    assert client.get(LAWYER).status_code == 302
    client.force_login(registered_user)
    response = client.get(LAWYER)
    assert response.status_code == 403 and "連合ネットワーク会員" in response.content.decode()


def test_member_asks_for_a_lawyer(member_client, member, django_capture_on_commit_callbacks):
    assert member_client.get(LAWYER).context["form"].initial["prefecture"] == "東京都"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            LAWYER,
            {
                "category": "報酬・支払い",
                "prefecture": "東京都",
                "summary": "報酬の未払い",
                "online_ok": "on",
            },
        )
    assert response.status_code == 302
    referral = LawyerReferral.objects.get()
    assert referral.member == member and referral.status == "received"
    assert member.email in [m.to[0] for m in mail.outbox]


def test_bad_lawyer_referral_saves_nothing(member_client):
    response = member_client.post(LAWYER, {"category": "報酬・支払い", "prefecture": "", "summary": ""})
    assert "相談したいことを書いて" in str(response.context["form"].errors)
    assert not LawyerReferral.objects.exists()


# --- マイページ --------------------------------------------------------------------------
def test_mypage_shows_only_own_requests_and_replies(member_client, member, other_member):
    ConsultationRequestFactory(
        user=member,
        email=member.email,
        reply="まず記録を残しましょう。",
        status="answered",
        replied_at=timezone.now(),
    )
    ConsultationRequestFactory(user=other_member, email=other_member.email, what_happened="他人の相談")
    LawyerReferralFactory(member=member)
    html = member_client.get(reverse("members:mypage")).content.decode()
    assert "まず記録を残しましょう。" in html and "回答済み" in html
    assert "弁護士相談サポート" in html
    assert "他人の相談" not in html


def test_key_number_counts_published_cases(client, cases):
    html = client.get("/").content.decode()
    assert "労働相談事例掲載件数" in html


@pytest.mark.parametrize(
    "typed", ["", "報酬" * 1000, "😀", '"', "*", "OR", "NEAR(", "\x01\x1f報酬", "<script>alert(1)</script>"]
)
def test_search_page_survives_anything_typed(client, cases, typed):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(LIST, {"q": typed}, headers=headers)
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize("typed", ["！！！", "😭😭", "★☆"])
def test_a_query_with_no_words_says_so_instead_of_claiming_close_cases(client, cases, typed):
    """Symbols and emoji hold nothing to search for: the page lists every
    case, newest first, and says why, not 「！！！」に近い相談事例：N件."""
    html = client.get(LIST, {"q": typed}).content.decode()
    assert "探す言葉を読み取れませんでした" in html
    assert f"「{typed}」に近い相談事例" not in html
    assert "公開中の相談事例：<strong>" in html and "報酬が払われない" in html


def test_a_query_with_words_keeps_its_heading(client, cases):
    html = client.get(LIST, {"q": "報酬"}).content.decode()
    assert "「報酬」に近い相談事例" in html and "探す言葉を読み取れませんでした" not in html
