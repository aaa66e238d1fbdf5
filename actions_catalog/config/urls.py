from django.contrib import admin
from django.urls import include, path

from actions_catalog.catalogue import api, centre_views, views
from actions_catalog.members import accounts
from actions_catalog.members import views as submission_views

urlpatterns = [
    path("", views.home, name="home"),
    path("actions/", views.action_list, name="action_list"),
    # Before the detail route; "export.csv" is not a slug, so the two never collide.
    path("actions/export.<str:fmt>", views.action_download, name="action_download"),
    path("actions/<slug:slug>/", views.action_detail, name="action_detail"),
    path("centres/<slug:slug>/", centre_views.centre_detail, name="centre_detail"),
    path("api/actions/", api.action_list, name="api_action_list"),
    path("admin/", admin.site.urls),
    # Centre staff and moderators: accounts, the member area, files of the sheets.
    path("espace/", include("actions_catalog.members.urls")),
    path("fichiers/<int:pk>/", submission_views.attachment_download, name="attachment_download"),
    *accounts.urlpatterns,
]

handler404 = "actions_catalog.config.security.page_not_found"
handler500 = "actions_catalog.config.security.server_error"
