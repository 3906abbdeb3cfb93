"""API tokens: shown once, stored as a hash, accepted as ``Bearer``/``Token``, refused once revoked or expired."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from oqms.accounts import services
from oqms.accounts.models import ApiToken
from tests.core.helpers import page_client

PROFILE = "/accounts/profile/"


def _bearer(key: str, keyword: str = "Bearer") -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"{keyword} {key}", HTTP_ACCEPT_LANGUAGE="en")


def _key_on(response: Any) -> str | None:
    found = re.search(r'id="new-token">([^<]+)<', response.content.decode())
    return found.group(1) if found else None


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(cast: Any) -> None:
    client = page_client(cast.manager_a)
    response = client.post(PROFILE, {"name": "ERP 集成"})
    assert response.status_code == 200
    key = _key_on(response)
    assert key and key.startswith("oqms_") and len(key) > 40
    token = ApiToken.objects.get(user=cast.manager_a)
    assert token.name == "ERP 集成"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.key_prefix == key[:10]
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(key in value for value in stored)
    # Never shown again: the profile page lists the token by prefix only.
    again = client.get(PROFILE)
    assert key not in again.content.decode() and _key_on(again) is None
    assert token.key_prefix in again.content.decode()


def test_token_form_refuses_a_past_expiry(cast: Any) -> None:
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = page_client(cast.manager_a).post(PROFILE, {"name": "old", "expires_at": past})
    assert response.status_code == 400
    assert "expires_at" in response.context["form"].errors
    assert not ApiToken.objects.exists()
    assert page_client(cast.manager_a).post(PROFILE, {"name": ""}).status_code == 400


@pytest.mark.parametrize("keyword", ["Bearer", "bearer", "Token"])
def test_bearer_token_authenticates_with_the_users_scope(cast: Any, keyword: str) -> None:
    _token, key = services.issue_token(cast.manager_a, "erp")
    response = _bearer(key, keyword).get("/api/vendors/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [cast.vendor_a.pk]
    assert _bearer(key, keyword).get(f"/api/vendors/{cast.vendor_b.pk}/").status_code == 404


def test_token_use_is_recorded_at_most_once_a_minute(cast: Any) -> None:
    token, key = services.issue_token(cast.qm, "bi")
    assert token.last_used_at is None
    _bearer(key).get("/api/vendors/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    _bearer(key).get("/api/vendors/")
    token.refresh_from_db()
    assert token.last_used_at == first


def test_token_writes_are_audited_as_the_tokens_user(cast: Any) -> None:
    from oqms.core.models import AuditEntry

    _token, key = services.issue_token(cast.qm, "erp")
    response = _bearer(key).patch(f"/api/vendors/{cast.vendor_a.pk}/", {"short_name": "甲"}, format="json")
    assert response.status_code == 200
    entry = AuditEntry.objects.latest("pk")
    assert (entry.actor_id, entry.source, entry.changes) == (
        cast.qm.pk,
        "api",
        {"short_name": ["甲服务", "甲"]},
    )


def test_revoked_token_is_refused(cast: Any) -> None:
    token, key = services.issue_token(cast.qm, "erp")
    client = page_client(cast.qm)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = _bearer(key).get("/api/vendors/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Invalid, expired or revoked token."}
    # Revoking twice keeps the first time.
    first = token.revoked_at
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at == first


def test_revoking_needs_post_and_only_works_on_ones_own_tokens(cast: Any) -> None:
    token, key = services.issue_token(cast.qm, "erp")
    assert page_client(cast.qm).get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    assert page_client(cast.admin).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _bearer(key).get("/api/vendors/").status_code == 200


def test_expired_token_is_refused(cast: Any) -> None:
    token, key = services.issue_token(
        cast.qm, "erp", expires_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert _bearer(key).get("/api/vendors/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _bearer(key).get("/api/vendors/").status_code == 401


def test_token_of_a_disabled_or_expired_account_is_refused(cast: Any) -> None:
    _token, key = services.issue_token(cast.assessor, "audit")
    assert _bearer(key).get("/api/vendors/").status_code == 200
    cast.assessor.access_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    cast.assessor.save()
    response = _bearer(key).get("/api/vendors/")
    assert response.status_code == 401
    assert response.json() == {"detail": "This account is disabled or its access has expired."}
    _token, key = services.issue_token(cast.staff_a, "phone")
    cast.staff_a.is_active = False
    cast.staff_a.save()
    assert _bearer(key).get("/api/work-orders/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Bearer oqms_not-a-real-token", "Token ", "Bearer \u00e9\u00e9"]
)
def test_malformed_or_unknown_tokens_are_401(cast: Any, header: str) -> None:
    response = APIClient(HTTP_AUTHORIZATION=header).get("/api/vendors/")
    assert response.status_code == 401


def test_no_credentials_is_401_or_403_never_data(db: Any) -> None:
    response = APIClient().get("/api/vendors/")
    assert response.status_code in {401, 403}
    assert "results" not in response.json()


def test_token_user_without_the_permission_is_403(cast: Any) -> None:
    _token, key = services.issue_token(cast.staff_a, "phone")
    assert _bearer(key).get("/api/vendors/").status_code == 403
    assert _bearer(key).get("/api/work-orders/").status_code == 200
