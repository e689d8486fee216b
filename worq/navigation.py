"""The six things people come to do, shown in every page's header."""

from functools import cache

from django.urls import reverse

ENTRY_POINTS = [
    ("know", "知りたい・学びたい", "相談事例・用語集・マガジン", "consultations:case-list"),
    ("ask", "相談したい", "電話・メール・LINE・弁護士", "consultations:ask"),
    ("support", "助け・支えになるサービス", "お役立ちリンク・クーポン", "support"),
    ("connect", "つながりたい", "職種別コミュニティ", "community:index"),
    ("prepare", "万が一に備えたい", "Wor-Q共済", "kyosai:index"),
    ("voice", "声をあげたい", "Opinion Box", "opinionbox:index"),
]


@cache
def _entries() -> tuple[tuple[str, str, str, str], ...]:
    # Resolved once, on first use: the URLconf is not loaded yet at import.
    return tuple((key, label, hint, reverse(url_name)) for key, label, hint, url_name in ENTRY_POINTS)


def entry_points(path: str = "") -> list[dict]:
    entries = [
        {"key": key, "label": label, "hint": hint, "url": url, "current": False}
        for key, label, hint, url in _entries()
    ]
    # The current entry is the one whose URL is the longest prefix of the path
    # (/consultations/ask/ is 相談したい, not 知りたい).
    matching = [e for e in entries if path and path.startswith(e["url"])]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["current"] = True
    return entries
