from oqms.kpis.ui import KPIUI, ScorecardUI

app_name = "kpis"
urlpatterns = [*KPIUI.urls(), *ScorecardUI.urls()]
