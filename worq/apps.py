from django.apps import AppConfig


class WorqConfig(AppConfig):
    name = "worq"
    verbose_name = "サイト"
    default_auto_field = "django.db.models.BigAutoField"
    staff_permissions = {"編集": ["page"]}

    def ready(self) -> None:
        # allauth ships no Japanese names for its MFA models; the admin shows these.
        from allauth.mfa.models import Authenticator
        from django.apps import apps

        from worq import checks  # noqa: F401  (registers the deploy checks)

        Authenticator._meta.verbose_name = "認証アプリ・リカバリーコード"
        Authenticator._meta.verbose_name_plural = "認証アプリ・リカバリーコード"
        apps.get_app_config("mfa").verbose_name = "二段階認証"

        from django.core.signals import request_finished, request_started
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from worq.lib import pagecache

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(pagecache.bump_content_version, dispatch_uid=f"worq-content-version-{signal}")
        request_started.connect(pagecache.request_started, dispatch_uid="worq-content-version-request")
        request_finished.connect(pagecache.request_finished, dispatch_uid="worq-content-version-done")
