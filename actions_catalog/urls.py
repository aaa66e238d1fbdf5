from django.contrib import admin
from django.urls import path

from centres import views as centre_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<slug:slug>/", views.action_detail, name="action_detail"),
    path("centres/<slug:slug>/", centre_views.centre_detail, name="centre_detail"),
    path("admin/", admin.site.urls),
]
