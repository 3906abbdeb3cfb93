from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.accounts import services
from oqms.accounts.forms import ThrottledLoginForm, TokenForm
from oqms.accounts.models import ApiToken
from oqms.core.forms import style_widgets


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style_widgets(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["expires_at"]
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    status = 400 if request.method == "POST" and new_key is None else 200
    return render(
        request, "accounts/profile.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(token)
    messages.success(request, _("The token %(name)s has been revoked.") % {"name": token.name})
    return redirect("accounts:profile")
