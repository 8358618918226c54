from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("decisions/", views.DecisionList.as_view(), name="decision_list"),
    path("decisions/FT-<int:number>/", views.DecisionDetail.as_view(), name="decision_detail"),
    path("decisions/<str:reference>/", views.decision_by_reference, name="decision_by_reference"),
    path("authorities/", views.AuthorityList.as_view(), name="authority_list"),
    path("authorities/<slug:slug>/", views.AuthorityDetail.as_view(), name="authority_detail"),
    path("organisations/", views.OrganisationList.as_view(), name="organisation_list"),
    path("organisations/<slug:slug>/", views.OrganisationDetail.as_view(), name="organisation_detail"),
    path("stats/", views.Statistics.as_view(), name="statistics"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    # Keep last: any other address under /api/ answers in JSON too. Only addresses ending in a slash, so
    # that CommonMiddleware still redirects /api/decisions to /api/decisions/; [\s\S] rather than "." so that one
    # with a newline in it (%0A) is one of them.
    re_path(r"^[\s\S]*/$", views.not_found),
]
