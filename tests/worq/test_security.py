"""Issue 13: each finding (M1–M5, L1–L7) with the test that shows it fixed."""

import datetime as dt
import re
import secrets
import subprocess
import threading
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import Post
from consultations.models import ConsultationRequest, LawyerReferral
from kyosai.models import Document
from members.models import CouponReveal
from opinionbox.models import Opinion
from tests.community.factories import PostFactory, SettledUserFactory, TopicFactory
from tests.consultations.factories import REQUEST_FORM_DATA
from tests.factories import CouponFactory
from tests.fixtures import run_manage
from tests.opinionbox.factories import ThemeFactory
from worq.lib import forms as once
from worq.lib.markup import markdown_to_html
from worq.lib.secretkey import keys_in_text, repository_keys, secret_key_problem
from worq.models import FormSubmission, SentEmail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

ASK = reverse("consultations:request-create")
ASK_DATA = REQUEST_FORM_DATA
LAWYER_DATA = {
    "category": "報酬・支払い",
    "prefecture": "東京都",
    "summary": "報酬の未払い",
    "online_ok": "on",
}


def _ask(client, ip="203.0.113.5", **change):
    return client.post(ASK, {**ASK_DATA, **change}, REMOTE_ADDR=ip)


# --- M1: rate limits on every write path; no free text atop a mail to anyone ----------
def test_consultation_form_limits_each_target_address():
    client = Client()
    codes = [_ask(client, ip=f"203.0.113.{i}").status_code for i in range(5)]
    assert codes[:3] == [302, 302, 302] and codes[3:] == [429, 429]
    assert ConsultationRequest.objects.count() == 3
    assert "少し時間をおいてから" in _ask(client, ip="203.0.113.99").content.decode()


def test_consultation_form_limits_each_ip():
    client = Client()
    codes = [_ask(client, email=f"a{i}@example.jp").status_code for i in range(12)]
    assert codes.count(302) == 10 and codes[-1] == 429
    assert ConsultationRequest.objects.count() == 10


def test_receipt_to_an_unverified_address_carries_none_of_the_senders_words(
    client, django_capture_on_commit_callbacks
):
    spam = "激安セール http://spam.example 今すぐクリック"
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, name=spam, what_happened=spam, what_wanted=spam)
    receipt = next(m for m in mail.outbox if m.to == ["asker@example.jp"])
    assert receipt.body.splitlines()[0] == "Wor-Q のメール相談の受付をお知らせします。"
    assert "spam.example" not in receipt.body + receipt.subject
    assert "激安" not in receipt.body + receipt.subject


def _write_paths(member):
    topic = TopicFactory()
    post = PostFactory(topic=topic)
    coupon = CouponFactory()
    theme = ThemeFactory()
    return [
        ("worq_lawyer_referral", reverse("consultations:lawyer-referral-create"), LAWYER_DATA),
        ("worq_letters_subscribe", reverse("magazine:letters-subscribe"), {"source": "footer"}),
        (
            "worq_opinion",
            reverse("opinionbox:opinion-create", args=[theme.pk]),
            {
                "text": "発注書がないまま仕事が始まりました。",
                "occupation": "配送・デリバリー・貨物",
                "work_style": "業務委託",
                "publication": "nickname",
            },
        ),
        (
            "worq_post",
            reverse("community:post-create", args=[topic.pk]),
            {"kind": "other", "body": "どうしてる？"},
        ),
        ("worq_post", reverse("community:reply-create", args=[post.pk]), {"body": "わたしも同じです"}),
        ("worq_coupon_reveal", reverse("members:coupon-reveal", args=[coupon.pk]), {}),
    ]


def test_every_member_write_path_is_rate_limited(client, member, settings):
    member.date_joined = member.date_joined.replace(year=2020)  # past the new-account posting pause
    member.save()
    client.force_login(member)
    for action, url, data in _write_paths(member):
        cache.clear()
        settings.ACCOUNT_RATE_LIMITS = {action: "1/h/ip"}
        first = client.post(url, data)
        assert first.status_code != 429, url
        second = client.post(url, data)
        assert second.status_code == 429, url
        assert "少し時間をおいてから" in second.content.decode()


# --- M2: placeholder secret keys ------------------------------------------------------------


