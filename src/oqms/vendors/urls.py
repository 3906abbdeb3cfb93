from oqms.vendors.ui import QualificationDocumentUI, ServiceCategoryUI, VendorContactUI, VendorUI

app_name = "vendors"
urlpatterns = [
    *VendorUI.urls(),
    *VendorContactUI.urls(),
    *QualificationDocumentUI.urls(),
    *ServiceCategoryUI.urls(),
]
