"""Demo topics, posts, replies and reactions from the demo users.

Idempotent: topics are keyed by title, posts by topic, author and text.
The four communities and their first topics come from the data migration.
"""

import datetime as dt

from django.utils import timezone

from community import textcheck
from community.models import Community, Post, Reaction, Topic
from members.models import User

STAFF = "staff@worq.example.jp"
PROMPT = (
    "「じぶんもこんなふうに困っていました」「じぶんはこんなふうに解決しました」という声を"
    "寄せてください。相手がわかる名前や連絡先は書かないでくださいね。"
)

EXTRA_TOPICS = [
    ("it-creative", "納品したあとの修正依頼、どこまで対応してる？"),
    ("delivery", "荷物の破損や遅れ、責任の線引きはどうしてる？"),
]

# (community slug, topic title, author e-mail, kind, body, [(reply author, reply body)],
#  [(reactor e-mail, reaction kind)])
POSTS = [
    (
        "it-creative",
        "フリーランスのみんな、報酬の交渉どうしてる？",
        "sakura@example.jp",
        Post.Kind.SOLVED,
        "単価の交渉、以前はなかなか言い出せずにいました。\n\n"
        "いまは新しい案件を受ける前に、\n"
        "- 作業の範囲\n- 修正の回数\n- 納期\n\n"
        "を書き出して、それに合わせた見積もりを出すようにしています。"
        "範囲がはっきりすると、金額の話もしやすくなりました。",
        [
            (
                "guest@example.jp",
                "書き出すの、まねしてみます。修正の回数まで決めておくのは思いつきませんでした。",
            )
        ],
        [("guest@example.jp", "helpful"), ("kenta@example.jp", "empathy"), ("mika@example.jp", "helpful")],
    ),
    (
        "it-creative",
        "フリーランスのみんな、報酬の交渉どうしてる？",
        "guest@example.jp",
        Post.Kind.TROUBLED,
        "ライターを始めて半年です。継続の案件で単価を上げてほしいのですが、"
        "切られるのが怖くて言えずにいます。みなさん、どんなタイミングで切り出していますか？",
        [
            (
                "sakura@example.jp",
                "わたしは契約を更新する少し前に、これまでの納品の実績を添えて相談しました。"
                "断られたらいまの条件で続ける、と先に決めておくと、気持ちが楽でしたよ。",
            )
        ],
        [("sakura@example.jp", "empathy"), ("mika@example.jp", "empathy")],
    ),
    (
        "delivery",
        "フリーランスのみんな、自動車保険・自転車保険どうしてる？",
        "kenta@example.jp",
        Post.Kind.SOLVED,
        "軽貨物で配達をしています。自家用と同じ任意保険のまま仕事に使っていて、"
        "事故のときに補償されるのか不安になりました。\n"
        "保険の代理店に「仕事で使っている」と正直に伝えて、使い方に合った契約に見直してもらいました。"
        "何かあったときに払われないほうが怖いので、いまは安心して走れています。",
        [
            (
                "guest@example.jp",
                "自転車で配達を始めたとき、同じことが気になっていました。まず保険会社に確認してみます。",
            )
        ],
        [("guest@example.jp", "helpful"), ("sakura@example.jp", "helpful")],
    ),
    (
        "delivery",
        "荷物の破損や遅れ、責任の線引きはどうしてる？",
        "kenta@example.jp",
        Post.Kind.TROUBLED,
        "雨の日に箱が少しつぶれていたと連絡があり、弁償を求められたことがあります。"
        "受け取ったときからへこんでいた気がするのですが、証拠がなくて言い返せませんでした。",
        [
            (
                "sakura@example.jp",
                "仕事は違いますが、わたしも「最初の状態」を残しておくようにしてから、"
                "言った言わないがなくなりました。写真を撮っておくのはどうでしょう。",
            )
        ],
        [("mika@example.jp", "empathy")],
    ),
    (
        "care",
        "フリーランスのみんな、安心・安全な業務のために気を付けてること教えて",
        "mika@example.jp",
        Post.Kind.SOLVED,
        "初めてのご家庭では、最初の訪問でアレルギー、緊急のときの連絡先、かかりつけの病院を"
        "書いてもらい、控えを一部いただくようにしています。\n"
        "口約束だけにしないことで、お子さんのためにも、自分の身を守るためにもなると感じています。",
        [("guest@example.jp", "鍵の受け渡しのルールも、最初に決めておくと安心でした。")],
        [("guest@example.jp", "helpful"), ("sakura@example.jp", "empathy")],
    ),
    (
        "instructor",
        "フリーランスのみんな、コロナ禍で仕事を続けるためにどんな工夫してる？",
        "guest@example.jp",
        Post.Kind.OTHER,
        "ヨガを教えています。スタジオのレッスンが減ったときに、オンラインのレッスンを始めました。"
        "機材よりも、画面の向こうの人に声をかけるタイミングに慣れるのが大変でした。",
        [],
        [("mika@example.jp", "empathy")],
    ),
]


