from django.contrib import admin


class AuditLogAdmin(admin.ModelAdmin):
    """An audit record: staff with the view permission read it; nobody adds,
    changes or deletes it through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
