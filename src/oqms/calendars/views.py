from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oqms.calendars import services
from oqms.calendars.forms import ImportYearForm
from oqms.calendars.models import Calendar
from oqms.core.errors import DomainError


@login_required
@require_POST
def import_year(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the China statutory holidays of a year into a calendar (a button on the calendar page)."""
    calendar = Calendar.objects.restrict(request.user, "change").filter(pk=pk).first()
    if calendar is None:
        raise Http404
    if not request.user.has_perm("calendars.add_calendarday"):
        raise PermissionDenied
    form = ImportYearForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(calendar.get_absolute_url())
    year = form.cleaned_data["year"]
    try:
        added, kept = services.import_statutory_year(calendar, year)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(calendar.get_absolute_url())
    messages.success(
        request,
        _("Imported the statutory holidays of %(year)s: %(added)s days added, %(kept)s entered by hand kept.")
        % {"year": year, "added": added, "kept": kept},
    )
    return HttpResponseRedirect(f"{calendar.get_absolute_url()}?year={year}")
