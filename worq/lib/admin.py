from django.contrib import admin
from django.template.response import TemplateResponse


class AuditLogAdmin(admin.ModelAdmin):
    """An audit record: staff with the view permission read it; nobody adds,
    changes or deletes it through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def reason_page(
    request,
    modeladmin,
    *,
    action: str,
    label: str,
    form,
    ids: str,
    post_url: str,
    targets_template: str = "",
    **context,
) -> TemplateResponse:
    """The one "enter a reason" page: the objects an admin action is about
    (``targets_template``), a form asking why, and a button named for the action."""
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.opts,
            "title": label,
            "action": action,
            "action_label": label,
            "form": form,
            "ids": ids,
            "post_url": post_url,
            "targets_template": targets_template,
            **context,
        },
    )
