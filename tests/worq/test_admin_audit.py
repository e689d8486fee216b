import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from worq.lib.admin import AuditLogAdmin

pytestmark = pytest.mark.django_db

AUDIT_ADMINS = [ma for ma in admin.site._registry.values() if isinstance(ma, AuditLogAdmin)]


def test_every_audit_log_is_registered_read_only():
    labels = {ma.model._meta.label for ma in AUDIT_ADMINS}
    assert {
        "members.MembershipEvent",
        "community.ModerationAction",
        "community.Report",
        "kyosai.Event",
        "opinionbox.Event",
    } <= labels


@pytest.mark.parametrize("model_admin", AUDIT_ADMINS, ids=lambda ma: ma.model._meta.label)
def test_staff_read_audit_logs_but_cannot_add_change_or_delete(client, model_admin):
    from django.contrib.auth.models import Permission

    from tests.factories import make_staff

    opts = model_admin.model._meta
    user = make_staff()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label=opts.app_label, codename__endswith=f"_{opts.model_name}"
        )
    )
    client.force_login(user)
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    request = RequestFactory().get("/")
    request.user = user
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
