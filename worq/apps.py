from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_migrate


class WorqConfig(AppConfig):
    name = "worq"
    verbose_name = "サイト"
    default_auto_field = "django.db.models.BigAutoField"
    staff_permissions = {"編集": ["page"]}

    def ready(self) -> None:
        _make_sqlite_folder()
        # Models (and modules that import them) load only once ready() runs.
        from allauth.mfa.models import Authenticator

        from worq import checks  # noqa: F401  (registers the deploy checks)
        from worq.lib import pagecache

        # allauth ships no Japanese names for its MFA models; the admin shows these.

        Authenticator._meta.verbose_name = "認証アプリ・リカバリーコード"
        Authenticator._meta.verbose_name_plural = "認証アプリ・リカバリーコード"
        apps.get_app_config("mfa").verbose_name = "二段階認証"

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(pagecache.bump_content_version, dispatch_uid=f"worq-content-version-{signal}")
        request_started.connect(pagecache.request_started, dispatch_uid="worq-content-version-request")
        request_finished.connect(pagecache.request_finished, dispatch_uid="worq-content-version-done")
        pre_migrate.connect(pagecache.migrate_started, dispatch_uid="worq-content-version-migrate")
        post_migrate.connect(pagecache.migrate_finished, dispatch_uid="worq-content-version-migrated")


def _make_sqlite_folder() -> None:
    """SQLite creates its database file but not the folder it sits in (var/
    on a fresh clone): make that folder before the first connection."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if (
        database["ENGINE"].endswith("sqlite3")
        and name
        and name != ":memory:"
        and not name.startswith("file:")
    ):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
