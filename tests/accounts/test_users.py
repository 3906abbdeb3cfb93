"""User management: only administrators create and edit people; the form enforces the role/vendor rules."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.accounts.forms import UserForm
from oqms.accounts.models import User
from oqms.core.models import AuditEntry
from tests.core.helpers import api_client, listed_pks, page_client


def _data(**overrides: Any) -> dict[str, Any]:
    return {
        "username": "zhao",
        "display_name": "赵六",
        "email": "zhao@example.com",
        "phone": "",
        "role": "requester",
        "vendor": "",
        "org_unit": "",
        "time_zone": "",
        "access_expires_at": "",
        "scope_vendors": [],
        "is_active": "on",
        "password": "Zhao-password-2026",
    } | overrides


def _form(cast: Any, instance: Any = None, **overrides: Any) -> UserForm:
    return UserForm(_data(**overrides), instance=instance, user=cast.admin)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "vendor_manager", "vendor": ""}, "vendor"),
        ({"role": "vendor_staff", "vendor": ""}, "vendor"),
        ({"role": "requester", "vendor": "A"}, "vendor"),
        ({"role": "quality_manager", "vendor": "A"}, "vendor"),
        ({"role": "assessor", "access_expires_at": ""}, "access_expires_at"),
        ({"password": ""}, "password"),
        ({"password": "12345678901"}, "password"),  # numeric only
        ({"password": "zhao"}, "password"),  # too short
        ({"username": "qm"}, "username"),  # taken
        ({"role": "pope"}, "role"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_user_form_field_errors(cast: Any, overrides: dict[str, Any], field: str) -> None:
    if overrides.get("vendor") == "A":
        overrides["vendor"] = cast.vendor_a.pk
    count = User.objects.count()
    form = _form(cast, **overrides)
    assert not form.is_valid()
    assert field in form.errors, form.errors
    assert User.objects.count() == count


@pytest.mark.parametrize(
    ("overrides", "role"),
    [
        ({"role": "vendor_staff", "vendor": "A"}, "vendor_staff"),
        ({"role": "assessor", "scope_vendors": ["A"], "access_expires_at": "2099-01-01T08:00"}, "assessor"),
    ],
)
def test_user_form_accepts_consistent_roles(cast: Any, overrides: dict[str, Any], role: str) -> None:
    overrides = {
        k: (cast.vendor_a.pk if v == "A" else [cast.vendor_a.pk] if v == ["A"] else v)
        for k, v in overrides.items()
    }
    form = _form(cast, **overrides)
    assert form.is_valid(), form.errors
    user = form.save()
    assert user.role == role and user.check_password("Zhao-password-2026")
    assert [g.name for g in user.groups.all()] == [f"role:{role}"]
    if role == "assessor":
        assert list(user.scope_vendors.all()) == [cast.vendor_a]


def test_editing_without_a_password_keeps_it(cast: Any) -> None:
    form = _form(cast, instance=cast.requester, username="requester", password="", display_name="需求方")
    assert form.is_valid(), form.errors
    form.save()
    user = User.objects.get(pk=cast.requester.pk)
    assert user.display_name == "需求方" and user.check_password("Oqms-test-2026!")


@pytest.mark.parametrize("zone", ["Mars/Base", "../../etc/passwd", "Asia/Nowhere"])
def test_user_time_zone_must_be_a_real_zone(cast: Any, zone: str) -> None:
    form = _form(cast, time_zone=zone)
    assert not form.is_valid()
    assert "time_zone" in form.errors
    assert _form(cast, time_zone="Asia/Urumqi").is_valid()


@pytest.mark.parametrize(
    ("name", "create", "list_page"),
    [
        ("admin", 200, 200),
        ("qm", 403, 200),
        ("manager_a", 403, 200),
        ("requester", 403, 403),
        ("staff_a", 403, 403),
        ("inspector", 403, 403),
        ("assessor", 403, 403),
    ],
)
def test_only_administrators_reach_the_user_editing_pages(
    cast: Any, name: str, create: int, list_page: int
) -> None:
    client = page_client(getattr(cast, name))
    assert client.get(reverse("accounts:user_create")).status_code == create
    edit = client.get(reverse("accounts:user_update", args=[cast.requester.pk])).status_code
    assert edit == (200 if name == "admin" else 404)
    assert client.get(reverse("accounts:user_list")).status_code == list_page
    if name == "admin":
        return  # the administrator's successful posts: test_admin_creates_and_edits_a_user_on_the_page
    count = User.objects.count()
    response = client.post(reverse("accounts:user_create"), _data(role="admin", username="intruder"))
    assert response.status_code == 403
    assert User.objects.count() == count
    response = client.post(
        reverse("accounts:user_update", args=[cast.requester.pk]),
        _data(username="requester", role="admin", password=""),
    )
    assert response.status_code == 404
    assert User.objects.get(pk=cast.requester.pk).role == "requester"


def test_vendor_manager_lists_only_their_vendors_people(cast: Any) -> None:
    response = page_client(cast.manager_a).get(reverse("accounts:user_list"))
    assert listed_pks(response) == {cast.manager_a.pk, cast.staff_a.pk}
    rows = api_client(cast.manager_a).get("/api/users/").json()["results"]
    assert {row["username"] for row in rows} == {"manager_a", "staff_a"}
    assert "password" not in rows[0]


def test_users_api_is_read_only(cast: Any) -> None:
    client = api_client(cast.admin)
    assert client.post("/api/users/", {"username": "x"}, format="json").status_code == 405
    assert (
        client.patch(f"/api/users/{cast.requester.pk}/", {"role": "admin"}, format="json").status_code == 405
    )
    assert User.objects.get(pk=cast.requester.pk).role == "requester"
    filtered = client.get("/api/users/", {"role": "vendor_staff"}).json()["results"]
    assert {row["username"] for row in filtered} == {"staff_a", "staff_b"}
    assert client.get("/api/users/", {"q": "manager"}).json()["count"] == 2


def test_invalid_user_post_on_the_page_is_a_400_and_writes_nothing(cast: Any) -> None:
    entries = AuditEntry.objects.count()
    response = page_client(cast.admin).post(
        reverse("accounts:user_create"), _data(role="vendor_manager", vendor="")
    )
    assert response.status_code == 400
    assert "vendor" in response.context["form"].errors
    assert not User.objects.filter(username="zhao").exists()
    assert AuditEntry.objects.count() == entries


def test_admin_creates_and_edits_a_user_on_the_page(cast: Any) -> None:
    client = page_client(cast.admin)
    response = client.post(
        reverse("accounts:user_create"), _data(role="vendor_staff", vendor=cast.vendor_b.pk)
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhao")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    response = client.post(
        reverse("accounts:user_update", args=[user.pk]),
        _data(role="vendor_staff", vendor=cast.vendor_b.pk, password="", is_active=""),
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).is_active


def test_assessor_access_end_shows_on_the_profile(cast: Any) -> None:
    cast.assessor.access_expires_at = timezone.now() + datetime.timedelta(days=3)
    cast.assessor.save()
    response = page_client(cast.assessor).get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["user"].access_expires_at == cast.assessor.access_expires_at
