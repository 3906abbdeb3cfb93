from oqms.org.ui import OrgUnitUI, SiteUI

app_name = "org"
urlpatterns = [*OrgUnitUI.urls(), *SiteUI.urls()]
