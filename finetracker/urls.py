from django.contrib import admin
from django.urls import include, path

from fines import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("api/", include("fines.api.urls")),
    path("", include("fines.urls")),
]

handler400 = "fines.views.bad_request"
handler404 = "fines.views.page_not_found"
handler500 = "finetracker.middleware.server_error"  # the 503 page for a database fault