def test_production_refuses_the_env_example_key():
    example = (ROOT / ".env.example").read_text()
    (key,) = keys_in_text(example)
    result = run_manage("check", env_extra={"DJANGO_ENV": "production", "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "secrets.token_urlsafe" in result.stderr


def test_deploy_check_reports_a_placeholder_key():
    key = "change-me-to-a-long-random-string-of-at-least-fifty-characters-please-2"
    result = run_manage("check", "--deploy", env_extra={"DJANGO_ENV": "development", "SECRET_KEY": key})
    assert "worq.E001" in result.stdout + result.stderr


def test_deploy_check_passes_a_random_key(settings):
    from worq.checks import check_secret_key

    settings.SECRET_KEY = secrets.token_urlsafe(64)
    assert check_secret_key(None) == []
    settings.SECRET_KEY = "django-insecure-worq-development-only-key-do-not-use-in-production"
    assert [e.id for e in check_secret_key(None)] == ["worq.E001"]


def test_every_key_written_in_the_repository_is_refused(settings):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    found = set()
    for name in files:
        path = ROOT / name
        if path.suffix in {".py", ".md", ".yml", ".example", ".txt", ""} and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            found |= keys_in_text(text)
            found |= set(re.findall(r"SECRET_KEY = \"([^\"]{20,})\"", text))
    assert found, "the scan should at least find .env.example's key"
    for key in found | set(settings.WORQ_KNOWN_SECRET_KEYS):
        assert secret_key_problem(key, known=settings.WORQ_KNOWN_SECRET_KEYS), key
    assert repository_keys(ROOT) <= settings.WORQ_KNOWN_SECRET_KEYS


def test_readme_shows_how_to_generate_a_key():
    assert "secrets.token_urlsafe(64)" in (ROOT / "README.md").read_text()


# --- M5: unknown Host, error pages, health check ---------------------------------------------
def test_unknown_host_gets_400_without_the_database(client, settings, django_assert_num_queries):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["worq.example.jp"]
    with django_assert_num_queries(0):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "リクエストを処理できませんでした" in response.content.decode()


def test_429_page_renders_without_the_database(rf, django_assert_num_queries):
    from worq.views import error_429

    with django_assert_num_queries(0):
        response = error_429(rf.post("/"))
    assert response.status_code == 429 and "少し時間をおいて" in response.content.decode()


def test_healthz_answers_head_and_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    assert client.head("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_production_exempts_healthz_and_compose_sends_an_allowed_host():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_REDIRECT_EXEMPT)",
        env_extra={"DJANGO_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(64)},
    )
    assert "healthz" in result.stdout, result.stderr
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "ALLOWED_HOSTS" in compose.split("healthcheck:")[1].split("worker:")[0]


# --- L1: uploads are served under a safe name with the sniffed type ------------------------
@pytest.mark.parametrize("name", ["poly.html", "invoice\u202elmth.pdf", "..\\..\\x.exe"])
def test_upload_is_downloaded_under_a_safe_name(member_client, name):
    from tests.kyosai.test_views import walk_to_review

    application = walk_to_review(member_client, options={"rosai_daily": 8000})
    member_client.post(
        reverse("kyosai:apply-documents"),
        {
            "identity": SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * 100),
            "work_proof": SimpleUploadedFile("contract.pdf", b"%PDF-1.7\n" + b"0" * 100),
        },
    )
    document = Document.objects.get(application=application, kind="identity")
    assert document.file.name.endswith(".pdf") and "html" not in document.file.name
    assert "\u202e" not in document.original_name and "\\" not in document.original_name
    response = member_client.get(reverse("kyosai:document", args=[document.pk]))
    disposition = response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert disposition.startswith("attachment;") and disposition.endswith(".pdf")
    assert "html" not in disposition and "%E2%80%AE" not in disposition and "exe" not in disposition


# --- L3: NUL bytes and impossible years ------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/consultations/?q=%00",
        "/consultations/?q=a%00b&category=%00",
        "/consultations/cases/a%00b/",
        "/consultations/glossary/?row=%00",
        "/magazine/search/?q=%00",
        "/magazine/articles/a%00/",
        "/pages/terms%00/",
        "/community/a%00/",
        "/magazine/archive/0/1/",
        "/magazine/archive/99999/1/",
        "/magazine/archive/0000/12/",
    ],
)
def test_nul_bytes_and_year_zero_are_400_or_404(client, url):
    assert client.get(url).status_code in {400, 404}


# --- L4: one rendered form saves once ----------------------------------------------------------
def _token(client, url) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="form_once" value="([^"]+)"', html).group(1)


