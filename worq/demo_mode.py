"""Whether the demo content is loaded: the site then says so on every page.

``load_demo`` leaves a marker file in the installation's var directory; the
check is one file lookup (no query) and is never made in production."""

from pathlib import Path

from django.conf import settings

MARKER_NAME = "demo-loaded"


def _marker() -> Path:
    return Path(settings.VAR_DIR) / MARKER_NAME


def demo_loaded() -> bool:
    return not settings.PRODUCTION and _marker().exists()


def mark_demo_loaded() -> None:
    _marker().parent.mkdir(parents=True, exist_ok=True)
    _marker().write_text("load_demo\n", encoding="utf-8")
