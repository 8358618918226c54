from django.urls import path

from . import views
from .exports import export_csv, export_json
from .feeds import decision_feed

app_name = "fines"

urlpatterns = [
    path("", views.home, name="home"),
    path("fines/", views.decision_list, name="decision_list"),
    path("fines/FT-<int:number>/", views.decision_detail, name="decision_detail"),
    path("fines/FT-<int:number>/<slug:slug>/", views.decision_detail, name="decision_detail_slug"),
    path("fines/export.csv", export_csv, name="export_csv"),
    path("fines/export.json", export_json, name="export_json"),
    path("fines/feed.atom", decision_feed, name="feed"),
    path("fines/<str:reference>/", views.decision_by_reference, name="decision_by_reference"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/<slug:slug>/", views.authority_detail, name="authority_detail"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("compare/", views.compare, name="compare"),
    path("stats/", views.statistics, name="statistics"),
]
