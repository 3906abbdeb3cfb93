"""The navigation menu, built from what the signed-in user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (section, [(label, url name, permission, icon)])
MENU: list[tuple[Any, list[tuple[Any, str, str, str]]]] = [
    (
        _("Work"),
        [
            (_("Work orders"), "workorders:workorder_list", "workorders.view_workorder", "tools"),
        ],
    ),
    (
        _("Inspections"),
        [
            (
                _("Inspections"),
                "inspections:inspection_list",
                "inspections.view_inspection",
                "clipboard-check",
            ),
            (_("Findings"), "inspections:finding_list", "inspections.view_finding", "flag"),
            (
                _("Inspection plans"),
                "inspections:inspectionplan_list",
                "inspections.view_inspectionplan",
                "calendar2-check",
            ),
            (
                _("Checklists"),
                "inspections:checklisttemplate_list",
                "inspections.view_checklisttemplate",
                "ui-checks",
            ),
            (_("Acceptance lots"), "inspections:lot_list", "inspections.view_lot", "boxes"),
            (
                _("Sampling switching"),
                "inspections:samplingstate_list",
                "inspections.view_samplingstate",
                "arrow-left-right",
            ),
        ],
    ),
    (
        _("Feedback"),
        [
            (_("Complaints and praise"), "feedback:complaint_list", "feedback.view_complaint", "megaphone"),
            (_("Results"), "kpis:voice", "feedback.view_complaint", "graph-up"),
            (_("Log a hotline call"), "feedback:hotline", "feedback.add_complaint", "telephone"),
            (
                _("Feedback points and QR codes"),
                "feedback:feedbackpoint_list",
                "feedback.view_feedbackpoint",
                "qr-code",
            ),
            (
                _("Feedback categories"),
                "feedback:complaintcategory_list",
                "feedback.view_complaintcategory",
                "tags",
            ),
        ],
    ),
    (
        _("Corrective action"),
        [
            (
                _("Nonconformances"),
                "capa:nonconformance_list",
                "capa.view_nonconformance",
                "exclamation-diamond",
            ),
            (
                _("Corrective action requests"),
                "capa:correctiveaction_list",
                "capa.view_correctiveaction",
                "wrench-adjustable-circle",
            ),
            (_("Problem categories"), "capa:category_list", "capa.view_category", "tags"),
            (_("Corrective action deadlines"), "capa:duerule_list", "capa.view_duerule", "hourglass-split"),
            (
                _("Improvement actions"),
                "improvement:improvement_list",
                "improvement.view_improvement",
                "graph-up-arrow",
            ),
            (
                _("Lessons and best practices"),
                "improvement:lesson_list",
                "improvement.view_lesson",
                "journal-bookmark",
            ),
        ],
    ),
    (
        _("Meetings"),
        [
            (_("Meetings"), "meetings:meeting_list", "meetings.view_meeting", "people"),
            (_("Meeting actions"), "meetings:actionitem_list", "meetings.view_actionitem", "check2-square"),
            (
                _("Meeting series"),
                "meetings:meetingseries_list",
                "meetings.view_meetingseries",
                "calendar-week",
            ),
            (
                _("Monthly review pack"),
                "meetings:review",
                "meetings.change_meeting",
                "file-earmark-bar-graph",
            ),
        ],
    ),
    (
        _("Vendors"),
        [
            (_("Vendors"), "vendors:vendor_list", "vendors.view_vendor", "building"),
            (_("Contacts"), "vendors:vendorcontact_list", "vendors.view_vendorcontact", "person-lines-fill"),
            (
                _("Qualification documents"),
                "vendors:qualificationdocument_list",
                "vendors.view_qualificationdocument",
                "patch-check",
            ),
        ],
    ),
    (
        _("Contracts"),
        [
            (_("Contracts"), "contracts:contract_list", "contracts.view_contract", "file-earmark-text"),
            (
                _("Service catalogue"),
                "contracts:servicetype_list",
                "contracts.view_servicetype",
                "list-check",
            ),
            (_("Service categories"), "vendors:servicecategory_list", "vendors.view_servicecategory", "tags"),
        ],
    ),
    (
        _("Evaluation"),
        [
            (_("Scorecards"), "kpis:scorecard_list", "kpis.view_scorecard", "clipboard-data"),
            (_("Vendor comparison"), "kpis:comparison", "kpis.change_scorecard", "bar-chart-line"),
            (_("Settlements"), "settlements:settlement_list", "settlements.view_settlement", "receipt"),
            (_("KPIs"), "kpis:kpi_list", "kpis.view_kpi", "speedometer2"),
            (
                _("Reward and penalty rules"),
                "settlements:payrule_list",
                "settlements.view_payrule",
                "cash-coin",
            ),
            (
                _("Consequence rules"),
                "settlements:consequencerule_list",
                "settlements.view_consequencerule",
                "exclamation-octagon",
            ),
            (
                _("Consequences"),
                "settlements:consequence_list",
                "settlements.view_consequence",
                "exclamation-triangle",
            ),
        ],
    ),
    (
        _("Organisation"),
        [
            (_("Organisation units"), "org:orgunit_list", "org.view_orgunit", "diagram-3"),
            (_("Sites"), "org:site_list", "org.view_site", "geo-alt"),
            (_("Business calendars"), "calendars:calendar_list", "calendars.view_calendar", "calendar3"),
            (_("Closures"), "calendars:closure_list", "calendars.view_closure", "sign-stop"),
        ],
    ),
    (
        _("Administration"),
        [
            (_("Users"), "accounts:user_list", "accounts.view_user", "people"),
            (_("Data import"), "dataio:jobs", "dataio.add_importjob", "box-arrow-in-down"),
            (_("Audit trail"), "core:auditentry_list", "core.view_auditentry", "clock-history"),
            (_("E-mail delivery log"), "notify:delivery_list", "notify.view_delivery", "envelope-paper"),
            (_("API documentation"), "api:docs", "", "braces"),
        ],
    ),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    menu = []
    path = request.path
    for section, items in MENU:
        links = []
        for label, url_name, perm, icon in items:
            if not perm or user.has_perm(perm):
                url = reverse(url_name)
                links.append({"label": label, "url": url, "icon": icon, "active": path.startswith(url)})
        if links:
            menu.append({"label": section, "links": links})
    return {"menu": menu}
