"""The pages people use without signing in: feedback from a QR code, and their own complaint's link.

Nothing here shows anybody else's feedback: the QR page knows its point, the follow page its link's complaint.
Text people typed is shown escaped (Django's autoescape; no ``|safe`` anywhere in these templates)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from oqms.core.errors import DomainError
from oqms.feedback import services
from oqms.feedback.forms import PublicFeedbackForm
from oqms.feedback.models import Channel, FeedbackPoint


def client_address(request: HttpRequest) -> str:
    """The sender's address: the proxy's header when one is configured (its first address), else the peer's."""
    from django.conf import settings

    header = settings.OQMS_CLIENT_IP_HEADER
    if header:
        value = str(request.META.get("HTTP_" + header.upper().replace("-", "_"), "")).split(",")[0].strip()
        if value:
            return value[:64]
    return str(request.META.get("REMOTE_ADDR", ""))


@never_cache
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    point = FeedbackPoint.objects.select_related("site").filter(token=token).first()
    if point is None or not point.is_active:
        return render(request, "feedback/public_unknown.html", status=404)
    form = PublicFeedbackForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if form.cleaned_data.get(
                "website"
            ):  # only robots fill the hidden field: thank them, keep nothing
                return render(request, "feedback/public_thanks.html", {"point": point, "bot": True})
            data = form.cleaned_data
            try:
                complaint, token_, merged = services.submit(
                    channel=Channel.QR,
                    site=point.site,
                    point=point,
                    kind=data["kind"],
                    category=data.get("category"),
                    description=data["description"],
                    photo=data.get("photo"),
                    phone=data.get("phone", ""),
                    source=client_address(request),
                )
            except services.Throttled as exc:
                form.add_error(None, str(exc.message))
                status = 429
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            except ValidationError as exc:
                form.add_error("photo", exc)
            else:
                return redirect("public:follow", token=token_)
    return render(request, "feedback/public_form.html", {"point": point, "form": form}, status=status)


@never_cache
def follow(request: HttpRequest, token: str) -> HttpResponse:
    """The complainant's page: their complaint, its public steps, and — once resolved — confirm or reopen."""
    from oqms.feedback import workflow

    complaint = services.by_token(token)
    if complaint is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("step") == "confirm":
                workflow.confirm(complaint)
            elif request.POST.get("step") == "reopen":
                workflow.reopen(complaint, str(request.POST.get("reason", ""))[:2000])
            else:
                raise DomainError(_("This step is not possible now."), code="step")
        except DomainError as exc:
            error = str(exc.message)
        else:
            return redirect("public:follow", token=token)
        complaint.refresh_from_db()
    events = complaint.events.filter(public=True).order_by("at", "pk")
    context = {"complaint": complaint, "events": events, "token": token, "error": error}
    return render(request, "feedback/public_follow.html", context, status=400 if error else 200)


def unknown(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "feedback/public_unknown.html", status=404)


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """A survey answered through its one-use token link."""
    from django.utils.translation import get_language

    from oqms.feedback import surveys

    language = get_language() or "zh-hans"
    invitation = surveys.by_token(token)
    if invitation is None:
        return render(
            request,
            "feedback/public_survey_done.html",
            {"message": _("This survey link is not valid.")},
            status=404,
        )
    from django.utils import timezone

    if invitation.answered_at is not None:
        message = _("This survey has already been answered with this link. Thank you!")
        return render(request, "feedback/public_survey_done.html", {"message": message}, status=410)
    if invitation.expires_at <= timezone.now():
        return render(
            request,
            "feedback/public_survey_done.html",
            {"message": _("This survey link has expired.")},
            status=410,
        )
    questions = list(invitation.survey.questions.order_by("position", "pk"))
    error = ""
    given: dict[str, object] = {}
    if request.method == "POST":
        given = {
            str(q.pk): request.POST.getlist(f"q{q.pk}")
            if q.kind == "multiple"
            else request.POST.get(f"q{q.pk}")
            for q in questions
        }
        try:
            surveys.answer(token, given, language)
        except DomainError as exc:
            error = str(exc.message)
        else:
            return render(
                request,
                "feedback/public_survey_done.html",
                {"message": _("Thank you for your answers!"), "done": True},
            )
    rows = [
        {
            "question": q,
            "label": q.label(language),
            "choices": list(enumerate(q.choice_labels(language))),
            "given": given.get(str(q.pk)),
        }
        for q in questions
    ]
    context = {
        "survey": invitation.survey,
        "title": invitation.survey.title(language),
        "intro": invitation.survey.introduction(language),
        "rows": rows,
        "error": error,
        "scale5": range(1, 6),
        "scale10": range(0, 11),
    }
    return render(request, "feedback/public_survey.html", context, status=400 if error else 200)
