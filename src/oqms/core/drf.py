"""DRF settings hooks (permissions, pagination, errors), kept apart from the viewsets: DRF imports these while
it is itself being imported, so this module may import nothing that imports ``rest_framework.views``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import permissions, status
from rest_framework.pagination import PageNumberPagination

from oqms.core.errors import DomainError
from oqms.core.values import join_names


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with ``view`` required for reading (DRF's default lets any user read)."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


class StepPermissions(ModelPermissions):
    """For workflow steps (POST /…/{id}/assign/ etc.): a step changes a record, it does not add one."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def messages_of(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for e in errs for m in e.messages] for key, errs in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    from rest_framework.response import Response
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        return Response(messages_of(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        blockers = sorted({str(o._meta.verbose_name_plural) for o in exc.args[1]})
        return Response(
            {
                "detail": _("This record cannot be deleted: it still has %(related)s.")
                % {"related": join_names(blockers)}
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response(
            {"detail": _("You do not have permission to perform this action.")},
            status=status.HTTP_403_FORBIDDEN,
        )
    return drf_exception_handler(exc, context)
