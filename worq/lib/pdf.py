"""PDF rendering: context in, PDF bytes out. The Japanese font is bundled in the
repository (IPAexゴシック, IPA Font License) so output is the same on any machine."""

from django.conf import settings
from django.template.loader import render_to_string


def font_url() -> str:
    return settings.WORQ_FONT_PATH.as_uri()


def render_pdf(*, template: str, context: dict) -> bytes:
    # WeasyPrint (and its Pango bindings) load on the first PDF, not with every process.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template, {"font_url": font_url(), **context})
    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=fonts)
