"""The follows in the admin: to answer a person's request about their data (find an address, delete its
follows). Follows are created by their addresses only, never in the admin."""

from django.contrib import admin

from actions_catalog.follows.models import Follow


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["email", "query", "frequency", "confirmed_at", "last_sent_at"]
    list_filter = ["frequency", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = ["email", "query", "requested_at", "confirmed_at", "covered_until", "last_sent_at", "created_at"]
    fields = ["email", "query", "frequency", *readonly_fields[2:]]

    def has_add_permission(self, request):
        return False
