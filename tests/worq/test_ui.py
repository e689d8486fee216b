"""The site shell: forms in the デジタル庁デザインシステム order, the demo band,
the footer, the contact page, the home page's 新着, the Japanese 404 under
DEBUG, allauth's e-mails in the site's voice, and the small fixes of issue 14."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from tests.consultations.factories import AnswerEntryFactory, CaseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL_FORM = "/consultations/ask/email/"


def test_form_marks_required_and_optional_and_has_no_dash_placeholder(client):
    body = client.get(EMAIL_FORM).content.decode()
    assert '<span class="req">必須</span>' in body
    assert '<span class="opt">任意</span>' in body
    assert "---------" not in body
    assert "選択してください" in body


def test_form_error_is_below_its_field(client):
    body = client.post(EMAIL_FORM, {"email": "bad"}).content.decode()
    field = body.index('name="what_happened"')
    error = body.index("困っていることを書いてください。")
    label = body.index('for="id_what_happened"')
    assert label < field < error


def test_help_text_is_a_block_so_lists_inside_are_valid(client):
    body = client.get("/accounts/signup/").content.decode()
    assert '<span class="helptext"' not in body
    assert '<div class="helptext"' in body


def test_email_form_prefills_what_the_member_gave(member_client):
    initial = member_client.get(EMAIL_FORM).context["form"].initial
    assert initial["name"] == "山田 太郎"
    assert initial["prefecture"] and initial["occupation"]


def test_demo_band_only_when_demo_loaded_and_never_in_production(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert "デモ環境です" not in client.get("/").content.decode()
    from worq.demo_mode import mark_demo_loaded

    mark_demo_loaded()
    assert "デモ環境です" in client.get("/").content.decode()
    settings.PRODUCTION = True
    assert "デモ環境です" not in client.get("/").content.decode()


def test_footer_does_not_offer_letters_to_a_subscriber(client):
    reader = UserFactory(newsletter_opt_in=True)
    client.force_login(reader)
    body = client.get("/").content.decode()
    assert "で受け取っています" in body
    assert "で受け取る</button>" not in body


def test_footer_offers_letters_to_others(client, registered_user):
    client.force_login(registered_user)
    assert "で受け取る</button>" in client.get("/").content.decode()


def test_contact_page_names_the_operator_and_the_ways_to_reach(client):
    response = client.get("/contact/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "運営者" in body and "日本労働組合総連合会" in body
    assert 'href="/consultations/ask/"' in body
    assert 'href="/contact/"' in body  # footer link


def test_home_shows_news_and_key_numbers_in_japanese(client):
    CaseFactory(title="新しい相談事例のタイトル")
    body = client.get("/").content.decode()
    assert "新着" in body and "新しい相談事例のタイトル" in body
    assert "主な数字" in body and "KEY NUMBERS" not in body


def test_missing_page_under_debug_is_the_japanese_404(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body
    assert "Page not found" not in body


def test_view_404_under_debug_is_the_japanese_404(client, settings):
    settings.DEBUG = True
    response = client.get("/consultations/cases/NO-SUCH/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_signup_mail_speaks_as_wor_q(client):
    client.post(
        "/accounts/signup/",
        {
            "email": "new@example.jp",
            "nickname": "あたらしいひと",
            "password1": "hoshizora-2026-kumo",
            "password2": "hoshizora-2026-kumo",
            "agree_terms": "on",
        },
    )
    assert mail.outbox, "確認メールが送られていません"
    message = mail.outbox[-1]
    assert message.subject.startswith("[Wor-Q] ")
    assert "Wor-Q" in message.body
    assert "こんにちは" not in message.body and "testserver です" not in message.body
    assert re.search(r"http://testserver/accounts/confirm-email/\S+", message.body)


def test_answer_categories_follow_the_vocabulary_order(client):
    AnswerEntryFactory(category="その他", question="その他の質問")
    AnswerEntryFactory(category="報酬・支払い", question="報酬の質問")
    AnswerEntryFactory(category="契約・取引条件", question="契約の質問")
    groups = client.get("/consultations/answers/").context["groups"]
    assert [name for name, _ in groups] == ["報酬・支払い", "契約・取引条件", "その他"]


def test_lawyer_referral_subject_has_the_number_without_status(
    member_client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(
            "/consultations/ask/lawyer/",
            {"category": "報酬・支払い", "prefecture": "東京都", "summary": "報酬の未払い"},
        )
    subjects = [m.subject for m in mail.outbox]
    assert any(re.search(r"（L\d{6}）$", s) for s in subjects), subjects
    assert not any("受付" in s.split("（")[-1] for s in subjects)


def test_lawyer_referral_page_says_cost_without_inventing_figures(member_client):
    body = member_client.get("/consultations/ask/lawyer/").content.decode()
    assert "費用は、相談の前に弁護士から直接ご説明します" in body
    assert not re.search(r"\d[\d,]*円", body)


def test_admin_names_authenticators_in_japanese():
    from allauth.mfa.models import Authenticator

    assert Authenticator._meta.verbose_name_plural == "認証アプリ・リカバリーコード"


def test_event_str_is_in_japan_time():
    from members.models import MembershipEvent

    event = MembershipEvent(created_at=dt.datetime(2026, 1, 1, 15, 30, tzinfo=dt.UTC))
    assert "2026-01-02 00:30" in str(event)


def test_demo_members_are_established_and_the_console_hint_works(tmp_path, settings):
    import io

    from django.core.management import call_command

    from members.demo import DEMO_JOINED_DAYS_AGO
    from members.models import User

    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    sakura = User.objects.get(email="sakura@example.jp")
    assert timezone.now() - sakura.date_joined >= dt.timedelta(days=DEMO_JOINED_DAYS_AGO - 1)
    assert "manage.py demo_totp" in out.getvalue()
    assert "python manage.py demo_totp" not in out.getvalue().replace("bin/python manage.py", "")
    assert (tmp_path / "demo-loaded").exists()
