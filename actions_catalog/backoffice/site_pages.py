"""The admin of the site's pages (legal notice, accessibility, personal data, contact, open data).

A page not saved yet shows its French default; the add form starts from that default
(``?slug=accessibilite``), so an admin edits the text rather than writing it from nothing.
"""

from django.contrib import admin
from django.utils.html import format_html

from actions_catalog.editorial import defaults
from actions_catalog.editorial.models import SitePage


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "public_link", "updated_at")
    readonly_fields = ("updated_at",)

    @admin.display(description="page publique")
    def public_link(self, page):
        return format_html('<a href="{}">{}</a>', page.get_absolute_url(), page.get_absolute_url())

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        slug = request.GET.get("slug") or next(
            (slug for slug in SitePage.Slug.values if not SitePage.objects.filter(slug=slug).exists()), None
        )
        if slug in defaults.DEFAULTS:
            initial.setdefault("slug", slug)
            initial["title"], initial["body"] = defaults.DEFAULTS[slug]
        return initial

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields
