"""The four communities and their first topics from the Wor-Q concept deck
(seed 000_a87db28ff700f0cf.txt, コミュニティ機能)."""

from django.db import migrations

SEED_PROMPT = (
    "フリーランスが集まるこの場所に、みなさんからよく聞こえてくる悩みや困りごとを"
    "「お題」として設定しています。\n"
    "「じぶんもこんなふうに困っていました（悩んでいました）」や"
    "「じぶんはこんなふうに解決しました」といった声を寄せてください。"
)

COMMUNITIES = [
    # slug, name (as in the seed), occupation (shared vocabulary), first topic
    ("care", "ベビーシッター・保育・家事代行", "ベビーシッター・保育・家事代行",
     "フリーランスのみんな、安心・安全な業務のために気を付けてること教えて"),
    ("delivery", "配送スタッフ・デリバリー・貨物", "配送・デリバリー・貨物",
     "フリーランスのみんな、自動車保険・自転車保険どうしてる？"),
    ("it-creative", "IT・クリエイティブ・ライター", "IT・クリエイティブ・ライター",
     "フリーランスのみんな、報酬の交渉どうしてる？"),
    ("instructor", "インストラクター・トレーナー", "インストラクター・トレーナー",
     "フリーランスのみんな、コロナ禍で仕事を続けるためにどんな工夫してる？"),
]


def seed(apps, schema_editor):
    Community = apps.get_model("community", "Community")
    Topic = apps.get_model("community", "Topic")
    for order, (slug, name, occupation, topic_title) in enumerate(COMMUNITIES, start=1):
        community, created = Community.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name, "occupation": occupation, "order": order,
                "description": f"{name}として働く人のお悩み相談＆解決コミュニティ",
            },
        )
        if created:
            Topic.objects.create(community=community, title=topic_title, prompt=SEED_PROMPT,
                                 is_pinned=True)


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
