"""The follows' addresses (namespace ``follows``): public ones under ``/suivre/``, a member's under
``/espace/suivis/`` (private, like the rest of the members' area)."""

from django.urls import path

from actions_catalog.follows import views

app_name = "follows"

urlpatterns = [
    path("suivre/", views.follow, name="follow"),
    path("suivre/demande-envoyee/", views.requested, name="requested"),
    path("suivre/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("suivre/arreter/<str:token>/", views.stop, name="stop"),
    path("espace/suivis/", views.mine, name="mine"),
    path("espace/suivis/<int:pk>/frequence/", views.change_frequency, name="change_frequency"),
    path("espace/suivis/<int:pk>/arreter/", views.stop_mine, name="stop_mine"),
]
