from django.urls import path

from oqms.inspections import views
from oqms.inspections.ui import (
    ChecklistTemplateUI,
    ChecklistVersionUI,
    FindingUI,
    InspectionPlanUI,
    InspectionUI,
    LotUI,
    SamplingStateUI,
)

app_name = "inspections"
urlpatterns = [
    *ChecklistTemplateUI.urls(),
    *ChecklistVersionUI.urls(),
    *InspectionPlanUI.urls(),
    *InspectionUI.urls(),
    *FindingUI.urls(),
    path("lots/new/", views.open_lot, name="lot_create"),
    *LotUI.urls(),
    *SamplingStateUI.urls(),
    path("lots/<int:pk>/decide/", views.decide_lot, name="lot_decide"),
    path("lots/<int:pk>/redraw/", views.redraw_lot, name="lot_redraw"),
    path("samplingstates/<int:pk>/<slug:step>/", views.switch_state, name="samplingstate_switch"),
    path("checklisttemplates/<int:pk>/new-version/", views.new_version, name="checklist_new_version"),
    path("checklistversions/<int:pk>/publish/", views.publish_version, name="version_publish"),
    path("checklistversions/<int:pk>/items/new/", views.edit_item, name="version_item_add"),
    path("checklistversions/<int:pk>/items/<int:item_pk>/", views.edit_item, name="version_item_edit"),
    path(
        "checklistversions/<int:pk>/items/<int:item_pk>/delete/",
        views.delete_item,
        name="version_item_delete",
    ),
    path("checklistversions/<int:pk>/sections/", views.add_section, name="version_section_add"),
    path("inspectionplans/<int:pk>/schedule/", views.schedule_plan, name="plan_schedule"),
    path("inspections/<int:pk>/start/", views.start, name="inspection_start"),
    path("inspections/<int:pk>/perform/", views.perform, name="inspection_perform"),
    path("inspections/<int:pk>/answer/", views.save_answer, name="inspection_answer"),
    path("inspections/<int:pk>/photos/", views.add_photo, name="inspection_photo"),
    path("inspections/<int:pk>/complete/", views.complete, name="inspection_complete"),
    path("inspections/<int:pk>/cancel/", views.cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/correct/", views.correct, name="inspection_correct"),
]
