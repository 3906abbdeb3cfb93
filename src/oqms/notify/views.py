from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.core.forms import style_widgets
from oqms.notify import services
from oqms.notify.kinds import Kind
from oqms.notify.models import Notification, Preference


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "unread_only": request.GET.get("unread") == "1",
            "unread": services.unread_count(request.user),
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Mark one notification (or all) read; opening one goes to what it is about."""
    services.mark_read(request.user, None if pk is None else [pk])
    target = request.POST.get("next", "")
    if pk is not None and target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return HttpResponseRedirect(target)
    if pk is None:
        messages.success(request, _("All notifications are marked as read."))
    return HttpResponseRedirect(reverse("notify:inbox"))


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = {p.kind: p for p in Preference.objects.filter(user=user)}
        self.rows = []
        for kind, label in Kind.choices:
            preference = stored.get(kind)
            self.fields[f"{kind}__in_app"] = forms.BooleanField(
                label=_("in the inbox"), required=False, initial=preference.in_app if preference else True
            )
            self.fields[f"{kind}__email"] = forms.BooleanField(
                label=_("by e-mail"), required=False, initial=preference.email if preference else True
            )
            self.rows.append((kind, label))
        style_widgets(self)

    def table(self) -> list[tuple[Any, Any, Any]]:
        return [(label, self[f"{kind}__in_app"], self[f"{kind}__email"]) for kind, label in self.rows]

    def save(self, user: Any) -> None:
        for kind, _label in self.rows:
            Preference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={
                    "in_app": self.cleaned_data[f"{kind}__in_app"],
                    "email": self.cleaned_data[f"{kind}__email"],
                },
            )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save(request.user)
        messages.success(request, _("Your notification settings are saved."))
        return HttpResponseRedirect(reverse("notify:preferences"))
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "email_enabled": services.email_enabled(), "email": request.user.email},
    )
