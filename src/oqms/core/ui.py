"""Generic record pages: list (search, filters, sorting, pagination, Excel export), detail, create, edit, delete.

Each model declares one :class:`RecordUI` subclass (columns, filterset, form, detail layout); ``urls()`` turns it
into the six pages. The same filterset drives the page, the export and the REST list, and every queryset comes
from ``visible_to(user)``, so what a user can see is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from oqms.core.audit_display import describe as describe_changes
from oqms.core.errors import DomainError
from oqms.core.export import csv_response, export_text, xlsx_response
from oqms.core.models import AuditEntry
from oqms.core.scoping import permission_codename, restrict
from oqms.core.values import display_value, join_names, resolve


@dataclass
class Column:
    """A column of a list page and of its Excel export."""

    name: str
    label: Any = None
    sort: str | None = None  # ordering lookup; "" = not sortable; None = the name when it is a field
    link: bool = False
    badge: bool = False
    mask: bool = False

    def header(self, model: type[models.Model]) -> Any:
        if self.label is not None:
            return self.label
        try:
            return model._meta.get_field(self.name.split(".")[0]).verbose_name
        except Exception:  # noqa: BLE001 - a property, not a field
            return self.name

    def sort_key(self, model: type[models.Model]) -> str:
        if self.sort is not None:
            return self.sort
        try:
            model._meta.get_field(self.name)
            return self.name
        except Exception:  # noqa: BLE001
            return ""


@dataclass
class Inline:
    """A table of related records on a detail page."""

    accessor: str
    title: Any
    columns: list[Column]
    add_url_name: str = ""
    add_param: str = ""


class RecordUI:
    model: ClassVar[type[models.Model]]
    filterset_class: ClassVar[Any]
    form_class: ClassVar[Any] = None
    columns: ClassVar[list[Column]] = []
    # The columns of the Excel and CSV exports, when they should hold more than the page (None: the same).
    export_columns: ClassVar[list[Column] | None] = None
    detail_fields: ClassVar[list[Any]] = []
    inlines: ClassVar[list[Inline]] = []
    select_related: ClassVar[tuple[str, ...]] = ()
    prefetch_related: ClassVar[tuple[str, ...]] = ()
    ordering: ClassVar[tuple[str, ...]] = ("-pk",)
    paginate_by: ClassVar[int] = 25
    can_delete: ClassVar[bool] = True
    detail_template: ClassVar[str] = "core/detail.html"
    icon: ClassVar[str] = "table"

    # --- naming -----------------------------------------------------------------------------------
    @classmethod
    def url_name(cls, page: str) -> str:
        return f"{cls.model._meta.app_label}:{cls.model._meta.model_name}_{page}"

    @classmethod
    def title(cls) -> Any:
        return cls.model._meta.verbose_name_plural

    # --- data -------------------------------------------------------------------------------------
    @classmethod
    def queryset(cls, user: Any, action: str = "view") -> models.QuerySet[Any]:
        queryset = cls.model._default_manager.all()
        if cls.select_related:
            queryset = queryset.select_related(*cls.select_related)
        if cls.prefetch_related:
            queryset = queryset.prefetch_related(*cls.prefetch_related)
        return restrict(queryset, user, action)

    @classmethod
    def filtered(cls, request: HttpRequest) -> tuple[Any, models.QuerySet[Any], str]:
        filterset = cls.filterset_class(
            request.GET or None, queryset=cls.queryset(request.user), request=request
        )
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        sort = request.GET.get("sort", "")
        allowed = {c.sort_key(cls.model) for c in cls.columns} - {""}
        if (sort[1:] if sort.startswith("-") else sort) in allowed:
            queryset = queryset.order_by(sort, "-pk")
        else:
            sort = ""
            queryset = queryset.order_by(*cls.ordering)
        return filterset, queryset, sort

    @classmethod
    def locked_reason(cls, obj: Any) -> str | None:
        """Why this record can no longer be edited (a closed work order), or None when it can be."""
        return None

    @classmethod
    def form_kwargs(cls, request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user}

    @classmethod
    def initial(cls, request: HttpRequest) -> dict[str, Any]:
        """Prefill from the query string (e.g. ``?vendor=3`` from a vendor's page)."""
        form_fields = getattr(cls.form_class._meta, "fields", None) or []
        return {k: v for k, v in request.GET.items() if k in form_fields}

    @classmethod
    def save(cls, request: HttpRequest, form: Any, formsets: list[Any]) -> models.Model:
        """Save the form and its inline formsets; override to call a service instead."""
        instance = form.save()
        for formset in formsets:
            formset.instance = instance
            formset.save()
        return instance  # type: ignore[no-any-return]

    @classmethod
    def formsets(cls, request: HttpRequest, instance: Any) -> list[Any]:
        return []

    @classmethod
    def extra_context(cls, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {}

    @classmethod
    def actions(cls, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        """Extra buttons on the detail page."""
        return []

    # --- URLs -------------------------------------------------------------------------------------
    @classmethod
    def urls(cls) -> list[Any]:
        name = cls.model._meta.model_name
        plural = str(cls.model._meta.model_name) + "s"
        views = [
            path(f"{plural}/", ListPage.as_view(ui=cls), name=f"{name}_list"),
            path(f"{plural}/export.xlsx", ExportPage.as_view(ui=cls), name=f"{name}_export"),
            path(f"{plural}/export.csv", ExportPage.as_view(ui=cls, fmt="csv"), name=f"{name}_export_csv"),
            path(f"{plural}/<int:pk>/", DetailPage.as_view(ui=cls), name=f"{name}_detail"),
        ]
        if cls.form_class is not None:
            views += [
                path(f"{plural}/new/", EditPage.as_view(ui=cls), name=f"{name}_create"),
                path(f"{plural}/<int:pk>/edit/", EditPage.as_view(ui=cls), name=f"{name}_update"),
            ]
        if cls.can_delete:
            views.append(
                path(f"{plural}/<int:pk>/delete/", DeletePage.as_view(ui=cls), name=f"{name}_delete")
            )
        return views


def render_cell(obj: Any, column: Column) -> Any:
    value = display_value(obj, column.name, mask=column.mask)
    if column.badge and value != "":
        colour = getattr(obj, f"{column.name}_colour", None)
        return {"badge": value, "colour": colour() if colour else "secondary"}
    return value


class UIView(LoginRequiredMixin, View):
    ui: type[RecordUI] = RecordUI

    def perm(self, action: str) -> bool:
        return bool(self.request.user.has_perm(permission_codename(self.ui.model, action)))

    def require(self, action: str) -> None:
        if not self.perm(action):
            raise PermissionDenied

    def get_object(self, pk: int, action: str = "view") -> Any:
        obj = self.ui.queryset(self.request.user, action).filter(pk=pk).first()
        if obj is None:
            raise Http404
        return obj

    def base_context(self) -> dict[str, Any]:
        model = self.ui.model
        return {
            "ui": self.ui,
            "model_name": model._meta.verbose_name,
            "title": self.ui.title(),
            "can_add": self.ui.form_class is not None and self.perm("add"),
            "list_url": reverse(self.ui.url_name("list")),
        }


class ListPage(UIView):
    def get(self, request: HttpRequest) -> HttpResponse:
        self.require("view")
        filterset, queryset, sort = self.ui.filtered(request)
        page = Paginator(queryset, self.ui.paginate_by).get_page(request.GET.get("page"))
        columns = self.ui.columns
        rows = [(obj, [(c, render_cell(obj, c)) for c in columns]) for obj in page.object_list]
        headers = [{"label": c.header(self.ui.model), "sort": c.sort_key(self.ui.model)} for c in columns]
        context = self.base_context() | {
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "columns": columns,
            "headers": headers,
            "sort": sort,
            "export_url": reverse(self.ui.url_name("export")),
            "export_csv_url": reverse(self.ui.url_name("export_csv")),
        }
        template = "core/_list_table.html" if request.headers.get("HX-Request") else "core/list.html"
        return render(request, template, context)


class ExportPage(UIView):
    """The list as Excel or CSV: the same filters, sorting and scoping as the page, every matching row."""

    fmt = "xlsx"

    def get(self, request: HttpRequest) -> HttpResponse:
        self.require("view")
        _filterset, queryset, _sort = self.ui.filtered(request)
        columns = self.ui.export_columns or self.ui.columns
        headers = [str(c.header(self.ui.model)) for c in columns]
        rows = ([_export_cell(obj, c) for c in columns] for obj in queryset.iterator(chunk_size=2000))
        if self.fmt == "csv":
            return csv_response(str(self.ui.title()), headers, rows)
        return xlsx_response(str(self.ui.title()), headers, rows)


def _export_cell(obj: Any, column: Column) -> Any:
    """What an export writes: times in full (what an import reads back), everything else as the page shows it."""
    import datetime

    value = resolve(obj, column.name)
    if isinstance(value, datetime.datetime | datetime.date) and not column.mask:
        return export_text(value)
    return display_value(obj, column.name, mask=column.mask)


class DetailPage(UIView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk)
        fields = []
        for entry in self.ui.detail_fields:  # a field name, or (attribute, label) for a computed value
            name, label = entry if isinstance(entry, tuple) else (entry, None)
            fields.append((Column(name, label=label).header(self.ui.model), display_value(obj, name)))
        inlines = []
        for inline in self.ui.inlines:
            related = getattr(obj, inline.accessor).all()
            related = restrict(related, request.user, "view")
            add_url = ""
            if inline.add_url_name and request.user.has_perm(permission_codename(related.model, "add")):
                add_url = f"{reverse(inline.add_url_name)}?{inline.add_param}={obj.pk}"
            inlines.append(
                {
                    "title": inline.title,
                    "headers": [c.header(related.model) for c in inline.columns],
                    "rows": [(r, [(c, render_cell(r, c)) for c in inline.columns]) for r in related[:200]],
                    "add_url": add_url,
                }
            )
        history = list(
            AuditEntry.objects.visible_to(request.user)
            .filter(
                content_type__app_label=obj._meta.app_label,
                content_type__model=obj._meta.model_name,
                object_id=str(obj.pk),
            )
            .select_related("actor", "content_type")[:100]
        )
        describe_changes(history)
        context = self.base_context() | {
            "object": obj,
            "fields": fields,
            "inlines": inlines,
            "history": history,
            "actions": self.ui.actions(request, obj),
            **self.ui.extra_context(request, obj),
            "can_change": self.ui.form_class is not None
            and self.ui.locked_reason(obj) is None
            and self.ui.queryset(request.user, "change").filter(pk=obj.pk).exists(),
            "can_delete": self.ui.can_delete
            and self.ui.queryset(request.user, "delete").filter(pk=obj.pk).exists(),
        }
        return render(request, self.ui.detail_template, context)


class EditPage(UIView):
    def setup_form(self, request: HttpRequest, pk: int | None) -> tuple[Any, Any, list[Any]]:
        instance = self.get_object(pk, "change") if pk else None
        if pk is None:
            self.require("add")
        data = (request.POST, request.FILES) if request.method == "POST" else (None, None)
        kwargs = self.ui.form_kwargs(request)
        if instance is None:
            kwargs["initial"] = self.ui.initial(request)
        form = self.ui.form_class(*data, instance=instance, **kwargs)
        return instance, form, self.ui.formsets(request, instance)

    def show(self, request: HttpRequest, instance: Any, form: Any, formsets: list[Any]) -> HttpResponse:
        context = self.base_context() | {"object": instance, "form": form, "formsets": formsets}
        return render(request, "core/form.html", context, status=400 if form.is_bound else 200)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        instance, form, formsets = self.setup_form(request, pk)
        reason = self.ui.locked_reason(instance) if instance is not None else None
        if reason:
            messages.warning(request, reason)
            return HttpResponseRedirect(instance.get_absolute_url())
        return self.show(request, instance, form, formsets)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        instance, form, formsets = self.setup_form(request, pk)
        reason = self.ui.locked_reason(instance) if instance is not None else None
        if reason:  # the same rule as the form page: a locked record is not changed by a POST either
            messages.warning(request, reason)
            return HttpResponseRedirect(instance.get_absolute_url())
        if form.is_valid() and all(f.is_valid() for f in formsets):
            try:
                with transaction.atomic():
                    saved = self.ui.save(request, form, formsets)
            except ValidationError as exc:
                form.add_error(None, exc)
                return self.show(request, instance, form, formsets)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                return self.show(request, instance, form, formsets)
            messages.success(request, _("Saved: %(record)s") % {"record": saved})
            return HttpResponseRedirect(saved.get_absolute_url())  # type: ignore[attr-defined]
        return self.show(request, instance, form, formsets)


class DeletePage(UIView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk, "delete")
        return render(request, "core/confirm_delete.html", self.base_context() | {"object": obj})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object(pk, "delete")
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError) as exc:
            blockers = sorted({str(o._meta.verbose_name_plural) for o in exc.args[1]})
            messages.error(
                request,
                _("%(record)s cannot be deleted: it still has %(related)s.")
                % {"record": obj, "related": join_names(blockers)},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted: %(record)s") % {"record": obj})
        return HttpResponseRedirect(reverse(self.ui.url_name("list")))
