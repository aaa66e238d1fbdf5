"""``/espace/`` (namespace ``espace``): the member area and the moderation queue."""

from django.urls import path

from actions_catalog.members import comment_views, views
from actions_catalog.members import moderation_views as moderation

app_name = "espace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actions/nouvelle/", views.action_create, name="action_create"),
    path("actions/nouvelle/enregistrement-auto/", views.autosave, name="autosave_create"),
    path("actions/nouvelle/enregistrement-auto/ecarter/", views.autosave_discard, name="autosave_discard_create"),
    path("actions/<slug:slug>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<slug:slug>/modifier/enregistrement-auto/", views.autosave, name="autosave_edit"),
    path(
        "actions/<slug:slug>/modifier/enregistrement-auto/ecarter/",
        views.autosave_discard,
        name="autosave_discard_edit",
    ),
    path("centres/<slug:slug>/inviter/", views.centre_invite, name="centre_invite"),
    path("actions/<slug:slug>/echanges/", comment_views.action_comments, name="action_comments"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/publier/", moderation.bulk_approve, name="moderation_bulk_approve"),
    path("moderation/actions/<slug:slug>/", moderation.review_page, name="moderation_review"),
    path("moderation/actions/<slug:slug>/message/", moderation.review_comment, name="moderation_comment"),
    path("moderation/mots-cles/<int:pk>/", moderation.keyword_decision, name="keyword_decision"),
    path("moderation/signalements/<int:pk>/traite/", moderation.report_handled, name="error_report_handled"),
]
