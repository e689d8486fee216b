import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from magazine.models import Article
from magazine.queries import related_cases
from tests.consultations.factories import CaseFactory
from tests.magazine.factories import ArticleFactory, CategoryFactory, FeatureFactory, TagFactory
from worq.lib.hooks import registry

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_scheduled_and_draft_articles_stay_hidden_until_their_time(client):
    now = timezone.now()
    live = ArticleFactory(title="公開済みの記事")
    later = ArticleFactory(title="予約した記事", published_at=now + dt.timedelta(hours=1))
    draft = ArticleFactory(title="下書きの記事", published_at=None)

    assert list(Article.objects.published(now)) == [live]
    assert set(Article.objects.published(now + dt.timedelta(hours=2))) == {live, later}
    page = client.get(reverse("magazine:home")).content.decode()
    assert "公開済みの記事" in page and "予約した記事" not in page and "下書きの記事" not in page
    for hidden in (later, draft):
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_home_shows_current_feature_first_then_latest(client, django_assert_max_num_queries):
    feature = FeatureFactory(title="今月のテーマ")
    featured = ArticleFactory(
        title="特集の記事", feature=feature, published_at=timezone.now() - dt.timedelta(days=3)
    )
    ArticleFactory.create_batch(14)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("magazine:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("今月のテーマ") < html.index("新着記事")
    assert html.index(featured.title) < html.index("新着記事")
    assert "次へ" in html


def test_article_page_has_body_related_and_share_tags(client):
    category = CategoryFactory(name="契約・お金")
    tag = TagFactory(name="契約書")
    article = ArticleFactory(category=category, body="## 確かめたいこと\n\n- 報酬の額", lead="要約文")
    article.tags.add(tag)
    related = ArticleFactory(category=category, title="同じカテゴリの記事")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<h2>確かめたいこと</h2>" in html and "<li>報酬の額</li>" in html
    assert related.title in html and "あわせて読みたい" in html
    assert f'<meta property="og:title" content="{article.title}">' in html
    assert '<meta property="og:description" content="要約文">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert "http://testserver" + article.get_absolute_url() in html


def test_markdown_script_and_javascript_links_are_removed(client):
    article = ArticleFactory(
        body=(
            "<script>alert(1)</script>\n\n[押して](javascript:alert(2))\n\n"
            '<img src="x" onerror="alert(3)">\n\n![図](/media/ok.png)'
        )
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html and "onerror" not in html
    assert '<img alt="図" src="/media/ok.png">' in html or 'src="/media/ok.png"' in html


def test_related_terms_show_even_without_a_glossary(client):
    article = ArticleFactory(related_terms=["労働者性"], related_case_ids=["NO-SUCH-CASE"])
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "労働者性" in response.content.decode()


@pytest.mark.parametrize("kind", ["category", "tag"])
def test_category_and_tag_lists(client, kind, django_assert_max_num_queries):
    category, tag = CategoryFactory(), TagFactory()
    for i in range(5):
        ArticleFactory(category=category, title=f"一覧の記事{i}").tags.add(tag)
    ArticleFactory(title="関係ない記事")
    target = category if kind == "category" else tag
    with django_assert_max_num_queries(8):
        response = client.get(target.get_absolute_url())
    html = response.content.decode()
    assert "一覧の記事4" in html and "関係ない記事" not in html


def test_archive_by_month(client):
    ArticleFactory(title="九月の記事", published_at=dt.datetime(2026, 9, 30, 14, 0, tzinfo=dt.UTC))
    ArticleFactory(title="十月の記事", published_at=dt.datetime(2026, 9, 30, 15, 30, tzinfo=dt.UTC))
    index = client.get(reverse("magazine:archive")).content.decode()
    assert "2026年10月" in index and "2026年9月" in index
    # 2026-09-30 15:30 UTC is already 10月1日 in Japan time.
    october = client.get(reverse("magazine:archive-month", args=[2026, 10])).content.decode()
    assert "十月の記事" in october and "九月の記事" not in october
    assert client.get(reverse("magazine:archive-month", args=[2026, 13])).status_code == 404


def test_feature_page_lists_its_articles(client):
    feature = FeatureFactory(title="働けなくなったときの備え")
    ArticleFactory(feature=feature, title="特集記事A")
    ArticleFactory(title="特集外の記事")
    html = client.get(feature.get_absolute_url()).content.decode()
    assert "特集記事A" in html and "特集外の記事" not in html


def test_atom_feed_is_valid_xml_with_published_articles_only(client):
    ArticleFactory(title="公開記事 <&> 記号")
    ArticleFactory(title="予約記事", published_at=timezone.now() + dt.timedelta(days=1))
    ArticleFactory(title="下書き", published_at=None)
    response = client.get(reverse("magazine:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["公開記事 <&> 記号"]
    entry = root.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")


def test_search_section_lists_published_articles():
    ArticleFactory(title="失業保険と開業届のタイミング")
    ArticleFactory(title="失業保険の下書き", published_at=None)
    (section,) = [s.search("失業保険") for s in registry.search_sections if s.search("失業保険")]
    assert [a.title for a in section["items"]] == ["失業保険と開業届のタイミング"]
    assert section["template"] == "magazine/includes/search_results.html"
    assert all(
        s.search("該当しない言葉xyz") is None
        for s in registry.search_sections
        if s.search.__module__ == "magazine.hooks"
    )


def test_pages_do_not_change_anything_on_get(client):
    article = ArticleFactory()
    before = Article.objects.values_list("pk", "updated_at").get(pk=article.pk)
    for url in (reverse("magazine:home"), article.get_absolute_url(), reverse("magazine:feed")):
        client.get(url)
    assert Article.objects.values_list("pk", "updated_at").get(pk=article.pk) == before


def test_magazine_search_page_and_more_link(client):
    for i in range(6):
        ArticleFactory(title=f"労災の記事{i}")
    ArticleFactory(title="契約の記事")
    from magazine.hooks import _search

    section = _search("労災")
    assert len(section["items"]) == 5
    assert section["more_url"] == reverse("magazine:search") + "?q=%E5%8A%B4%E7%81%BD"
    html = client.get(section["more_url"]).content.decode()
    assert "労災の記事5" in html and "契約の記事" not in html
    empty = client.get(reverse("magazine:search"), {"q": "該当なし"}).content.decode()
    assert "見つかりませんでした" in empty


def test_related_cases_show_published_cases_only_in_the_articles_order():
    shown, hidden, second = CaseFactory(), CaseFactory(published=False), CaseFactory()
    article = ArticleFactory(
        related_case_ids=[second.external_id, hidden.external_id, shown.external_id, "NONE"]
    )
    assert related_cases(article) == [second, shown]
