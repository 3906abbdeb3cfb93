"""The REST API: one router, OpenAPI 3 schema at /api/schema/, offline docs at /api/docs/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from oqms.accounts.api import AuditEntryViewSet, UserViewSet
from oqms.calendars.api import CalendarDayViewSet, CalendarVersionViewSet, CalendarViewSet, ClosureViewSet
from oqms.capa.api import CorrectiveActionViewSet, NonconformanceViewSet
from oqms.contracts.api import ContractAttachmentViewSet, ContractViewSet, ServiceTypeViewSet
from oqms.dataio.api import WorkOrderBulk, WorkOrderEvent, WorkOrderUpsert
from oqms.feedback.api import ComplaintViewSet
from oqms.inspections.api import (
    ChecklistVersionViewSet,
    ChecklistViewSet,
    FindingViewSet,
    InspectionViewSet,
    LotViewSet,
    PlanViewSet,
    SamplingStateViewSet,
)
from oqms.kpis.api import KPIViewSet, ScorecardViewSet
from oqms.notify.api import NotificationViewSet
from oqms.org.api import OrgUnitViewSet, SiteViewSet
from oqms.settlements.api import (
    ConsequenceRuleViewSet,
    ConsequenceViewSet,
    PayRuleViewSet,
    SettlementViewSet,
)
from oqms.vendors.api import (
    QualificationDocumentViewSet,
    ServiceCategoryViewSet,
    VendorContactViewSet,
    VendorViewSet,
)
from oqms.workorders.api import WorkOrderAttachmentViewSet, WorkOrderViewSet

router = DefaultRouter()
router.register("org-units", OrgUnitViewSet)
router.register("sites", SiteViewSet)
router.register("calendars", CalendarViewSet)
router.register("calendar-days", CalendarDayViewSet)
router.register("calendar-closures", ClosureViewSet)
router.register("calendar-versions", CalendarVersionViewSet, basename="calendarversion")
router.register("service-categories", ServiceCategoryViewSet)
router.register("vendors", VendorViewSet)
router.register("vendor-contacts", VendorContactViewSet)
router.register("qualification-documents", QualificationDocumentViewSet)
router.register("service-types", ServiceTypeViewSet)
router.register("contracts", ContractViewSet)
router.register("contract-attachments", ContractAttachmentViewSet)
router.register("work-orders", WorkOrderViewSet)
router.register("complaints", ComplaintViewSet)
router.register("nonconformances", NonconformanceViewSet)
router.register("corrective-actions", CorrectiveActionViewSet)
router.register("checklists", ChecklistViewSet)
router.register("checklist-versions", ChecklistVersionViewSet)
router.register("inspection-plans", PlanViewSet)
router.register("inspections", InspectionViewSet)
router.register("findings", FindingViewSet)
router.register("lots", LotViewSet)
router.register("sampling-states", SamplingStateViewSet)
router.register("kpis", KPIViewSet)
router.register("scorecards", ScorecardViewSet)
router.register("pay-rules", PayRuleViewSet)
router.register("settlements", SettlementViewSet)
router.register("consequence-rules", ConsequenceRuleViewSet)
router.register("consequences", ConsequenceViewSet)
router.register("work-order-photos", WorkOrderAttachmentViewSet)
router.register("notifications", NotificationViewSet, basename="notification")
router.register("users", UserViewSet)
router.register("audit-entries", AuditEntryViewSet)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("integration/work-orders/", WorkOrderUpsert.as_view(), name="integration_work_order"),
    path("integration/work-orders/bulk/", WorkOrderBulk.as_view(), name="integration_work_orders_bulk"),
    path("integration/work-orders/events/", WorkOrderEvent.as_view(), name="integration_work_order_event"),
    path("", include(router.urls)),
]
