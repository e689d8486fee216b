import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from opinionbox.models import Opinion, Support, Theme
from tests.factories import UserFactory
from tests.opinionbox.factories import OpinionFactory, ResultFactory, TagFactory, ThemeFactory

pytestmark = pytest.mark.django_db

POST = {
    "text": "発注書がないまま仕事が始まりました。",
    "occupation": "配送・デリバリー・貨物",
    "work_style": "業務委託",
    "publication": "nickname",
    "wants_result_email": "on",
}


def _send_url(theme):
    return reverse("opinionbox:opinion-create", args=[theme.pk])


# --- Lists ----------------------------------------------------------------------
def test_index_groups_themes_with_pinned_queries(client, django_assert_max_num_queries):
    today = timezone.localdate()
    ThemeFactory(title="受付中のテーマ")
    ThemeFactory(
        title="これからのテーマ",
        status=Theme.Status.SCHEDULED,
        opens_on=today + dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=9),
    )
    done = ThemeFactory(
        title="結果のテーマ",
        status=Theme.Status.RESULTS,
        opens_on=today - dt.timedelta(days=30),
        closes_on=today - dt.timedelta(days=9),
    )
    ResultFactory(theme=done, published_at=timezone.now())
    with django_assert_max_num_queries(4):
        response = client.get(reverse("opinionbox:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("受付中のテーマ") < html.index("これからのテーマ") < html.index("結果のテーマ")
    assert reverse("opinionbox:theme-results", args=[done.pk]) in html


def test_theme_page_lists_published_opinions_only(client, django_assert_max_num_queries):
    theme = ThemeFactory()
    OpinionFactory.create_batch(5, theme=theme, is_published=True, publication="nickname")
    OpinionFactory(theme=theme, text="載せていない意見")
    client.force_login(UserFactory())
    with django_assert_max_num_queries(10):
        response = client.get(theme.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="card ob-opinion"') == 5
    assert "載せていない意見" not in html
    assert _send_url(theme) in html


def test_nickname_shown_only_when_author_chose_it(client):
    theme = ThemeFactory()
    OpinionFactory(
        theme=theme, is_published=True, publication="nickname", author=UserFactory(nickname="みせるひと")
    )
    OpinionFactory(
        theme=theme, is_published=True, publication="anonymous", author=UserFactory(nickname="かくすひと")
    )
    html = client.get(theme.get_absolute_url()).content.decode()
    assert "みせるひと" in html and "かくすひと" not in html and "匿名" in html


# --- Sending ----------------------------------------------------------------------
def test_anonymous_is_sent_to_log_in(client):
    response = client.get(_send_url(ThemeFactory()))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_unverified_user_sees_how_to_unlock(client):
    client.force_login(UserFactory(verified=False))
    response = client.get(_send_url(ThemeFactory()))
    assert response.status_code == 403
    assert not Opinion.objects.exists()


def test_form_is_prefilled_from_membership_and_get_changes_nothing(member_client, member):
    member.membership.work_styles = ["プラットフォームワーク"]
    member.membership.save()
    response = member_client.get(_send_url(ThemeFactory()))
    form = response.context["form"]
    assert form["occupation"].value() == member.membership.occupation
    assert form["work_style"].value() == "プラットフォームワーク"
    html = response.content.decode()
    assert ">建設・一人親方</option>" in html and ">プラットフォームワーク</option>" in html
    assert not Opinion.objects.exists()


def test_registered_user_sends_an_opinion(client, registered_user):
    theme = ThemeFactory()
    client.force_login(registered_user)
    response = client.post(_send_url(theme), POST)
    opinion = Opinion.objects.get()
    assert response.status_code == 302 and response["Location"] == opinion.get_absolute_url()
    assert (opinion.author, opinion.theme, opinion.publication) == (registered_user, theme, "nickname")
    assert opinion.wants_result_email
    page = client.get(response["Location"]).content.decode()
    assert "受け取りました" in page and "未読" in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ご意見を書いてください。"),
        ("   \n ", "ご意見を書いてください。"),
        ("あ" * 10_000, "2,000文字以内"),
    ],
)
def test_bad_text_gets_a_clear_message_and_nothing_is_saved(client, registered_user, text, message):
    client.force_login(registered_user)
    response = client.post(_send_url(ThemeFactory()), {**POST, "text": text})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Opinion.objects.exists()


def test_publication_choice_is_required(client, registered_user):
    client.force_login(registered_user)
    response = client.post(_send_url(ThemeFactory()), {**POST, "publication": "everyone"})
    assert "正しく選択してください" in response.content.decode() or response.context["form"].errors
    assert not Opinion.objects.exists()


def test_script_is_kept_as_text_and_shown_escaped(client, registered_user):
    client.force_login(registered_user)
    script = '<script>alert("x")</script>'
    client.post(_send_url(theme := ThemeFactory()), {**POST, "text": script})
    opinion = Opinion.objects.get()
    assert opinion.text == script
    Opinion.objects.filter(pk=opinion.pk).update(is_published=True)
    for url in (opinion.get_absolute_url(), theme.get_absolute_url()):
        html = client.get(url).content.decode()
        assert script not in html and "&lt;script&gt;" in html


def test_closed_theme_refuses_with_message(client, registered_user):
    today = timezone.localdate()
    theme = ThemeFactory(
        status=Theme.Status.COUNTING,
        opens_on=today - dt.timedelta(days=9),
        closes_on=today - dt.timedelta(days=1),
    )
    client.force_login(registered_user)
    assert "受付は終了しました" in client.get(_send_url(theme)).content.decode()
    response = client.post(_send_url(theme), POST)
    assert "受付は終了しました" in response.content.decode()
    assert not Opinion.objects.exists()


def test_future_theme_refuses_with_message(client, registered_user):
    today = timezone.localdate()
    theme = ThemeFactory(
        status=Theme.Status.SCHEDULED,
        opens_on=today + dt.timedelta(days=2),
        closes_on=today + dt.timedelta(days=9),
    )
    client.force_login(registered_user)
    response = client.post(_send_url(theme), POST)
    assert "から始まります" in response.content.decode()
    assert not Opinion.objects.exists()


def test_forged_theme_id_is_404(client, registered_user):
    client.force_login(registered_user)
    response = client.post(reverse("opinionbox:opinion-create", args=[987654]), POST)
    assert response.status_code == 404
    assert not Opinion.objects.exists()


def test_identical_resend_is_refused_with_message(client, registered_user):
    client.force_login(registered_user)
    theme = ThemeFactory()
    client.post(_send_url(theme), POST)
    response = client.post(_send_url(theme), POST)
    assert response.status_code == 200 and "1分以内" in response.content.decode()
    assert Opinion.objects.count() == 1


# --- Own opinions -----------------------------------------------------------------
def test_another_member_gets_404_for_someone_elses_opinion(client, member, other_member):
    opinion = OpinionFactory(author=member, publication="private", text="ひみつの意見")
    client.force_login(other_member)
    assert client.get(opinion.get_absolute_url()).status_code == 404
    assert "ひみつの意見" not in client.get(reverse("opinionbox:my-opinions")).content.decode()
    assert "ひみつの意見" not in client.get(opinion.theme.get_absolute_url()).content.decode()
    client.force_login(member)
    page = client.get(opinion.get_absolute_url()).content.decode()
    assert "ひみつの意見" in page


def test_own_opinion_page_needs_login(client):
    opinion = OpinionFactory()
    response = client.get(opinion.get_absolute_url())
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_staff_note_is_never_shown_to_the_author(client, registered_user):
    opinion = OpinionFactory(author=registered_user, staff_note="内部メモ：要対応")
    client.force_login(registered_user)
    assert "内部メモ" not in client.get(opinion.get_absolute_url()).content.decode()


def test_my_opinions_and_mypage_section(client, registered_user, django_assert_max_num_queries):
    OpinionFactory.create_batch(6, author=registered_user, status="considering")
    client.force_login(registered_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("opinionbox:my-opinions"))
    assert response.content.decode().count("運営の対応：対応検討") == 6
    mypage = client.get(reverse("members:mypage")).content.decode()
    assert "Opinion Box に送った意見" in mypage and mypage.count("運営の対応：対応検討") == 5
    assert reverse("opinionbox:my-opinions") in mypage


# --- 共感 -------------------------------------------------------------------------
def _support_url(opinion):
    return reverse("opinionbox:support", args=[opinion.pk])


def test_support_without_javascript_redirects_back(client, registered_user):
    opinion = OpinionFactory(is_published=True)
    client.force_login(registered_user)
    response = client.post(_support_url(opinion), {"support": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{opinion.theme.get_absolute_url()}#opinion-{opinion.pk}"
    assert Support.objects.filter(opinion=opinion, user=registered_user).count() == 1
    # the same tap again (e.g. an old tab) keeps one 共感 and says so
    response = client.post(_support_url(opinion), {"support": "1"}, follow=True)
    assert "すでに共感しています" in response.content.decode()
    assert Support.objects.filter(opinion=opinion).count() == 1
    client.post(_support_url(opinion), {"support": "0"})
    assert not Support.objects.exists()


def test_support_with_htmx_returns_the_button(client, registered_user):
    opinion = OpinionFactory(is_published=True)
    client.force_login(registered_user)
    response = client.post(_support_url(opinion), {"support": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "共感しています" in html and "共感 1人" in html and 'aria-pressed="true"' in html


def test_support_needs_login_post_and_a_published_opinion(client, registered_user):
    opinion = OpinionFactory(is_published=True)
    response = client.post(_support_url(opinion), {"support": "1"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    client.force_login(registered_user)
    assert client.get(_support_url(opinion)).status_code == 405
    assert client.post(_support_url(OpinionFactory()), {"support": "1"}).status_code == 404
    assert not Support.objects.exists()


# --- Results ---------------------------------------------------------------------
def _published_theme():
    today = timezone.localdate()
    theme = ThemeFactory(
        status=Theme.Status.RESULTS,
        opens_on=today - dt.timedelta(days=30),
        closes_on=today - dt.timedelta(days=9),
    )
    ResultFactory(
        theme=theme, heard="**契約書**がないという声", will_do="ひな形を作ります", published_at=timezone.now()
    )
    return theme


def test_results_page_shows_charts_table_opinions_and_response(client, django_assert_max_num_queries):
    theme = _published_theme()
    tag = TagFactory(name="書面・契約書がない")
    for _ in range(3):
        OpinionFactory(theme=theme, is_published=True, text="載せた意見").tags.add(tag)
    OpinionFactory(theme=theme, publication="private", text="載せない意見", occupation="建設・一人親方")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("opinionbox:theme-results", args=[theme.pk]))
    html = response.content.decode()
    assert "<strong>契約書</strong>がないという声" in html and "ひな形を作ります" in html
    assert html.count('role="img"') == 3 and "<title" in html
    assert "職種別の件数" in html and "書面・契約書がない 3件" in html
    assert '<th scope="row">建設・一人親方</th><td>1件</td>' in html
    assert html.count("載せた意見") == 3 and "載せない意見" not in html
    assert "style=" not in html  # CSP forbids inline styles


def test_results_are_404_until_published(client):
    theme = ThemeFactory(status=Theme.Status.COUNTING)
    ResultFactory(theme=theme)
    assert client.get(reverse("opinionbox:theme-results", args=[theme.pk])).status_code == 404


def test_later_updates_are_shown(client):
    theme = _published_theme()
    theme.updates.create(title="その後、ひな形を公開しました", body="詳しくは記事で。")
    for url in (theme.get_absolute_url(), reverse("opinionbox:theme-results", args=[theme.pk])):
        html = client.get(url).content.decode()
        assert "運営からのその後の報告" in html and "その後、ひな形を公開しました" in html


# --- The author changes their mind ---------------------------------------------------
def test_author_withdraws_consent_and_the_opinion_leaves_the_site(client, registered_user):
    opinion = OpinionFactory(
        author=registered_user,
        is_published=True,
        publication="nickname",
        published_at=timezone.now(),
        wants_result_email=True,
    )
    client.force_login(registered_user)
    response = client.post(opinion.get_absolute_url(), {"publication": "private"})
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert opinion.publication == "private" and not opinion.is_published
    assert not opinion.wants_result_email
    assert opinion.events.get().action == "choices_changed"
    assert opinion.text not in client.get(opinion.theme.get_absolute_url()).content.decode()


def test_bad_choice_is_refused_next_to_the_field(client, registered_user):
    opinion = OpinionFactory(author=registered_user, publication="anonymous")
    client.force_login(registered_user)
    response = client.post(opinion.get_absolute_url(), {"publication": "everyone"})
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    opinion.refresh_from_db()
    assert opinion.publication == "anonymous"


def test_another_member_cannot_change_or_withdraw(client, member, other_member):
    opinion = OpinionFactory(author=member, publication="anonymous")
    client.force_login(other_member)
    assert client.post(opinion.get_absolute_url(), {"publication": "nickname"}).status_code == 404
    withdraw = reverse("opinionbox:opinion-withdraw", args=[opinion.pk])
    assert client.post(withdraw).status_code == 404
    opinion.refresh_from_db()
    assert opinion.publication == "anonymous"


def test_withdraw_while_open_after_confirmation(client, registered_user):
    opinion = OpinionFactory(author=registered_user)
    url = reverse("opinionbox:opinion-withdraw", args=[opinion.pk])
    client.force_login(registered_user)
    assert "取り下げますか" in client.get(url).content.decode()
    assert Opinion.objects.filter(pk=opinion.pk).exists()  # GET changes nothing
    response = client.post(url)
    assert response.status_code == 302 and not Opinion.objects.filter(pk=opinion.pk).exists()


def test_withdraw_after_close_is_refused(client, registered_user):
    opinion = OpinionFactory(author=registered_user, theme__status=Theme.Status.COUNTING)
    client.force_login(registered_user)
    response = client.post(reverse("opinionbox:opinion-withdraw", args=[opinion.pk]), follow=True)
    assert "取り下げられません" in response.content.decode()
    assert Opinion.objects.filter(pk=opinion.pk).exists()


def test_home_key_number_counts_real_opinions(client):
    OpinionFactory.create_batch(3)
    html = client.get(reverse("home")).content.decode()
    assert "Opinion Box に届いた声" in html


@pytest.mark.parametrize("name", ["opinion-create", "my-opinions", "opinion-detail", "opinion-withdraw"])
def test_every_personal_page_sends_anonymous_to_log_in(client, name):
    opinion = OpinionFactory()
    args = {"opinion-create": [opinion.theme.pk], "my-opinions": []}.get(name, [opinion.pk])
    response = client.get(reverse(f"opinionbox:{name}", args=args))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
