"""The data of the hot pages kept for everyone (signed-in people too):
``worq.lib.pagecache.remember`` and ``{% stable %}``.

A change in content shows at once (the content version moves on commit), and
nothing that belongs to one person is ever kept: member A's page never shows
to member B or to a visitor."""

import re
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kyosai import premiums
from kyosai.models import Rate, RateTable
from tests.consultations.factories import CaseFactory, GlossaryTermFactory
from tests.factories import MembershipFactory, UserFactory
from tests.magazine.factories import ArticleFactory
from worq.lib import pagecache

pytestmark = pytest.mark.django_db

SEARCH = reverse("consultations:case-list")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def data_cache_on(settings):
    settings.WORQ_DATA_CACHE_SECONDS = 60
    pagecache.forget_data()
    yield
    pagecache.forget_data()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks and forget them, as a real commit does."""

    @contextmanager
    def committed():
        start = len(connection.run_on_commit)
        with django_capture_on_commit_callbacks(execute=True):
            yield
        del connection.run_on_commit[start:]

    return committed


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_kept_data_is_used_and_a_change_drops_it(commit, monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert pagecache.remember("t", ("a",), compute) == 1
    assert pagecache.remember("t", ("a",), compute) == 1  # kept
    assert pagecache.remember("t", ("b",), compute) == 2  # another key
    with commit():
        CaseFactory()
    assert pagecache.remember("t", ("a",), compute) == 3  # content changed


def test_kept_data_ages_out(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now[0])
    assert pagecache.remember("t", (), lambda: "old") == "old"
    now[0] += 59
    assert pagecache.remember("t", (), lambda: "new") == "old"
    now[0] += 2
    assert pagecache.remember("t", (), lambda: "new") == "new"


def test_a_transaction_with_a_content_change_reads_afresh_and_keeps_nothing(commit):
    """Until it commits, a change is seen only by its own transaction, and
    nothing read inside it is kept for others (it may yet roll back)."""
    assert pagecache.remember("t", (), lambda: "committed") == "committed"
    try:
        with transaction.atomic():
            CaseFactory()
            assert pagecache.remember("t", (), lambda: "inside") == "inside"
            assert pagecache.remember("u", (), lambda: "inside") == "inside"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert pagecache.remember("t", (), lambda: "later") == "committed"
    assert pagecache.remember("u", (), lambda: "later") == "later"


def test_off_when_seconds_is_zero(settings):
    settings.WORQ_DATA_CACHE_SECONDS = 0
    assert pagecache.remember("t", (), lambda: 1) == 1
    assert pagecache.remember("t", (), lambda: 2) == 2


def test_a_failing_cache_computes_afresh(monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise RuntimeError("no such table: worq_cache")

    monkeypatch.setattr(cache, "get", broken)
    assert pagecache.remember("t", (), lambda: 1) == 1
    assert pagecache.remember("t", (), lambda: 2) == 2


def test_search_results_for_a_member_change_at_once(member_client, commit, django_assert_max_num_queries):
    url = SEARCH + "?q=報酬"
    assert "が半年も払われない" not in body(member_client.get(url))
    with django_assert_max_num_queries(8):  # session, user, tier, version: no search, no facets
        body(member_client.get(url))
    with commit():
        CaseFactory(title="報酬が半年も払われない", question="納品したのに報酬が払われません。")
    assert "が半年も払われない" in body(member_client.get(url))


def test_case_list_for_a_member_changes_at_once(member_client, commit):
    with commit():
        case = CaseFactory(title="最初の事例")
    assert "最初の事例" in body(member_client.get(SEARCH))
    with commit():
        case.title = "書き直した事例"
        case.save()
    page = body(member_client.get(SEARCH))
    assert "書き直した事例" in page and "最初の事例" not in page


def test_case_page_for_a_member_changes_at_once(member_client, commit):
    with commit():
        case = CaseFactory(answer="はじめの回答です。")
    assert "はじめの回答です。" in body(member_client.get(case.get_absolute_url()))
    with commit():
        case.answer = "直した回答です。源泉徴収にも気をつけましょう。"
        case.save()
        GlossaryTermFactory(term="源泉徴収", definition="報酬から差し引かれる税金です。")
    page = body(member_client.get(case.get_absolute_url()))
    assert "直した回答です。" in page and "はじめの回答です。" not in page
    assert 'class="glossary-link"' in page  # the new term is linked at once


def test_glossary_for_a_member_changes_at_once(member_client, commit):
    url = reverse("consultations:glossary-list")
    with commit():
        term = GlossaryTermFactory(term="源泉徴収", definition="報酬から前もって引かれる税金です。")
    assert "報酬から前もって引かれる税金です。" in body(member_client.get(url))
    with commit():
        term.definition = "支払う側が報酬から差し引いて納める所得税です。"
        term.save()
    page = body(member_client.get(url))
    assert "支払う側が報酬から差し引いて納める所得税です。" in page
    assert "前もって引かれる" not in page


def test_magazine_home_for_a_member_changes_at_once(member_client, commit):
    url = reverse("magazine:home")
    with commit():
        ArticleFactory(title="はじめての確定申告")
    assert "はじめての確定申告" in body(member_client.get(url))
    with commit():
        ArticleFactory(title="契約書の読み方")
    assert "契約書の読み方" in body(member_client.get(url))


def test_simulator_options_change_with_the_rate_table(member_client, commit):
    url = reverse("kyosai:simulator")
    assert "Zプラン" not in body(member_client.get(url))
    start = premiums.first_of_next_month(timezone.localdate())
    table = RateTable.objects.in_force(start).filter(product="life").order_by("-valid_from").first()
    with commit():
        Rate.objects.create(table=table, age_min=15, age_max=35, sex="male", plan="Z", monthly=999)
    assert "Zプラン" in body(member_client.get(url))


def test_members_only_answer_is_kept_apart_from_the_preview(client, member, registered_user, commit):
    with commit():
        case = CaseFactory(
            members_only=True, answer="はじめの説明です。" * 12 + "最後の一文は会員だけが読めます。"
        )
    client.force_login(member)
    assert "最後の一文は会員だけが読めます。" in body(client.get(case.get_absolute_url()))
    client.logout()
    assert "最後の一文は会員だけが読めます。" not in body(client.get(case.get_absolute_url()))
    client.force_login(registered_user)
    assert "最後の一文は会員だけが読めます。" not in body(client.get(case.get_absolute_url()))


HOT_PAGES = [
    SEARCH + "?q=契約",
    SEARCH,
    reverse("consultations:glossary-list"),
    reverse("kyosai:simulator"),
    reverse("magazine:home"),
]


@pytest.mark.parametrize("path", HOT_PAGES)
def test_member_a_page_never_shows_to_member_b_or_a_visitor(client, settings, commit, path):
    """With both caches on: A's CSRF token and A's name never reach B or a visitor."""
    settings.WORQ_VISITOR_CACHE_SECONDS = 60
    with commit():
        case = CaseFactory(title="契約の事例")
        GlossaryTermFactory(term="契約", definition="約束のことです。")
        ArticleFactory(title="契約の記事")
    a = MembershipFactory(
        user=UserFactory(email="a@example.jp", nickname="エーさん"), full_name="青木 明"
    ).user
    b = MembershipFactory(
        user=UserFactory(email="b@example.jp", nickname="ビーさん"), full_name="馬場 勉"
    ).user
    client.force_login(a)
    seen_by_a = body(client.get(path)) + body(client.get(case.get_absolute_url()))
    tokens_of_a = set(CSRF_INPUT.findall(seen_by_a))
    assert tokens_of_a  # the header's logout form
    assert pagecache._memo.entries  # A's pages left data behind for the next person
    client.logout()
    for page in (body(client.get(path)), body(client.get(case.get_absolute_url()))):  # a visitor
        assert not tokens_of_a & set(CSRF_INPUT.findall(page))
        assert "ログアウト" not in page and "エーさん" not in page and "青木" not in page
    client.force_login(b)
    for page in (body(client.get(path)), body(client.get(case.get_absolute_url()))):
        assert not tokens_of_a & set(CSRF_INPUT.findall(page))
        assert "エーさん" not in page and "青木" not in page


def test_a_part_with_a_csrf_token_is_never_kept():
    from django.middleware.csrf import get_token

    template = Template('{% load worq_cache %}{% stable "t" %}{% csrf_token %}{% endstable %}')
    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    get_token(first), get_token(second)
    one = template.render(Context({"csrf_token": get_token(first)}))
    two = template.render(Context({"csrf_token": get_token(second)}))
    assert CSRF_INPUT.findall(one) != CSRF_INPUT.findall(two)


def test_a_stable_part_is_kept_per_value_and_until_content_changes(commit):
    template = Template('{% load worq_cache %}{% stable "t" row %}{{ text }}{% endstable %}')
    assert template.render(Context({"row": "あ", "text": "一"})) == "一"
    assert template.render(Context({"row": "あ", "text": "二"})) == "一"  # kept
    assert template.render(Context({"row": "か", "text": "二"})) == "二"  # another row
    with commit():
        CaseFactory()
    assert template.render(Context({"row": "あ", "text": "三"})) == "三"
