from django.utils.translation import gettext_lazy as _

from oqms.core.ui import Column, Inline, RecordUI
from oqms.vendors.filtersets import (
    QualificationDocumentFilterSet,
    ServiceCategoryFilterSet,
    VendorContactFilterSet,
    VendorFilterSet,
)
from oqms.vendors.forms import QualificationDocumentForm, ServiceCategoryForm, VendorContactForm, VendorForm
from oqms.vendors.models import QualificationDocument, ServiceCategory, Vendor, VendorContact

_document_columns = [
    Column("doc_type", link=True),
    Column("number"),
    Column("issuer"),
    Column("valid_from"),
    Column("valid_to"),
    Column("expiry_state", label=_("expiry"), sort="valid_to", badge=True),
]


class ServiceCategoryUI(RecordUI):
    model = ServiceCategory
    filterset_class = ServiceCategoryFilterSet
    form_class = ServiceCategoryForm
    ordering = ("code",)
    icon = "tags"
    columns = [Column("code", link=True), Column("name"), Column("name_en")]
    detail_fields = ["code", "name", "name_en"]


class VendorUI(RecordUI):
    model = Vendor
    filterset_class = VendorFilterSet
    form_class = VendorForm
    prefetch_related = ("categories",)
    ordering = ("name",)
    icon = "building"
    columns = [
        Column("name", link=True),
        Column("short_name"),
        Column("credit_code"),
        Column("categories", sort=""),
        Column("status", badge=True),
        Column("created_at"),
    ]
    detail_fields = [
        "name",
        "short_name",
        "credit_code",
        "categories",
        "status",
        "address",
        "website",
        "description",
        "created_at",
    ]
    inlines = [
        Inline(
            "contacts",
            _("Contacts"),
            [
                Column("name", link=True),
                Column("title"),
                Column("phone", mask=True),
                Column("email"),
                Column("is_primary", label=_("primary contact")),
            ],
            "vendors:vendorcontact_create",
            "vendor",
        ),
        Inline(
            "documents",
            _("Qualification documents"),
            _document_columns,
            "vendors:qualificationdocument_create",
            "vendor",
        ),
        Inline(
            "contracts",
            _("Contracts"),
            [
                Column("number", link=True),
                Column("title"),
                Column("start_date"),
                Column("end_date"),
                Column("status", badge=True),
            ],
            "contracts:contract_create",
            "vendor",
        ),
        # The evaluation of the vendor (apps above this one; reached through their related names).
        Inline(
            "scorecards",
            _("Scorecards"),
            [
                Column("period_start", link=True),
                Column("contract"),
                Column("version"),
                Column("score"),
                Column("grade"),
                Column("status", badge=True),
            ],
        ),
        Inline(
            "consequences",
            _("Consequences"),
            [
                Column("rule", link=True),
                Column("action"),
                Column("grades"),
                Column("improvement_plan_requested"),
                Column("created_at"),
            ],
        ),
    ]


class VendorContactUI(RecordUI):
    model = VendorContact
    filterset_class = VendorContactFilterSet
    form_class = VendorContactForm
    select_related = ("vendor",)
    ordering = ("vendor__name", "name")
    icon = "person-lines-fill"
    columns = [
        Column("name", link=True),
        Column("vendor", sort="vendor__name"),
        Column("title"),
        Column("phone", mask=True),
        Column("email"),
        Column("is_primary", label=_("primary contact")),
    ]
    detail_fields = ["vendor", "name", "title", "phone", "email", "is_primary"]


class QualificationDocumentUI(RecordUI):
    model = QualificationDocument
    filterset_class = QualificationDocumentFilterSet
    form_class = QualificationDocumentForm
    select_related = ("vendor",)
    ordering = ("valid_to",)
    icon = "patch-check"
    columns = [Column("vendor", sort="vendor__name"), *_document_columns]
    detail_fields = [
        "vendor",
        "doc_type",
        "number",
        "issuer",
        "valid_from",
        "valid_to",
        "expiry_state",
        "days_to_expiry",
        "file",
    ]
