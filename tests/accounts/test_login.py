"""Signing in: the page, throttling after repeated failures, time-boxed accounts, password change."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.accounts.models import LoginFailure
from tests.conftest import PASSWORD
from tests.core.helpers import has_chinese, page_client

LOGIN = "/accounts/login/"


def _sign_in(client: Any, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _signed_in_as(client: Any) -> Any:
    from django.contrib.auth import get_user

    class _Request:
        session = client.session

    return get_user(_Request())


@pytest.fixture
def limit(settings: Any) -> int:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    return 3


def test_login_page_renders_the_form(db: Any) -> None:
    response = page_client(None).get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html and 'id="sign-in"' in html


def test_anonymous_visitors_are_sent_to_the_login_page(db: Any) -> None:
    response = page_client(None).get(reverse("workorders:workorder_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_right_password_signs_in_and_goes_home(cast: Any) -> None:
    client = page_client(None)
    response = _sign_in(client, "requester", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert _signed_in_as(client) == cast.requester
    assert client.get(reverse("home")).status_code == 200
    # Already signed in: the login page sends them on.
    assert client.get(LOGIN).status_code == 302


def test_next_parameter_is_followed_but_only_within_the_site(cast: Any) -> None:
    client = page_client(None)
    response = client.post(
        f"{LOGIN}?next=/work/workorders/",
        {"username": "qm", "password": PASSWORD, "next": "/work/workorders/"},
    )
    assert response["Location"] == "/work/workorders/"
    client = page_client(None)
    response = client.post(LOGIN, {"username": "qm", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_wrong_password_is_refused_and_recorded(cast: Any) -> None:
    client = page_client(None)
    response = _sign_in(client, "requester", "wrong-password", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not _signed_in_as(client).is_authenticated
    failure = LoginFailure.objects.get()
    assert (failure.username, failure.ip_address) == ("requester", "10.1.2.3")


def test_throttling_refuses_even_the_right_password(cast: Any, limit: int) -> None:
    client = page_client(None)
    for _ in range(limit):
        _sign_in(client, "requester", "wrong-password")
    response = _sign_in(client, "requester", PASSWORD)
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].non_field_errors()] == [
        "Too many failed sign-ins. Wait 10 minutes and try again."
    ]
    assert not _signed_in_as(client).is_authenticated
    # The user name is matched case-insensitively: changing its case does not get around the lock.
    response = _sign_in(page_client(None), "REQUESTER", PASSWORD)
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["locked"]
    # Other accounts are not affected.
    other = page_client(None)
    assert _sign_in(other, "qm", PASSWORD).status_code == 302


def test_throttle_message_is_translated(cast: Any, limit: int) -> None:
    client = page_client(None, "zh-hans")
    for _ in range(limit):
        _sign_in(client, "requester", "wrong-password")
    response = _sign_in(client, "requester", PASSWORD)
    (message,) = response.context["form"].non_field_errors()
    assert has_chinese(message) and "10" in message


def test_failures_below_the_limit_then_success_clear_the_count(cast: Any, limit: int) -> None:
    client = page_client(None)
    for _ in range(limit - 1):
        _sign_in(client, "requester", "wrong-password")
    assert LoginFailure.objects.filter(username="requester").count() == limit - 1
    assert _sign_in(client, "requester", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="requester").exists()
    # A fresh allowance: limit - 1 new failures still do not lock.
    client = page_client(None)
    for _ in range(limit - 1):
        _sign_in(client, "requester", "wrong-password")
    assert _sign_in(client, "requester", PASSWORD).status_code == 302


def test_old_failures_fall_out_of_the_window(cast: Any, limit: int) -> None:
    client = page_client(None)
    for _ in range(limit):
        _sign_in(client, "requester", "wrong-password")
    LoginFailure.objects.update(at=timezone.now() - datetime.timedelta(seconds=601))
    assert _sign_in(client, "requester", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_locked_out(cast: Any, limit: int) -> None:
    client = page_client(None)
    for index in range(limit * 4):
        _sign_in(client, f"guess{index}", "wrong-password", REMOTE_ADDR="203.0.113.9")
    assert _sign_in(client, "qm", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert _sign_in(page_client(None), "qm", PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 302


def test_forwarded_for_header_does_not_change_the_address(cast: Any, limit: int) -> None:
    client = page_client(None)
    for index in range(limit * 4):
        _sign_in(
            client, f"guess{index}", "x", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{index}"
        )
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_expired_assessor_cannot_sign_in(cast: Any) -> None:
    cast.assessor.access_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    cast.assessor.save()
    client = page_client(None)
    response = _sign_in(client, "assessor", PASSWORD)
    assert response.status_code == 200
    assert not _signed_in_as(client).is_authenticated
    # Before the expiry the same account signs in.
    cast.assessor.access_expires_at = timezone.now() + datetime.timedelta(hours=1)
    cast.assessor.save()
    assert _sign_in(page_client(None), "assessor", PASSWORD).status_code == 302


def test_deactivated_user_cannot_sign_in(cast: Any) -> None:
    cast.staff_a.is_active = False
    cast.staff_a.save()
    assert _sign_in(page_client(None), "staff_a", PASSWORD).status_code == 200


def test_password_change(cast: Any) -> None:
    client = page_client(cast.requester)
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"old_password": "wrong", "new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"},
    )
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors
    cast.requester.refresh_from_db()
    assert cast.requester.check_password(PASSWORD)
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-pass-77",
            "new_password2": "Brand-new-pass-77",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    cast.requester.refresh_from_db()
    assert cast.requester.check_password("Brand-new-pass-77")
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in
    assert _sign_in(page_client(None), "requester", PASSWORD).status_code == 200
    assert _sign_in(page_client(None), "requester", "Brand-new-pass-77").status_code == 302


def test_logout_is_a_post(cast: Any) -> None:
    client = page_client(cast.requester)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not _signed_in_as(client).is_authenticated


def test_deactivating_a_user_ends_their_open_session(cast: Any) -> None:
    client = page_client(cast.manager_a)
    assert client.get(reverse("workorders:workorder_list")).status_code == 200
    cast.manager_a.is_active = False
    cast.manager_a.save()
    response = client.get(reverse("workorders:workorder_list"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
