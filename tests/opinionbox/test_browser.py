"""A registered user sends an opinion on a phone; staff tag and publish it with
a result in the admin; the results page shows the opinion and the charts."""

import pytest
from django.core import mail

from opinionbox.models import Opinion, Theme
from tests.factories import MembershipFactory, UserFactory, make_staff
from tests.fixtures import browser_login
from tests.opinionbox.factories import TagFactory, ThemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_opinion_to_published_result(phone_page, desktop_page, live_server):
    theme = ThemeFactory(title="契約書・取引条件で困ったこと")
    TagFactory(name="書面・契約書がない")
    author = MembershipFactory(
        user=UserFactory(email="writer@example.jp", nickname="かきて"),
        occupation="配送・デリバリー・貨物",
        work_styles=["業務委託"],
    ).user
    staff = make_staff("編集", email="editor@example.jp", nickname="へんしゅう")

    # 1. The member sends an opinion from a phone.
    page = phone_page
    browser_login(page, live_server, author)
    page.goto(f"{live_server.url}{theme.get_absolute_url()}")
    page.get_by_role("link", name="このテーマに意見を送る").click()
    assert page.get_by_label("職種").input_value() == "配送・デリバリー・貨物"
    page.get_by_label("ご意見").fill("発注書がないまま配達の仕事が始まり、単価があとから下がりました。")
    page.get_by_label("ニックネームで公開してよい").check()
    page.get_by_label("結果がまとまったら、メールで知らせてほしい").check()
    page.screenshot(path="/tmp/opinionbox-form-375.png", full_page=True)
    page.get_by_role("button", name="この内容で送る").click()
    page.get_by_text("ご意見を受け取りました").wait_for()
    opinion = Opinion.objects.get()
    assert opinion.publication == "nickname" and opinion.wants_result_email

    # 2. Staff tag and publish it, close the theme, write and publish the result.
    admin = desktop_page
    browser_login(admin, live_server, staff)
    admin.goto(f"{live_server.url}/admin/opinionbox/opinion/{opinion.pk}/change/")
    admin.get_by_label("書面・契約書がない").check()
    admin.get_by_label("サイトに掲載する").check()
    admin.get_by_label("対応状況").select_option("considering")
    admin.screenshot(path="/tmp/opinionbox-admin-opinion.png", full_page=True)
    admin.locator("input[name=_save]").click()
    admin.locator(".messagelist").wait_for()

    admin.goto(f"{live_server.url}/admin/opinionbox/theme/{theme.pk}/change/")
    admin.locator("select[name=status]").select_option("counting")
    admin.locator("textarea[name='result-0-heard']").fill("書面がないまま仕事が始まるという声が届きました。")
    admin.locator("textarea[name='result-0-will_do']").fill("受ける前に確かめる項目をまとめます。")
    admin.locator("input[name=_save]").click()
    admin.locator(".messagelist").wait_for()

    admin.locator(f"input[name=_selected_action][value='{theme.pk}']").check()
    admin.locator("select[name=action]").select_option("publish_result")
    admin.locator("button[name=index]").click()
    admin.get_by_text("の結果を公開しました").wait_for()
    theme.refresh_from_db()
    assert theme.status == Theme.Status.RESULTS
    assert [m.to for m in mail.outbox] == [["writer@example.jp"]]

    # 3. The results page shows the opinion, the response and the charts.
    results_url = f"{live_server.url}/opinionbox/themes/{theme.pk}/results/"
    page.goto(results_url)
    page.get_by_text("発注書がないまま配達の仕事が始まり").wait_for()
    assert page.get_by_text("受ける前に確かめる項目をまとめます。").is_visible()
    assert page.locator("svg[role=img]").count() == 3
    assert page.locator("svg[role=img] title").first.text_content().startswith("職種別の件数")
    assert "かきて" in page.locator(".ob-opinion").first.text_content()
    # no horizontal scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="/tmp/opinionbox-results-375.png", full_page=True)
    admin.goto(results_url)
    admin.screenshot(path="/tmp/opinionbox-results-desktop.png", full_page=True)

    # 共感 from another registered user, with htmx
    page.context.clear_cookies()
    browser_login(page, live_server, UserFactory(email="fan@example.jp", nickname="ふぁん"))
    page.goto(f"{live_server.url}{theme.get_absolute_url()}")
    page.get_by_role("button", name="共感する").click()
    page.get_by_role("button", name="共感しています").wait_for()
    assert page.locator(".ob-support-count").first.text_content() == "共感 1人"
    page.screenshot(path="/tmp/opinionbox-theme-375.png", full_page=True)
    # (the site shell has no /favicon.ico yet; that 404 is not this page's error)
    errors = [e for e in page.js_errors + admin.js_errors if "Failed to load resource" not in e]
    assert errors == []
