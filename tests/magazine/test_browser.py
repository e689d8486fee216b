import pytest
from django.urls import reverse

from tests.fixtures import browser_login
from tests.magazine.factories import ArticleFactory, FeatureFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_on_a_phone_opens_the_feature_article_and_subscribes(phone_page, live_server, member):
    feature = FeatureFactory(title="働けなくなったときの備え")
    article = ArticleFactory(
        feature=feature,
        title="一人親方の労災特別加入",
        lead="休業4日目からの補償のしくみを紹介します。",
        body="## 特別加入とは\n\n- 保険料は給付基礎日額で決まります\n\n| 項目 | 内容 |\n|---|---|\n| 対象 | 一人親方 |",
    )
    ArticleFactory.create_batch(4)
    page = phone_page
    broken = []
    page.on(
        "response",
        lambda r: broken.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    page.goto(live_server.url + reverse("magazine:home"))
    assert page.locator("h2#feature-heading").inner_text() == "働けなくなったときの備え"
    page.screenshot(path="/tmp/magazine-home-phone.png", full_page=True)
    page.get_by_role("link", name=article.title).first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1").inner_text() == article.title
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.screenshot(path="/tmp/magazine-article-phone.png", full_page=True)

    browser_login(page, live_server, member)
    page.goto(live_server.url + reverse("magazine:letters"))
    page.get_by_role("button", name="Wor-Q Letters を受け取る").click()
    assert "確認メールを送りました" in page.locator(".messages").inner_text()
    page.screenshot(path="/tmp/magazine-letters-phone.png", full_page=True)
    assert broken == []
    assert [e for e in page.js_errors if not e.startswith("Failed to load resource")] == []


def test_staff_sees_campaign_progress_bar(desktop_page, live_server, staff):
    from django.utils import timezone

    from magazine.models import Campaign, Delivery
    from tests.magazine.factories import CampaignFactory, SubscriptionFactory

    campaign = CampaignFactory(status=Campaign.Status.SENDING, recipients_built_at=timezone.now())
    for i, status in enumerate(["sent", "sent", "sent", "failed", "queued"]):
        Delivery.objects.create(
            campaign=campaign,
            subscription=SubscriptionFactory(),
            email=f"p{i}@example.jp",
            status=status,
            error="受信を拒否されました（p3@example.jp: 550 5.1.1 User unknown）"
            if status == "failed"
            else "",
        )
    page = desktop_page
    browser_login(page, live_server, staff)
    page.goto(live_server.url + reverse("admin:magazine_campaign_change", args=[campaign.pk]))
    bar = page.locator("progress#campaign-progress-bar")
    assert bar.get_attribute("value") == "4" and bar.get_attribute("max") == "5"
    # htmx polling replaces the block without breaking it.
    page.wait_for_timeout(2500)
    assert page.locator("progress#campaign-progress-bar").count() == 1
    page.screenshot(path="/tmp/magazine-admin-campaign.png", full_page=True)
    assert [e for e in page.js_errors if not e.startswith("Failed to load resource")] == []
