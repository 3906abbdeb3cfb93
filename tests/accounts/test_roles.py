"""Role groups follow the permission matrix in code; ``vendor_scope_ids()`` and ``restrict()`` fail closed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from oqms.accounts.choices import Role
from oqms.accounts.models import User
from oqms.accounts.roles import ALL, MATRIX, group_name, sync_role_groups
from oqms.core import audit
from oqms.core.scoping import restrict

ROLE_USERS = {
    Role.QUALITY_MANAGER: "qm",
    Role.ADMIN: "admin",
    Role.REQUESTER: "requester",
    Role.INSPECTOR: "inspector",
    Role.ASSESSOR: "assessor",
    Role.VENDOR_MANAGER: "manager_a",
    Role.VENDOR_STAFF: "staff_a",
}
MODELS = sorted({label for grants in MATRIX.values() for label in grants})


def _fresh(user: Any) -> Any:
    return User.objects.get(pk=user.pk)  # no cached permissions


def test_every_role_has_a_row_and_every_model_exists() -> None:
    from django.apps import apps

    assert set(MATRIX) == set(Role.values)
    for label in MODELS:
        apps.get_model(label)  # raises for a typo in the matrix


@pytest.mark.parametrize("role", list(ROLE_USERS), ids=str)
def test_role_users_have_exactly_the_matrix_permissions(cast: Any, role: str) -> None:
    user = _fresh(getattr(cast, ROLE_USERS[role]))
    assert [g.name for g in user.groups.all()] == [group_name(role)]
    granted = MATRIX[role]
    for label in MODELS:
        app_label, model = label.split(".")
        for action in ALL:
            expected = action in granted.get(label, ())
            assert user.has_perm(f"{app_label}.{action}_{model}") is expected, (label, action)


@pytest.mark.parametrize(
    ("role", "perm", "expected"),
    [
        (Role.VENDOR_MANAGER, "vendors.change_vendor", False),  # a vendor cannot edit its own master record
        (Role.VENDOR_MANAGER, "vendors.add_vendorcontact", True),
        (Role.VENDOR_MANAGER, "workorders.add_workorder", False),
        (Role.VENDOR_STAFF, "vendors.view_vendor", False),
        (Role.REQUESTER, "workorders.add_workorder", True),
        (Role.REQUESTER, "core.view_auditentry", False),
        (Role.INSPECTOR, "workorders.change_workorder", False),
        (Role.ASSESSOR, "vendors.view_vendorcontact", False),  # personal data of vendor staff
        (Role.QUALITY_MANAGER, "accounts.change_user", False),  # people are managed by administrators
        (Role.QUALITY_MANAGER, "workorders.delete_workorder", False),
        (Role.ADMIN, "core.change_auditentry", False),  # nobody rewrites the trail
        (Role.ADMIN, "core.delete_auditentry", False),
        (Role.ADMIN, "accounts.add_user", True),
    ],
)
def test_spot_checks_of_the_matrix(cast: Any, role: str, perm: str, expected: bool) -> None:
    assert _fresh(getattr(cast, ROLE_USERS[role])).has_perm(perm) is expected


def test_only_administrators_are_staff(cast: Any) -> None:
    for role, name in ROLE_USERS.items():
        assert getattr(cast, name).is_staff is (role == Role.ADMIN)
        assert not getattr(cast, name).is_superuser


def test_changing_the_role_moves_the_user_to_the_new_group(cast: Any) -> None:
    from oqms.accounts.services import save_user

    user = _fresh(cast.requester)
    user.role = Role.INSPECTOR
    save_user(user)
    user = _fresh(user)
    assert [g.name for g in user.groups.all()] == [group_name(Role.INSPECTOR)]
    assert not user.has_perm("workorders.add_workorder")
    assert user.has_perm("vendors.view_vendorcontact")
    assert user.check_password("Oqms-test-2026!")  # saving without a password keeps it


def test_sync_restores_drifted_groups(cast: Any) -> None:
    group = Group.objects.get(name=group_name(Role.VENDOR_MANAGER))
    group.permissions.add(Permission.objects.get(codename="delete_vendor"))
    group.permissions.remove(Permission.objects.get(codename="view_workorder"))
    sync_role_groups()
    sync_role_groups()  # idempotent
    user = _fresh(cast.manager_a)
    assert not user.has_perm("vendors.delete_vendor")
    assert user.has_perm("workorders.view_workorder")
    assert Group.objects.filter(name__startswith="role:").count() == len(Role.values)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("qm", None),
        ("admin", None),
        ("requester", None),
        ("inspector", None),
        ("manager_a", "A"),
        ("staff_b", "B"),
        ("assessor", "A"),
    ],
)
def test_vendor_scope_ids(cast: Any, name: str, expected: str | None) -> None:
    ids = getattr(cast, name).vendor_scope_ids()
    if expected is None:
        assert ids is None
    else:
        assert ids == [getattr(cast, f"vendor_{expected.lower()}").pk]


def test_vendor_scope_ids_fail_closed(cast: Any) -> None:
    # A vendor user whose vendor is missing (bad data) sees no vendor, not every vendor.
    assert User(role=Role.VENDOR_MANAGER, vendor=None).vendor_scope_ids() == []
    assert User(role=Role.VENDOR_STAFF, vendor=None).vendor_scope_ids() == []
    # An unknown role (a role removed in a later release) sees nothing.
    assert User(role="retired_role").vendor_scope_ids() == []
    # An assessor with nothing in scope, or whose access ended, sees nothing.
    with audit.audit_context(actor=cast.admin):
        cast.assessor.scope_vendors.clear()
    assert cast.assessor.vendor_scope_ids() == []
    with audit.audit_context(actor=cast.admin):
        cast.assessor.scope_vendors.add(cast.vendor_a, cast.vendor_b)
    assert sorted(cast.assessor.vendor_scope_ids()) == sorted([cast.vendor_a.pk, cast.vendor_b.pk])
    cast.assessor.access_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    assert cast.assessor.vendor_scope_ids() == []


def test_restrict_fails_closed(cast: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from oqms.vendors.models import Vendor
    from oqms.workorders.models import WorkOrder

    everything = WorkOrder.objects.all()
    assert restrict(everything, None).count() == 0
    assert restrict(everything, AnonymousUser()).count() == 0
    # A vendor manager whose vendor link is gone keeps the permission but sees nothing.
    User.objects.filter(pk=cast.manager_a.pk).update(vendor=None)
    orphan = _fresh(cast.manager_a)
    assert orphan.has_perm("workorders.view_workorder")
    assert restrict(everything, orphan).count() == 0
    assert restrict(Vendor.objects.all(), orphan).count() == 0
    # Deactivated users see nothing even with a cached user object.
    inactive = _fresh(cast.qm)
    inactive.is_active = False
    assert restrict(everything, inactive).count() == 0
    # Without the permission for the action, nothing — whatever the scope.
    assert restrict(everything, _fresh(cast.inspector), "change").count() == 0
    assert restrict(everything, _fresh(cast.inspector), "view").count() == 2


def test_models_without_a_vendor_path_are_hidden_from_vendor_users(cast: Any, monkeypatch: Any) -> None:
    from oqms.core.scoping import SHARED
    from oqms.org.models import Site
    from oqms.vendors.models import ServiceCategory
    from oqms.workorders.models import WorkOrder

    # A model that declares no path to a vendor is internal: vendor users get nothing, others everything.
    monkeypatch.setattr(WorkOrder, "vendor_scope_field", None)
    assert restrict(WorkOrder.objects.all(), _fresh(cast.manager_a)).count() == 0
    assert restrict(WorkOrder.objects.all(), _fresh(cast.assessor)).count() == 0
    assert restrict(WorkOrder.objects.all(), _fresh(cast.qm)).count() == 2
    monkeypatch.undo()
    assert ServiceCategory.vendor_scope_field == SHARED
    # Shared catalogue: every vendor user with the permission sees all of it.
    assert (
        restrict(ServiceCategory.objects.all(), _fresh(cast.manager_b)).count()
        == ServiceCategory.objects.count()
    )
    # Sites are seen through the vendor's contracts only.
    lonely = Site.objects.create(code="NO-CONTRACT", name="无合同园区", org_unit=cast.org_unit, address="x")
    assert lonely not in restrict(Site.objects.all(), _fresh(cast.manager_b))
    assert lonely in restrict(Site.objects.all(), _fresh(cast.qm))
    # Distinct rows, though a site is reachable through several contracts.
    assert restrict(Site.objects.all(), _fresh(cast.assessor)).count() == 1