def test_a_double_tap_on_the_consultation_form_saves_one(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {}
    token = _token(client, ASK)
    codes = [client.post(ASK, {**ASK_DATA, "form_once": token}).status_code for _ in range(5)]
    assert codes == [302] * 5
    assert ConsultationRequest.objects.count() == 1


def test_a_double_tap_saves_one_post_reply_referral_and_reveal(member_client, member):
    member.date_joined = member.date_joined.replace(year=2020)
    member.save()
    topic = TopicFactory()
    parent = PostFactory(topic=topic)
    coupon = CouponFactory()
    lawyer = reverse("consultations:lawyer-referral-create")
    for page, url, data in [
        (lawyer, lawyer, LAWYER_DATA),
        (
            topic.get_absolute_url(),
            reverse("community:post-create", args=[topic.pk]),
            {"kind": "other", "body": "新しい投稿です"},
        ),
        (topic.get_absolute_url(), reverse("community:reply-create", args=[parent.pk]), {"body": "返信です"}),
        (reverse("members:coupon-list"), reverse("members:coupon-reveal", args=[coupon.pk]), {}),
    ]:
        token = _token(member_client, page)
        for _ in range(3):
            member_client.post(url, {**data, "form_once": token})
    assert LawyerReferral.objects.count() == 1
    assert Post.objects.filter(parent__isnull=True, body="新しい投稿です").count() == 1
    assert Post.objects.filter(body="返信です").count() == 1
    assert CouponReveal.objects.filter(coupon=coupon).count() == 1


def test_repeat_reveal_over_htmx_is_204(member_client):
    coupon = CouponFactory()
    token = _token(member_client, reverse("members:coupon-list"))
    url = reverse("members:coupon-reveal", args=[coupon.pk])
    assert member_client.post(url, {"form_once": token}, headers={"HX-Request": "true"}).status_code == 200
    assert member_client.post(url, {"form_once": token}, headers={"HX-Request": "true"}).status_code == 204


def test_forged_token_counts_as_none():
    assert once.form_token_spend("not-signed", now=timezone.now())
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_five_parallel_submits_of_one_form_save_one(settings):
    settings.ACCOUNT_RATE_LIMITS = {}  # this test is about the token, not the rate
    if connection.vendor != "postgresql":
        pytest.skip("並行送信のテストは PostgreSQL で行います")
    token = _token(Client(), ASK)
    barrier = threading.Barrier(5)
    codes = []

    def submit():
        client = Client()
        barrier.wait()
        codes.append(client.post(ASK, {**ASK_DATA, "form_once": token}).status_code)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [302] * 5
    assert ConsultationRequest.objects.count() == 1


# --- L5: trusted proxies ------------------------------------------------------------------------
def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.ACCOUNT_RATE_LIMITS = {"worq_consultation": "2/h/ip"}
    client = Client()
    codes = [
        client.post(
            ASK,
            {**ASK_DATA, "email": f"p{i}@example.jp"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
            REMOTE_ADDR="192.0.2.1",
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]


def test_with_one_trusted_proxy_each_client_is_counted_apart(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"worq_consultation": "1/h/ip"}
    client = Client()
    codes = [
        client.post(
            ASK,
            {**ASK_DATA, "email": f"q{i}@example.jp"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.9, 198.51.100.{i % 2}",
            REMOTE_ADDR="192.0.2.1",
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]  # two clients behind one proxy; the first one's second try is refused


@pytest.mark.parametrize(("count", "header"), [("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_proxy_ssl_header_only_with_a_trusted_proxy(count, header):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None),"
        " settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        env_extra={
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "TRUSTED_PROXY_COUNT": count,
        },
    )
    assert result.stdout.strip().splitlines()[-1] == f"{header} {count or 0}", result.stderr


def test_compose_exposes_gunicorn_only_to_the_front_proxy():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '"127.0.0.1:8000:8000"' in compose and '"8000:8000"' not in compose
    assert "TRUSTED_PROXY_COUNT=1" in (ROOT / ".env.example").read_text()


# --- L6: request size bounded before reading ----------------------------------------------------
def test_a_huge_upload_is_refused_from_its_declared_length(member_client):
    response = member_client.generic(
        "POST",
        reverse("kyosai:apply-documents"),
        b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "大きすぎます" in response.content.decode()


def test_gunicorn_and_proxy_limits_are_configured():
    conf = (ROOT / "gunicorn.conf.py").read_text()
    for name in ("limit_request_line", "limit_request_fields", "limit_request_field_size"):
        assert name in conf
    assert "client_max_body_size" in (ROOT / "README.md").read_text()


# --- L7: private pages are not cached; no protocol-relative links --------------------------------
def test_member_pages_and_downloads_are_private_no_store(member_client, client):
    response = member_client.get(reverse("members:mypage"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert (
        not Client().get("/").has_header("Cache-Control")
        or "no-store" not in Client().get("/")["Cache-Control"]
    )


def test_downloads_are_private_no_store(member_client):
    from tests.kyosai.test_views import walk_to_review

    walk_to_review(member_client, options={"rosai_daily": 8000}, files=True)
    response = member_client.get(reverse("kyosai:document", args=[Document.objects.first().pk]))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "text",
    [
        "[x](//evil.example/)",
        "[x](/\\evil.example/)",
        '<a href="//evil.example">x</a>',
        "![i](//evil.example/i.png)",
    ],
)
def test_protocol_relative_links_are_refused(text):
    from community.textcheck import render

    assert "evil.example" not in markdown_to_html(text, allow_images=True)
    assert '<a href="//' not in render(text) and '<img src="//' not in render(text)
    assert 'href="/ok"' in markdown_to_html("[ok](/ok)")


def test_article_body_drops_protocol_relative_links():
    from tests.magazine.factories import ArticleFactory

    article = ArticleFactory(body="[x](//evil.example/) [y](https://ok.example/)")
    html = article.body_html if hasattr(article, "body_html") else ""
    assert "evil.example" not in str(html) and "ok.example" in str(html)


def test_community_post_drops_protocol_relative_links(client):
    poster = SettledUserFactory()
    client.force_login(poster)
    topic = TopicFactory()
    client.post(
        reverse("community:post-create", args=[topic.pk]),
        {"kind": "other", "body": "見て [x](//evil.example/)"},
    )
    post = Post.objects.get(topic=topic)
    assert "evil.example" not in post.body_html


def test_opinions_saved_once_per_rate_window(client, registered_user, settings):
    settings.ACCOUNT_RATE_LIMITS = {"worq_opinion": "1/h/key"}
    client.force_login(registered_user)
    theme = ThemeFactory()
    url = reverse("opinionbox:opinion-create", args=[theme.pk])
    data = {
        "text": "声です",
        "occupation": "配送・デリバリー・貨物",
        "work_style": "業務委託",
        "publication": "nickname",
    }
    client.post(url, data)
    assert client.post(url, data).status_code == 429
    assert Opinion.objects.count() <= 1


# --- L2: e-mail tasks run twice send once; newsletter claims come back within a minute ---------
def test_send_email_task_runs_twice_sends_once():
    from worq.tasks import send_email_task

    kwargs = {
        "template": "consultation-request-receipt",
        "context": {"receipt_number": "X"},
        "to": ["a@example.jp"],
    }
    assert send_email_task.apply(kwargs=kwargs, task_id="same-task").get() is True
    assert send_email_task.apply(kwargs=kwargs, task_id="same-task").get() is False
    assert len(mail.outbox) == 1


def test_send_email_task_that_failed_sends_on_its_retry(monkeypatch):
    from worq import tasks

    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ConnectionError("smtp down")
        mail.send_mail("s", "b", None, kwargs["to"])

    monkeypatch.setattr(tasks, "send_templated_email", flaky)
    kwargs = {"template": "x", "context": {}, "to": ["a@example.jp"]}
    with pytest.raises(Retry):  # nothing went out: the claim is released for the retry
        tasks.send_email_task.apply(kwargs=kwargs, task_id="retry-me")
    assert not SentEmail.objects.exists()
    assert tasks.send_email_task.apply(kwargs=kwargs, task_id="retry-me").get() is True
    assert tasks.send_email_task.apply(kwargs=kwargs, task_id="retry-me").get() is False
    assert len(calls) == 2 and len(mail.outbox) == 1


def test_newsletter_claims_expire_within_a_minute():
    from magazine import sending
    from magazine.models import Delivery
    from tests.magazine.factories import CampaignFactory, SubscriptionFactory

    assert sending.LEASE <= dt.timedelta(seconds=60)
    assert sending.HEARTBEAT * 3 < sending.LEASE
    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(status="sending")
    now = timezone.now()
    sending.campaign_dispatch(campaign_id=campaign.pk, now=now)
    Delivery.objects.update(status="sending", claim_token="dead-worker", claimed_at=now)
    later = now + sending.LEASE + dt.timedelta(seconds=1)
    assert sending.campaign_dispatch(campaign_id=campaign.pk, now=later)
    assert not Delivery.objects.filter(status="sending").exists()


def test_a_run_that_lost_its_lease_stops_sending():
    from magazine import sending
    from magazine.models import Delivery
    from tests.magazine.factories import CampaignFactory, SubscriptionFactory

    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(status="sending")
    sending.campaign_dispatch(campaign_id=campaign.pk, now=timezone.now())
    Delivery.objects.update(status="sending", claim_token="slow")
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(claim_token="someone-else")
    mark = Delivery.objects.filter(status="sending", claim_token="slow")
    with pytest.raises(sending.LeaseLost):
        sending._renew(mark, still_mine=2)
