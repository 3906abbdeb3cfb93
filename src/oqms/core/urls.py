from oqms.core.audit_ui import AuditEntryUI

app_name = "core"
urlpatterns = [*AuditEntryUI.urls()]
