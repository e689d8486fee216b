"""End-to-end on a phone-sized screen (and a desktop look)."""

import re

import pytest
from playwright.sync_api import expect

from community.models import Post
from tests.community.factories import SettledUserFactory, TopicFactory
from tests.factories import make_staff
from tests.fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, live_server, user):
    page.context.clear_cookies()
    browser_login(page, live_server, user)


def watch_404s(page) -> list[str]:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    return missing


def js_errors(page, missing: list[str]) -> list[str]:
    """Console errors, except the browser's own favicon request (the site has none)."""
    favicon_only = all(url.endswith("/favicon.ico") for url in missing)
    return [e for e in page.js_errors if not (favicon_only and e.startswith("Failed to load resource"))]


def open_compose(page):
    compose = page.locator("details.compose")
    if compose.get_attribute("open") is None:
        compose.locator("summary").click()


def test_solved_story_reply_reaction_report_and_moderation(phone_page, desktop_page, live_server):
    page = phone_page
    topic = TopicFactory(title="フリーランスのみんな、報酬の交渉どうしてる？")
    author = SettledUserFactory(nickname="さくらもち")
    replier = SettledUserFactory(nickname="けんちゃん")
    reporter = SettledUserFactory(nickname="みかん")
    moderator = make_staff("モデレーター", email="mod@example.jp", nickname="見守り係")
    topic_url = f"{live_server.url}{topic.get_absolute_url()}"
    missing = watch_404s(page)

    # 1. A registered user posts a こう解決した story.
    as_user(page, live_server, author)
    page.goto(topic_url)
    open_compose(page)
    page.get_by_label("こう解決した").check()
    page.get_by_label("本文").fill("見積もりの前に作業範囲を書き出すと、単価の相談がしやすくなりました。")
    page.get_by_role("button", name="投稿する").click()
    expect(page.get_by_text("投稿しました。")).to_be_visible()
    post = Post.objects.get(author=author)
    article = page.locator(f"#post-{post.pk}")
    expect(article.get_by_text("こう解決した")).to_be_visible()
    page.screenshot(path="/tmp/community-phone-posted.png", full_page=True)

    # 2. Another user replies and reacts (htmx: the count changes in place).
    as_user(page, live_server, replier)
    page.goto(topic_url)
    article = page.locator(f"#post-{post.pk}")
    article.get_by_text("返信する", exact=True).first.click()
    article.get_by_label("返信").fill("わたしも範囲を決めてから気持ちが楽になりました。")
    article.get_by_role("button", name="返信する").click()
    expect(page.get_by_text("返信しました。")).to_be_visible()
    article = page.locator(f"#post-{post.pk}")
    button = article.locator(f"#reactions-{post.pk}").get_by_role("button", name=re.compile("共感した"))
    button.click()
    expect(
        article.locator(f"#reactions-{post.pk}").get_by_role("button", name="共感した 1")
    ).to_have_attribute("aria-pressed", "true")
    page.screenshot(path="/tmp/community-phone-replied.png", full_page=True)
    desktop_page.goto(topic_url)
    desktop_page.screenshot(path="/tmp/community-desktop-topic.png", full_page=True)

    # 3. A third user reports it.
    as_user(page, live_server, reporter)
    page.goto(topic_url)
    page.locator(f"#post-{post.pk} > .post-actions").get_by_role("link", name="通報").click()
    page.get_by_label("誹謗中傷・ハラスメント").check()
    page.get_by_role("button", name="通報する").click()
    expect(page.get_by_text("通報を受け付けました。")).to_be_visible()

    # 4. A moderator hides it in the admin.
    as_user(page, live_server, moderator)
    page.goto(f"{live_server.url}/admin/community/reviewitem/")
    page.get_by_role("link", name=re.compile("見積もりの前に")).click()
    expect(page.get_by_text("わたしも範囲を決めてから")).to_be_visible()
    page.screenshot(path="/tmp/community-phone-admin-review.png", full_page=True)
    page.get_by_role("link", name="非表示にする").click()
    page.get_by_label("理由").fill("確認のため、いったん非表示にします")
    page.get_by_role("button", name="非表示にする").click()
    expect(page.get_by_text("非表示にする：1件を処理しました。")).to_be_visible()

    # 5. It disappears from the topic.
    page.context.clear_cookies()
    page.goto(topic_url)
    expect(page.get_by_text("見積もりの前に作業範囲を書き出すと")).to_have_count(0)
    expect(page.get_by_text("わたしも範囲を決めてから")).to_have_count(0)
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert js_errors(page, missing) == []


def test_script_is_shown_as_text(phone_page, live_server):
    page = phone_page
    topic = TopicFactory()
    user = SettledUserFactory()
    dialogs = []
    missing = watch_404s(page)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_login(page, live_server, user)
    page.goto(f"{live_server.url}{topic.get_absolute_url()}")
    open_compose(page)
    page.get_by_label("その他").check()
    body = "<script>alert('x')</script><img src=x onerror=alert(1)>こんにちは"
    page.get_by_label("本文").fill(body)
    page.get_by_role("button", name="投稿する").click()
    expect(page.get_by_text("投稿する前に、もう一度だけ見直してください。")).to_be_visible()
    page.screenshot(path="/tmp/community-phone-warning.png", full_page=True)
    assert not Post.objects.exists()
    page.get_by_label("内容を見直しました。このまま投稿します").check()
    page.get_by_role("button", name="投稿する").click()
    expect(page.get_by_text(body)).to_be_visible()
    assert dialogs == []
    assert page.locator(".post-body script, .post-body img").count() == 0
    assert js_errors(page, missing) == []
