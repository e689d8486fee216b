"""Checks on what people write, and safe rendering. Pure: no ORM.

``warnings`` are gentle: the person may confirm and post anyway.
``problems`` are refusals: the post is not saved.
"""

import html
import re
import unicodedata

import markdown
import nh3

from worq.lib.markup import refuse_protocol_relative

LINK_REL = "nofollow ugc noopener"
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a"}

_PHONE = re.compile(r"(?<!\d)(?:\+81[-\s]?|0)\d{1,4}[-\s(]?\d{1,4}[-\s)]?\d{3,4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A name-like word followed by an honorific: 田中さん, 佐藤様, ヤマダ氏.
_NAME = re.compile(r"([一-龥々]{1,4}|[ァ-ヴー]{2,8})(さん|様|さま|氏|くん|君|ちゃん|先生)")
# Words that take an honorific but are not anyone's name.
_NOT_NAMES = {
    "皆",
    "客",
    "お客",
    "奥",
    "先方",
    "担当者",
    "担当",
    "利用者",
    "依頼者",
    "保護者",
    "親御",
    "業者",
    "運転手",
    "母",
    "父",
    "子",
    "大家",
    "社長",
    "店長",
    "上司",
    "同業者",
    "相手",
    "発注者",
    "取引先",
    "元請",
    "依頼主",
    "会員",
    "先輩",
    "後輩",
    "医者",
    "弁護士",
    "税理士",
    "神",
    "王",
    "兄",
    "姉",
    "弟",
    "妹",
    "娘",
    "息子",
    "旦那",
    "主人",
    "家族",
    "講師",
    "生徒",
    "方",
    "人",
    "様",
    "ドライバー",
    "クライアント",
    "ユーザー",
    "メンバー",
    "スタッフ",
    "オーナー",
    "ママ",
    "パパ",
    "シッター",
    "トレーナー",
    "インストラクター",
    "ライター",
    "デザイナー",
    "エンジニア",
    "フリーランス",
    "カメラマン",
    "お母",
    "お父",
    "お子",
    "お医者",
    "皆様",
}
_JAVASCRIPT = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.IGNORECASE)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BARE_URL = re.compile(r"(?<![(\[])\bhttps?://[^\s<>()\[\]]+")


def _normal(text: str) -> str:
    # Full-width digits and letters (０９０, ｊａｖａｓｃｒｉｐｔ) count the same.
    return unicodedata.normalize("NFKC", text or "")


def personal_info_warnings(text: str) -> list[str]:
    """Gentle warnings: the person is asked to look again before posting."""
    text = _normal(text)
    warnings = []
    if _EMAIL.search(text):
        warnings.append("メールアドレスのような文字が入っています。")
    elif _PHONE.search(text):
        warnings.append("電話番号のような数字が入っています。")
    for match in _NAME.finditer(text):
        word = match.group(1)
        if word not in _NOT_NAMES and not any(word.endswith(w) for w in _NOT_NAMES if len(w) > 1):
            warnings.append(f"「{match.group(0)}」のような、人の名前らしい言葉が入っています。")
            break
    if _TAG.search(text):
        warnings.append("HTMLのタグ（<script> など）は使えません。書いたとおりの文字として表示されます。")
    return warnings


def problems(text: str) -> list[str]:
    """Reasons the text cannot be posted as it is."""
    if _JAVASCRIPT.search(_normal(text).replace("\n", "")):
        return [
            "「javascript:」などで始まるリンクは、安全のため使えません。"
            "リンクは https:// で始まるアドレスにしてください。"
        ]
    return []


_LIST_ITEM = re.compile(r"^\s*(?:(?:[-*+]|\d+[.)])\s+\S|・\s*\S)")


def _separate_lists(text: str) -> str:
    """People start a list on the very next line ("前に、\n- 範囲"); Markdown
    needs a blank line around it. 「・」 counts as a bullet too."""
    lines: list[str] = []
    previous_is_item = False
    for line in text.replace("\r\n", "\n").split("\n"):
        is_item = bool(_LIST_ITEM.match(line))
        if is_item and line.lstrip().startswith("・"):
            line = "- " + line.lstrip()[1:].lstrip()
        if lines and lines[-1].strip() and is_item != previous_is_item:
            lines.append("")
        lines.append(line)
        previous_is_item = is_item
    return "\n".join(lines)


def render(text: str) -> str:
    """Plain text with light formatting → safe HTML.

    The text is escaped first, so anything that looks like HTML is shown as
    written; Markdown then adds paragraphs, line breaks, lists and links,
    and nh3 keeps only those tags (links get rel="nofollow ugc noopener")."""
    escaped = _separate_lists(html.escape(text or "", quote=False))
    escaped = _BARE_URL.sub(lambda m: f"[{m.group(0)}]({m.group(0)})", escaped)
    rendered = markdown.markdown(escaped, extensions=["nl2br", "sane_lists"], output_format="html")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        attribute_filter=refuse_protocol_relative,
    )
