import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from magazine.models import Article, Campaign, Delivery
from tests.factories import make_staff
from tests.magazine.factories import ArticleFactory, CampaignFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("編集", email="editor@example.jp", nickname="へんしゅう"))
    return client


def test_editor_writes_article_and_previews_the_draft(editor_client):
    article = ArticleFactory(published_at=None, body="## 下書きの見出し")
    assert editor_client.get(reverse("admin:magazine_article_changelist")).status_code == 200
    change = editor_client.get(reverse("admin:magazine_article_change", args=[article.pk]))
    assert reverse("admin:magazine_article_preview", args=[article.pk]) in change.content.decode()
    preview = editor_client.get(reverse("admin:magazine_article_preview", args=[article.pk]))
    html = preview.content.decode()
    assert "<h2>下書きの見出し</h2>" in html and "まだ公開されていません" in html
    assert editor_client.get(article.get_absolute_url()).status_code == 404


def test_preview_is_for_staff_only(client, member):
    article = ArticleFactory(published_at=None)
    client.force_login(member)
    response = client.get(reverse("admin:magazine_article_preview", args=[article.pk]))
    assert response.status_code == 302


def test_hero_image_needs_alt_text():
    from django.core.exceptions import ValidationError

    article = ArticleFactory.build(hero_image="magazine/hero/x.png", hero_alt="")
    article.category.save()
    with pytest.raises(ValidationError, match="代替テキスト"):
        article.full_clean()


def test_campaign_admin_test_send_then_send_now(editor_client, django_capture_on_commit_callbacks):
    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(test_sent_at=None)
    change_url = reverse("admin:magazine_campaign_change", args=[campaign.pk])
    page = editor_client.get(change_url).content.decode()
    assert "送り先の人数（いま送ると）：<strong>2人</strong>" in page

    refused = editor_client.post(reverse("admin:magazine_campaign_send_now", args=[campaign.pk]), follow=True)
    assert "テスト送信" in refused.content.decode() and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:magazine_campaign_test_send", args=[campaign.pk]))
    assert [m.to for m in mail.outbox] == [["editor@example.jp"]]
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:magazine_campaign_send_now", args=[campaign.pk]))
    assert len(mail.outbox) == 3

    progress = editor_client.get(reverse("admin:magazine_campaign_progress", args=[campaign.pk]))
    html = progress.content.decode()
    assert '<progress id="campaign-progress-bar" max="2" value="2">' in html
    assert "送信済み：2 件" in html and "style=" not in html


def test_progress_polls_while_sending_and_lists_failures(editor_client):
    campaign = CampaignFactory(status=Campaign.Status.SENDING, recipients_built_at=timezone.now())
    sub = SubscriptionFactory()
    Delivery.objects.create(
        campaign=campaign,
        subscription=sub,
        email="gone@example.jp",
        status=Delivery.Status.FAILED,
        error="受信を拒否されました（550）",
    )
    Delivery.objects.create(campaign=campaign, subscription=SubscriptionFactory(), email="x@example.jp")
    html = editor_client.get(reverse("admin:magazine_campaign_change", args=[campaign.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "gone@example.jp" in html and "受信を拒否されました（550）" in html
    assert "送信待ち：1 件" in html and "失敗：1 件" in html


def test_schedule_in_the_past_shows_a_message(editor_client):
    SubscriptionFactory()
    campaign = CampaignFactory()
    past = timezone.localtime() - dt.timedelta(hours=1)
    response = editor_client.post(
        reverse("admin:magazine_campaign_schedule", args=[campaign.pk]),
        {"scheduled_at": past.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "予約日時が過去になっています" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_schedule_in_the_future_and_unschedule(editor_client):
    SubscriptionFactory()
    campaign = CampaignFactory()
    future = timezone.localtime() + dt.timedelta(days=1)
    editor_client.post(
        reverse("admin:magazine_campaign_schedule", args=[campaign.pk]),
        {"scheduled_at": future.strftime("%Y-%m-%dT%H:%M")},
    )
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    editor_client.post(reverse("admin:magazine_campaign_unschedule", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and campaign.scheduled_at is None


def test_editing_the_text_asks_for_a_new_test_send(editor_client):
    campaign = CampaignFactory()
    editor_client.post(
        reverse("admin:magazine_campaign_change", args=[campaign.pk]),
        {
            "subject": "新しい件名",
            "body": campaign.body,
            "audience": "all",
            "occupation": "",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    campaign.refresh_from_db()
    assert campaign.subject == "新しい件名" and campaign.test_sent_at is None


def test_action_urls_refuse_get(editor_client):
    campaign = CampaignFactory()
    response = editor_client.get(reverse("admin:magazine_campaign_send_now", args=[campaign.pk]))
    assert response.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT


def test_moderator_cannot_send_letters(client):
    client.force_login(make_staff("モデレーター", email="mod@example.jp", nickname="もでれーた"))
    campaign = CampaignFactory()
    assert client.post(reverse("admin:magazine_campaign_send_now", args=[campaign.pk])).status_code == 403
    assert not Article.objects.exists()


def test_occupation_audience_without_occupation_is_refused_in_admin(editor_client):
    response = editor_client.post(
        reverse("admin:magazine_campaign_add"),
        {
            "subject": "件名",
            "body": "本文",
            "audience": "occupation",
            "occupation": "",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "職種を選んでください" in response.content.decode()
    assert not Campaign.objects.exists()


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_editor_uploads_hero_and_body_images(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.magazine.factories import CategoryFactory

    category = CategoryFactory()
    data = {
        "title": "画像つきの記事",
        "slug": "with-images",
        "lead": "リード",
        "body": "本文",
        "category": category.pk,
        "author_byline": "Wor-Q編集部",
        "hero_image": SimpleUploadedFile("hero.png", _png(), "image/png"),
        "hero_alt": "",
        "related_case_ids": "[]",
        "related_terms": "[]",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": SimpleUploadedFile("fig.png", _png(), "image/png"),
        "images-0-alt": "図1",
    }
    response = editor_client.post(reverse("admin:magazine_article_add"), data)
    assert "メイン画像には代替テキストを入れてください" in response.content.decode()
    assert not Article.objects.exists()

    data["hero_alt"] = "打ち合わせの様子"
    data["hero_image"] = SimpleUploadedFile("hero.png", _png(), "image/png")
    data["images-0-image"] = SimpleUploadedFile("fig.png", _png(), "image/png")
    response = editor_client.post(reverse("admin:magazine_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.hero_image.name.startswith("magazine/hero/")
    image = article.images.get()
    assert image.markdown == f"![図1]({image.image.url})"
    assert article.published_at is None  # a draft until staff set the time


def test_sent_campaign_is_read_only(editor_client):
    campaign = CampaignFactory(status=Campaign.Status.SENT, recipients_built_at=timezone.now())
    html = editor_client.get(reverse("admin:magazine_campaign_change", args=[campaign.pk])).content.decode()
    assert "送信の状況：送信済み" in html and 'name="_save"' not in html
    editor_client.post(
        reverse("admin:magazine_campaign_change", args=[campaign.pk]),
        {
            "subject": "書き換え",
            "body": "x",
            "audience": "all",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    campaign.refresh_from_db()
    assert campaign.subject != "書き換え"


@pytest.mark.parametrize("value", ["C-1", [1, 2], [""], {"a": 1}])
def test_related_ids_must_be_a_list_of_strings(value):
    from django.core.exceptions import ValidationError

    article = ArticleFactory.build(related_case_ids=value)
    article.category.save()
    with pytest.raises(ValidationError, match="リストで入れてください"):
        article.full_clean()
