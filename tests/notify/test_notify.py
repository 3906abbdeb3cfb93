"""Notifications: once per event and person, preferences, the inbox, e-mail deliveries with retries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oqms.notify import services
from oqms.notify.kinds import Kind
from oqms.notify.models import Delivery, Notification, Preference
from tests.core.helpers import api_client, has_chinese, page_client

PARAMS = {
    "number": "WO00000001",
    "clock": "resolution",
    "vendor": "甲服务",
    "site": "上海",
    "percent": 75,
    "due": "2026-11-22T08:00:00+00:00",
}


@pytest.fixture
def mailed(cast: Any) -> Any:
    for user in (cast.manager_a, cast.qm):
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return cast


def test_send_once_per_key_and_person(mailed: Any) -> None:
    people = [mailed.manager_a, mailed.qm, mailed.manager_a, None]
    created = services.send(
        people, Kind.SLA_AT_RISK, "wo:1:resolution:at_risk", PARAMS, "/work/workorders/1/"
    )
    assert {n.recipient for n in created} == {mailed.manager_a, mailed.qm}
    assert services.send(people, Kind.SLA_AT_RISK, "wo:1:resolution:at_risk", PARAMS) == []
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 2


def test_inactive_people_and_preferences(mailed: Any) -> None:
    mailed.qm.is_active = False
    mailed.qm.save(update_fields=["is_active"])
    Preference.objects.create(user=mailed.manager_a, kind=Kind.SLA_AT_RISK, in_app=True, email=False)
    (note,) = services.send([mailed.manager_a, mailed.qm], Kind.SLA_AT_RISK, "k1", PARAMS)
    assert note.recipient == mailed.manager_a and not note.deliveries.exists()
    Preference.objects.filter(user=mailed.manager_a).update(in_app=False, email=False)
    assert services.send([mailed.manager_a], Kind.SLA_AT_RISK, "k2", PARAMS) == []


def test_title_is_in_the_readers_language(mailed: Any) -> None:
    from django.utils import translation

    (note,) = services.send([mailed.manager_a], Kind.SLA_AT_RISK, "k", PARAMS)
    with translation.override("en"):
        assert note.title == "WO00000001: resolution at 75% of its SLA"
    with translation.override("zh-hans"):
        assert has_chinese(note.title) and "WO00000001" in note.title


def test_deliveries_are_sent_once_even_by_two_runs(mailed: Any) -> None:
    services.send([mailed.manager_a], Kind.SLA_BREACHED, "k", PARAMS, "/work/workorders/1/")
    assert services.deliver_due() == 1
    assert services.deliver_due() == 0
    (message,) = mail.outbox
    assert message.to == ["manager_a@example.com"] and "WO00000001" in message.subject
    assert "/work/workorders/1/" in message.body
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_failed_e_mail_is_retried_then_given_up(mailed: Any, monkeypatch: Any) -> None:
    from django.core.mail import EmailMessage

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    services.send([mailed.manager_a], Kind.SLA_BREACHED, "k", PARAMS)
    now = timezone.now()
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        delivery = Delivery.objects.get()
        now = delivery.next_attempt_at or now
        assert services.deliver_due(now) == 0
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - now).total_seconds() / 60))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert "smtp down" in delivery.last_error and waits == list(services.RETRY_MINUTES)
    assert services.deliver_due(now + datetime.timedelta(days=1)) == 0  # given up: no more attempts


def test_a_delivery_claimed_by_a_dead_worker_is_taken_back(mailed: Any) -> None:
    services.send([mailed.manager_a], Kind.SLA_BREACHED, "k", PARAMS)
    Delivery.objects.update(status="sending", attempts=1, next_attempt_at=timezone.now())
    assert services.deliver_due() == 0  # another worker may still be sending it
    assert (
        services.deliver_due(timezone.now() + services.SENDING_TIMEOUT + datetime.timedelta(seconds=1)) == 1
    )


def test_inbox_badge_read_and_read_all(mailed: Any) -> None:
    services.send([mailed.manager_a], Kind.SLA_AT_RISK, "k1", PARAMS, "/work/workorders/1/")
    services.send([mailed.manager_a], Kind.SLA_BREACHED, "k2", PARAMS, "/work/workorders/1/")
    client = page_client(mailed.manager_a)
    home = client.get("/").content.decode()
    assert 'id="unread-badge">2' in home
    page = client.get(reverse("notify:inbox"))
    assert len(page.context["page"]) == 2
    first = Notification.objects.filter(key="k1").get()
    response = client.post(reverse("notify:read", args=[first.pk]), {"next": first.url})
    assert response["Location"] == "/work/workorders/1/"
    assert services.unread_count(mailed.manager_a) == 1
    client.post(reverse("notify:read_all"))
    assert services.unread_count(mailed.manager_a) == 0
    # Someone else's notification cannot be read or marked.
    other = services.send([mailed.qm], Kind.SLA_AT_RISK, "k3", PARAMS)[0]
    client.post(reverse("notify:read", args=[other.pk]))
    other.refresh_from_db()
    assert other.read_at is None


def test_open_redirect_is_refused(mailed: Any) -> None:
    (note,) = services.send([mailed.manager_a], Kind.SLA_AT_RISK, "k", PARAMS)
    response = page_client(mailed.manager_a).post(
        reverse("notify:read", args=[note.pk]), {"next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("notify:inbox")


def test_preferences_page(mailed: Any) -> None:
    client = page_client(mailed.manager_a)
    assert client.get(reverse("notify:preferences")).status_code == 200
    data = {f"{kind}__in_app": "on" for kind in Kind.values} | {"sla_at_risk__email": "on"}
    assert client.post(reverse("notify:preferences"), data).status_code == 302
    stored = {p.kind: (p.in_app, p.email) for p in Preference.objects.filter(user=mailed.manager_a)}
    assert stored["sla_at_risk"] == (True, True) and stored["sla_breached"] == (True, False)


def test_notification_api_is_the_callers_own(mailed: Any) -> None:
    mine = services.send([mailed.manager_a], Kind.SLA_AT_RISK, "k1", PARAMS)[0]
    theirs = services.send([mailed.manager_b], Kind.SLA_AT_RISK, "k1", PARAMS)[0]
    client = api_client(mailed.manager_a)
    body = client.get("/api/notifications/").json()
    assert [n["id"] for n in body["results"]] == [mine.pk]
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/api/notifications/{mine.pk}/read/").json()["read_at"] is not None
    assert client.get("/api/notifications/?unread=true").json()["count"] == 0
    assert api_client().get("/api/notifications/").status_code in {401, 403}


def test_delivery_log_is_for_administrators(mailed: Any) -> None:
    services.send([mailed.manager_a], Kind.SLA_BREACHED, "k", PARAMS)
    assert page_client(mailed.admin).get(reverse("notify:delivery_list")).status_code == 200
    for user in (mailed.qm, mailed.manager_a):
        assert page_client(user).get(reverse("notify:delivery_list")).status_code == 403
