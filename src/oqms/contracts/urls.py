from oqms.contracts.ui import ContractAttachmentUI, ContractUI, ServiceTypeUI

app_name = "contracts"
urlpatterns = [*ContractUI.urls(), *ContractAttachmentUI.urls(), *ServiceTypeUI.urls()]
