"""Demo Opinion Box: one theme with a published result, one open theme.

Idempotent: themes are keyed by title, opinions by author and text, so a
second run changes nothing. Every figure on the results page is counted from
these rows; the texts quote no statistics.
"""

import datetime as dt

from django.utils import timezone

from members.models import User
from opinionbox import services
from opinionbox.models import Opinion, Result, Support, Tag, Theme, ThemeUpdate

STAFF_EMAIL = "staff@worq.example.jp"

CONTRACT_THEME = {
    "title": "契約書・取引条件で困ったこと",
    "description": (
        "仕事を受けるときの契約書や発注書、報酬や納期などの取引条件について、"
        "困ったことや「こうなっていたら助かる」ということを教えてください。\n\n"
        "書面がなかった、口約束で条件が変わった、支払日がはっきりしなかった、"
        "といった小さなことでもかまいません。\n\n"
        "※これはデモ用のテーマです。"
    ),
    "why_we_ask": (
        "2024年11月に「フリーランス・事業者間取引適正化等法」（フリーランス新法）が施行され、"
        "発注する側には、業務の内容や報酬額などの取引条件を書面やメールなどで示すことが求められるようになりました。\n\n"
        "現場で実際に何が起きているのかを知り、Wor-Q の相談事例や記事づくり、"
        "そして働きやすいルールづくりを求める活動に活かすためにお聞きします。"
    ),
}

OPEN_THEME = {
    "title": "仕事中のけがや病気への備え",
    "description": (
        "仕事中や移動中のけが、体調を崩して働けなくなったときのことについて、"
        "不安に思っていること、実際に困ったこと、あったら助かる仕組みを教えてください。\n\n"
        "※これはデモ用のテーマです。"
    ),
    "why_we_ask": (
        "雇われて働く人と違い、フリーランスは働けない間の収入が途切れやすい働き方です。"
        "どんな備えが求められているのかを知り、Wor-Q共済や情報発信の見直しに活かします。"
    ),
}

TAGS = [
    "書面・契約書がない",
    "報酬・支払い条件",
    "一方的な条件変更",
    "キャンセル・打ち切り",
    "相談先がわからない",
]

# (author e-mail, text, occupation, work style, publication, wants e-mail, tags, publish, status)
CONTRACT_OPINIONS = [
    (
        "sakura@example.jp",
        "ライターの仕事で、最初はチャットで「1本いくら」と言われただけで始まりました。"
        "途中から修正の回数が増えても報酬は同じで、どこまでが仕事の範囲なのか最初に決めておけばよかったと思っています。"
        "発注する側が使える、簡単なひな形があると助かります。",
        "IT・クリエイティブ・ライター",
        "フリーランス",
        "nickname",
        True,
        ["書面・契約書がない", "一方的な条件変更"],
        True,
        "reflected",
    ),
    (
        "sakura@example.jp",
        "支払いが「月末締め翌々月末払い」と後から知らされたことがあります。"
        "受ける前に支払日を確認する習慣をつけたいので、確認すべき項目のチェックリストがほしいです。",
        "IT・クリエイティブ・ライター",
        "フリーランス",
        "anonymous",
        True,
        ["報酬・支払い条件"],
        True,
        "considering",
    ),
    (
        "kenta@example.jp",
        "配送の仕事で、アプリの規約が変わって単価が下がったのに、説明はお知らせ1通だけでした。"
        "同意しないと仕事が受けられないので、実際には選べません。条件を変えるときは理由と時期をきちんと示してほしいです。",
        "配送・デリバリー・貨物",
        "プラットフォームワーク",
        "anonymous",
        True,
        ["一方的な条件変更", "報酬・支払い条件"],
        True,
        "considering",
    ),
    (
        "kenta@example.jp",
        "荷物の破損があったとき、誰がどこまで負担するのかが契約書に書いていなくて揉めました。"
        "契約の前に読んでおくべきところを、わかりやすく教えてもらえる場所があるとうれしいです。",
        "配送・デリバリー・貨物",
        "業務委託",
        "private",
        False,
        ["書面・契約書がない", "相談先がわからない"],
        False,
        "checked",
    ),
    (
        "mika@example.jp",
        "ベビーシッターの仕事で、前日の夜にキャンセルされても報酬がありません。"
        "準備や移動の予定もあるので、直前のキャンセルについての取り決めを最初に結べるようにしたいです。",
        "ベビーシッター・保育・家事代行",
        "業務委託",
        "nickname",
        True,
        ["キャンセル・打ち切り", "報酬・支払い条件"],
        True,
        "considering",
    ),
    (
        "guest@example.jp",
        "副業でヨガのレッスンをしています。契約書をもらったのですが、言葉が難しくて、"
        "どこが自分に不利なのか判断できませんでした。気軽に聞ける窓口があると知っていたら相談したと思います。",
        "インストラクター・トレーナー",
        "副業・兼業",
        "anonymous",
        False,
        ["相談先がわからない"],
        True,
        "checked",
    ),
]

