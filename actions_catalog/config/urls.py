from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import api, centre_views, feeds, search_engines, site_pages, views
from actions_catalog.catalogue.visitor_pages import cached_for_visitors
from actions_catalog.editorial.models import PageSlug, url_name
from actions_catalog.members import accounts
from actions_catalog.members import views as submission_views
from actions_catalog.visitors import views as visitors

urlpatterns = [
    path("", views.home, name="home"),
    path("actions/", views.action_list, name="action_list"),
    # Before the detail route; "export.csv" is not a slug, so the two never collide.
    path("actions/export.<str:fmt>", views.action_download, name="action_download"),
    # "feed" is a reserved slug (core/slugs.py): no action can take this address.
    path("actions/feed/", require_safe(cached_for_visitors(feeds.ActionFeed())), name="action_feed"),
    path("actions/<slug:slug>/", views.action_detail, name="action_detail"),
    path("actions/<slug:slug>/signaler/", visitors.error_report, name="error_report"),
    path("actions/<slug:slug>/contact/", visitors.contact_centre, name="action_contact"),
    path("centres/", centre_views.centre_list, name="centre_list"),
    path("centres/<slug:slug>/", centre_views.centre_detail, name="centre_detail"),
    path("api/actions/", api.action_list, name="api_action_list"),
    # Search engines: an index of sitemap files (one per section and page), and robots.txt.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": search_engines.SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path("sitemap-<section>.xml", search_engines.sitemap_file, name="sitemap_section"),
    path("robots.txt", search_engines.robots_txt, name="robots_txt"),
    # The pages of the footer; their texts are edited in the admin (actions_catalog/editorial).
    *[
        path(f"{slug}/", site_pages.page, {"slug": slug}, name=url_name(slug))
        for slug in PageSlug.values
        if slug != PageSlug.OPEN_DATA
    ],
    path(f"{PageSlug.OPEN_DATA}/", site_pages.open_data_page, name=url_name(PageSlug.OPEN_DATA)),
    path("admin/", admin.site.urls),
    # Followed searches: /suivre/… and a member's follows in /espace/suivis/ (before the member area's routes).
    path("", include("actions_catalog.follows.urls")),
    # Centre staff and moderators: accounts, the member area, files of the sheets.
    path("espace/", include("actions_catalog.members.urls")),
    path("fichiers/<int:pk>/", submission_views.attachment_download, name="attachment_download"),
    *accounts.urlpatterns,
]

handler404 = "actions_catalog.config.security.page_not_found"
handler500 = "actions_catalog.config.security.server_error"
