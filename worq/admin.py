from django.contrib import admin

from worq.models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
