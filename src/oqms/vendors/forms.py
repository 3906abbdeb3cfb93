from django import forms
from django.utils.translation import gettext_lazy as _

from oqms.core.forms import ScopedModelForm
from oqms.vendors.models import QualificationDocument, ServiceCategory, Vendor, VendorContact


class ServiceCategoryForm(ScopedModelForm):
    class Meta:
        model = ServiceCategory
        fields = ["code", "name", "name_en"]


class VendorForm(ScopedModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = [
            "name",
            "short_name",
            "credit_code",
            "categories",
            "status",
            "address",
            "website",
            "description",
        ]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def clean_credit_code(self) -> str:
        return str(self.cleaned_data["credit_code"]).strip().upper()


class VendorContactForm(ScopedModelForm):
    class Meta:
        model = VendorContact
        fields = ["vendor", "name", "title", "phone", "email", "is_primary"]


class QualificationDocumentForm(ScopedModelForm):
    class Meta:
        model = QualificationDocument
        fields = ["vendor", "doc_type", "number", "issuer", "valid_from", "valid_to", "file"]
        widgets = {"valid_from": forms.DateInput(), "valid_to": forms.DateInput()}
