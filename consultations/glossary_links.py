"""Link the first occurrence of each glossary term in already-safe HTML.

Pure. The input is sanitised HTML (``worq.lib.markup``); text is re-escaped on
the way out, tags are copied as they were, and nothing is linked inside an
existing ``<a>`` (no link inside a link) or inside ``<code>``/``<pre>``.
"""

import re
from html import escape
from html.parser import HTMLParser

_NO_LINK_INSIDE = {"a", "code", "pre"}


class _Linker(HTMLParser):
    def __init__(self, pattern: re.Pattern, urls: dict[str, str], seen: dict[str, None]):
        super().__init__(convert_charrefs=True)
        self.pattern, self.urls, self.seen = pattern, urls, seen
        self.out: list[str] = []
        self.blocked = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")
        if tag in _NO_LINK_INSIDE:
            self.blocked += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in _NO_LINK_INSIDE and self.blocked:
            self.blocked -= 1

    def handle_data(self, data):
        if self.blocked:
            self.out.append(escape(data, quote=False))
            return
        self.out.append(self.pattern.sub(self._replace, escape(data, quote=False)))

    def _replace(self, match: re.Match) -> str:
        term = match.group(0)
        if term in self.seen:
            return term
        self.seen[term] = None
        return f'<a class="glossary-link" href="{escape(self.urls[term])}">{term}</a>'


def link_terms(parts: list[str], urls: dict[str, str]) -> tuple[list[str], list[str]]:
    """Link each term of ``urls`` ({term: url}) once across all ``parts``.

    Longer terms win (業務委託契約 before 契約). Returns the new parts and
    the terms linked, in order of appearance.
    """
    if not urls:
        return parts, []
    escaped = {escape(term, quote=False): url for term, url in urls.items()}
    pattern = re.compile("|".join(re.escape(t) for t in sorted(escaped, key=len, reverse=True)))
    seen: dict[str, None] = {}  # insertion-ordered: the terms linked, in order
    out = []
    for html in parts:
        parser = _Linker(pattern, escaped, seen)
        parser.feed(html)
        parser.close()
        out.append("".join(parser.out))
    return out, list(seen)
