"""Markdown to safe HTML. Everything user- or staff-written passes through nh3."""

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
}


# "//host/path" (or "/\\host", which browsers read the same way) leaves the
# site without naming a scheme, so url_schemes does not catch it.
_OFF_SITE_RELATIVE = re.compile(r"^[\x00-\x20]*[/\\][\x00-\x20]*[/\\]")


def refuse_protocol_relative(element: str, attribute: str, value: str) -> str | None:
    if attribute in {"href", "src"} and _OFF_SITE_RELATIVE.match(value):
        return None
    return value


def markdown_to_html(text: str, *, allow_images: bool = False, link_rel: str = "noopener") -> str:
    html = md.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    tags = ALLOWED_TAGS if allow_images else ALLOWED_TAGS - {"img"}
    return nh3.clean(
        html,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=link_rel,
        attribute_filter=refuse_protocol_relative,
    )