def _users() -> dict[str, User]:
    emails = {STAFF, "sakura@example.jp", "kenta@example.jp", "mika@example.jp", "guest@example.jp"}
    return {u.email: u for u in User.objects.filter(email__in=emails)}


def _post(*, topic, author, body, when, kind="", parent=None) -> Post:
    html = textcheck.render(body)
    post, created = Post.objects.get_or_create(
        topic=topic,
        author=author,
        parent=parent,
        body=body,
        defaults={"kind": kind, "body_html": html, "created_at": when, "last_activity_at": when},
    )
    if not created and post.body_html != html:
        # The rendering rules improved since the demo was first loaded.
        Post.objects.filter(pk=post.pk).update(body_html=html)
    return post


def load(*, stdout) -> str:
    users = _users()
    now = timezone.now()
    for slug, title in EXTRA_TOPICS:
        community = Community.objects.get(slug=slug)
        Topic.objects.get_or_create(
            community=community,
            title=title,
            defaults={
                "prompt": PROMPT,
                "created_by": users.get(STAFF),
                "created_at": now - dt.timedelta(days=10),
            },
        )
    for i, (slug, title, email, kind, body, replies, reactions) in enumerate(POSTS):
        if email not in users:
            continue
        topic = Topic.objects.get(community__slug=slug, title=title)
        when = now - dt.timedelta(days=len(POSTS) - i, hours=3)
        post = _post(topic=topic, author=users[email], body=body, when=when, kind=kind)
        for j, (reply_email, reply_body) in enumerate(replies):
            _post(
                topic=topic,
                author=users[reply_email],
                body=reply_body,
                parent=post,
                when=when + dt.timedelta(hours=2 + j),
            )
        newest = post.replies.order_by("-created_at").values_list("created_at", flat=True).first()
        Post.objects.filter(pk=post.pk).update(last_activity_at=newest or post.created_at)
        for reactor, reaction in reactions:
            Reaction.objects.get_or_create(post=post, user=users[reactor], kind=reaction)
        latest = Post.objects.filter(topic=topic).order_by("-created_at").first()
        Topic.objects.filter(pk=topic.pk).update(last_activity_at=latest.created_at)
        Community.objects.filter(pk=topic.community_id).update(last_activity_at=latest.created_at)
    _recount()
    return f"{Topic.objects.count()} topics, {Post.objects.count()} posts"


def _recount() -> None:
    """Reaction counts follow the rows (the demo writes rows directly)."""
    for post in Post.objects.filter(reactions__isnull=False).distinct():
        kinds = list(post.reactions.values_list("kind", flat=True))
        Post.objects.filter(pk=post.pk).update(
            empathy_count=kinds.count(Reaction.Kind.EMPATHY),
            helpful_count=kinds.count(Reaction.Kind.HELPFUL),
        )
