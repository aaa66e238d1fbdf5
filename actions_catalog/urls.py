from django.contrib import admin
from django.urls import include, path

from centres import views as centre_views

from . import views
from .submissions import accounts
from .submissions import views as submission_views

urlpatterns = [
    path("", views.home, name="home"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<slug:slug>/", views.action_detail, name="action_detail"),
    path("centres/<slug:slug>/", centre_views.centre_detail, name="centre_detail"),
    path("admin/", admin.site.urls),
    # Centre staff and moderators: accounts, the member area, files of the sheets.
    path("espace/", include("actions_catalog.submissions.urls")),
    path("fichiers/<int:pk>/", submission_views.attachment_download, name="attachment_download"),
    *accounts.urlpatterns,
]
