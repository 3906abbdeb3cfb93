from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from oqms import home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include("oqms.accounts.urls")),
    path("org/", include("oqms.org.urls")),
    path("calendars/", include("oqms.calendars.urls")),
    path("inbox/", include("oqms.notify.urls")),
    path("vendors/", include("oqms.vendors.urls")),
    path("contracts/", include("oqms.contracts.urls")),
    path("work/", include("oqms.workorders.urls")),
    path("inspections/", include("oqms.inspections.urls")),
    path("feedback/", include("oqms.feedback.urls")),
    path("capa/", include("oqms.capa.urls")),
    path("improvement/", include("oqms.improvement.urls")),
    path("meetings/", include("oqms.meetings.urls")),
    path("f/", include("oqms.feedback.public_urls")),
    path("kpis/", include("oqms.kpis.urls")),
    path("settlements/", include("oqms.settlements.urls")),
    path("audit/", include("oqms.core.urls")),
    path("data/", include("oqms.dataio.urls")),
    path("media/<path:name>", home.media, name="media"),
    path("api/", include(("oqms.api_urls", "api"), namespace="api")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", home.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
]
