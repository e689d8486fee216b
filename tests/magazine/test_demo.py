import io

import pytest

from magazine import demo
from magazine.models import Article, Campaign, Delivery, Feature


@pytest.mark.django_db
def test_demo_loads_features_articles_and_a_sent_letter_idempotently():
    from members import demo as members_demo

    members_demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    snapshot = (
        list(Article.objects.values_list("slug", "updated_at")),
        Feature.objects.count(),
        Campaign.objects.count(),
        Delivery.objects.count(),
    )
    demo.load(stdout=io.StringIO())
    after = (
        list(Article.objects.values_list("slug", "updated_at")),
        Feature.objects.count(),
        Campaign.objects.count(),
        Delivery.objects.count(),
    )
    assert after == snapshot
    assert Feature.objects.count() >= 3
    assert Article.objects.count() >= 12
    for feature in Feature.objects.all():
        assert feature.articles.exists()
    campaign = Campaign.objects.get()
    assert campaign.status == Campaign.Status.SENT
    assert campaign.deliveries.filter(status="sent").count() == 3