OPEN_OPINIONS = [
    (
        "kenta@example.jp",
        "自転車で配達中に転んで手首を痛めたとき、休んだ日の収入がまったくなくなりました。"
        "自分で入れる保険があることを、もっと早く知りたかったです。",
        "配送・デリバリー・貨物",
        "プラットフォームワーク",
        "anonymous",
        True,
    ),
]

RESULT = {
    "heard": (
        "「契約書や発注書がないまま仕事が始まった」「途中で条件が変わった」という声が届きました。"
        "とくに、報酬の支払日や直前キャンセルの扱い、修正の回数など、"
        "**最初に決めておけば揉めずに済んだ**という振り返りがありました。\n\n"
        "また、「契約書をもらっても、どこを確かめればよいかわからない」「相談できる場所を知らなかった」という声もありました。"
    ),
    "will_do": (
        "- 仕事を受ける前に確かめたい項目（仕事の範囲、報酬額、支払日、キャンセルの扱いなど）を、"
        "相談事例とあわせて読めるようにします。\n"
        "- いただいた声を、フリーランスが安心して働けるルールづくりを求める活動の材料にします。"
    ),
    "changed": "",
}

UPDATE = {
    "title": "相談事例の「契約・取引条件」を見直しています",
    "body": (
        "このテーマでいただいた声をもとに、相談事例の「契約・取引条件」カテゴリで、"
        "仕事を受ける前に確かめたいことがわかるよう、説明の見直しを進めています。\n\n"
        "※これはデモ用の報告です。"
    ),
}


def _users() -> dict[str, User]:
    return {
        u.email: u
        for u in User.objects.filter(
            email__in=[
                "sakura@example.jp",
                "kenta@example.jp",
                "mika@example.jp",
                "guest@example.jp",
                STAFF_EMAIL,
            ]
        )
    }


def _opinion(
    theme: Theme,
    author: User,
    text: str,
    occupation: str,
    work_style: str,
    publication: str,
    wants_email: bool,
    created_at: dt.datetime,
) -> Opinion:
    opinion, _ = Opinion.objects.get_or_create(
        theme=theme,
        author=author,
        text=text,
        defaults={
            "occupation": occupation,
            "work_style": work_style,
            "publication": publication,
            "wants_result_email": wants_email,
            "created_at": created_at,
        },
    )
    return opinion


def load(*, stdout) -> str:
    now = timezone.now()
    today = timezone.localdate(now)
    users = _users()
    staff = users.get(STAFF_EMAIL)
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}

    contract, _ = Theme.objects.get_or_create(
        title=CONTRACT_THEME["title"],
        defaults={
            **CONTRACT_THEME,
            "opens_on": today - dt.timedelta(days=75),
            "closes_on": today - dt.timedelta(days=45),
            "status": Theme.Status.COUNTING,
        },
    )
    for i, (email, text, occ, style, publication, wants, tag_names, publish, status) in enumerate(
        CONTRACT_OPINIONS
    ):
        if email not in users:
            continue
        opinion = _opinion(
            contract, users[email], text, occ, style, publication, wants, now - dt.timedelta(days=70 - i * 3)
        )
        if opinion.status == Opinion.Status.UNREAD:
            services.opinion_triage(
                opinion=opinion,
                actor=staff,
                status=status,
                staff_note="",
                tags=[tags[n] for n in tag_names],
                is_published=publish,
                now=now,
            )

    published = list(Opinion.objects.published().filter(theme=contract).order_by("id"))
    for opinion in published:
        for user in users.values():
            if user.email != STAFF_EMAIL and user.pk != opinion.author_id and (opinion.pk + user.pk) % 2 == 0:
                Support.objects.get_or_create(opinion=opinion, user=user)

    Result.objects.get_or_create(theme=contract, defaults=RESULT)
    if contract.status != Theme.Status.RESULTS:
        services.result_publish(theme=contract, actor=staff, now=now)
    ThemeUpdate.objects.get_or_create(
        theme=contract,
        title=UPDATE["title"],
        defaults={**UPDATE, "published_on": today - dt.timedelta(days=10)},
    )

    open_theme, _ = Theme.objects.get_or_create(
        title=OPEN_THEME["title"],
        defaults={
            **OPEN_THEME,
            "opens_on": today - dt.timedelta(days=10),
            "closes_on": today + dt.timedelta(days=20),
            "status": Theme.Status.OPEN,
        },
    )
    for email, text, occ, style, publication, wants in OPEN_OPINIONS:
        if email in users:
            _opinion(
                open_theme, users[email], text, occ, style, publication, wants, now - dt.timedelta(days=5)
            )
    return f"{Theme.objects.count()} themes, {Opinion.objects.count()} opinions"
