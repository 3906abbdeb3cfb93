from oqms.kpis.ui import KPIUI

app_name = "kpis"
urlpatterns = [*KPIUI.urls()]
