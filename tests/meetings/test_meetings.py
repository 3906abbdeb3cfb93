"""Meeting series, minutes and action items with reminders, and the monthly review pack."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.meetings import services
from oqms.meetings.models import ActionItem, Meeting, MeetingSeries
from oqms.notify.models import Notification
from tests.core.helpers import listed_pks, page_client


def _series(cast: Any, **extra: Any) -> MeetingSeries:
    with audit.audit_context(actor=cast.qm, source="test"):
        series = MeetingSeries.objects.create(
            name="甲服务 IT 运维周例会",
            kind="operations",
            vendor=cast.vendor_a,
            contract=cast.contract_a,
            cadence="weekly",
            weekday=(timezone.localdate() + datetime.timedelta(days=1)).weekday(),
            time_of_day=datetime.time(10, 0),
            location="A 座 3 楼会议室",
            chair=cast.qm,
            standing_agenda="1. 上周工单\n2. SLA\n3. 待办跟踪",
            **extra,
        )
        series.attendees.set([cast.qm, cast.manager_a])
    return series


def test_a_series_schedules_its_meetings_once_and_invites_the_attendees(cast: Any) -> None:
    series = _series(cast)
    today = timezone.localdate()
    assert services.schedule_series(today) == 2  # tomorrow and a week later; +15 days is beyond the 14
    assert services.schedule_series(today) == 0
    meetings = list(Meeting.objects.order_by("starts_at"))
    days = [timezone.localtime(m.starts_at).date() - today for m in meetings]
    assert days == [datetime.timedelta(days=d) for d in (1, 8)]
    assert meetings[0].agenda.startswith("1. 上周工单") and set(meetings[0].attendees.all()) == {
        cast.qm,
        cast.manager_a,
    }
    assert Notification.objects.filter(kind="meeting_scheduled", recipient=cast.manager_a).count() == 2
    # a monthly series without a valid day schedules nothing (and does not stop the job)
    MeetingSeries.objects.filter(pk=series.pk).update(cadence="monthly", month_day=None)
    assert services.schedule_series(today + datetime.timedelta(days=30)) == 0


def test_actions_are_given_reminded_once_and_closed(cast: Any) -> None:
    _series(cast)
    services.schedule_series()
    meeting = Meeting.objects.order_by("starts_at").first()
    today = timezone.localdate()
    with pytest.raises(DomainError):  # the vendor does not record the meeting's actions
        services.add_action(meeting, cast.manager_a, "x", cast.manager_a, today)
    with pytest.raises(DomainError):  # nor are they given to another vendor's people
        services.add_action(meeting, cast.qm, "x", cast.manager_b, today)
    with pytest.raises(DomainError):
        services.add_action(meeting, cast.qm, "  ", cast.manager_a, today)
    action = services.add_action(
        meeting, cast.qm, "提交 11 月备件消耗清单", cast.manager_a, today + datetime.timedelta(days=1)
    )
    assert Notification.objects.filter(kind="meeting_action", recipient=cast.manager_a).count() == 1
    assert [services.remind(today) for _ in range(3)] == [1, 0, 0]  # due tomorrow: reminded once
    late = today + datetime.timedelta(days=3)
    assert [services.remind(late) for _ in range(2)] == [1, 0]
    overdue = Notification.objects.filter(kind="meeting_action_overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == ["manager_a", "qm"]
    with pytest.raises(DomainError):  # only its owner, the chair or a quality manager closes it
        services.set_action_status(action, cast.manager_b, "done")
    with pytest.raises(DomainError):  # the owner marks it done, does not cancel it
        services.set_action_status(action, cast.manager_a, "cancelled", "不做了")
    done = services.set_action_status(action, cast.manager_a, "done")
    assert done.status == "done" and done.done_at
    assert services.remind(late) == 0
    with pytest.raises(DomainError):
        services.set_action_status(action, cast.qm, "done")


def test_meeting_pages_are_scoped(cast: Any) -> None:
    _series(cast)
    services.schedule_series()
    meeting = Meeting.objects.order_by("starts_at").first()
    with audit.audit_context(actor=cast.qm, source="test"):
        internal = Meeting.objects.create(
            title="甲服务续约内部讨论",
            vendor=cast.vendor_a,
            starts_at=timezone.now(),
            shared_with_vendor=False,
        )
    action = services.add_action(meeting, cast.qm, "整理巡检问题清单", cast.staff_a, timezone.localdate())
    manager = page_client(cast.manager_a)
    assert listed_pks(manager.get(reverse("meetings:meeting_list"))) == {
        m.pk for m in Meeting.objects.exclude(pk=internal.pk)
    }
    assert manager.get(internal.get_absolute_url()).status_code == 404
    staff = page_client(cast.staff_a)
    assert listed_pks(staff.get(reverse("meetings:meeting_list"))) == set()  # staff_a attends none
    assert listed_pks(staff.get(reverse("meetings:actionitem_list"))) == {action.pk}
    for intruder in (cast.manager_b, cast.staff_b, cast.requester):
        client = page_client(intruder)
        listing = client.get(reverse("meetings:meeting_list"))
        assert listing.status_code == 403 or not listed_pks(listing)
        assert client.get(meeting.get_absolute_url()).status_code in {403, 404}
        assert client.post(
            reverse("meetings:action_status", args=[action.pk]), {"status": "done"}
        ).status_code in {403, 404}
        assert client.post(reverse("meetings:meeting_add_action", args=[meeting.pk]), {}).status_code in {
            403,
            404,
        }
    action.refresh_from_db()
    assert action.status == "open"
    # the owner closes it from the page
    assert (
        staff.post(reverse("meetings:action_status", args=[action.pk]), {"status": "done"}).status_code == 302
    )
    action.refresh_from_db()
    assert action.status == "done"


def test_minutes_decisions_and_actions_through_the_pages(cast: Any) -> None:
    qm = page_client(cast.qm, "zh-hans")
    answer = qm.post(
        reverse("meetings:meeting_create"),
        {
            "title": "11 月月度评审",
            "kind": "review",
            "vendor": cast.vendor_a.pk,
            "contract": cast.contract_a.pk,
            "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "90",
            "status": "held",
            "attendees": [cast.qm.pk, cast.manager_a.pk],
            "guests": "行政部 张女士",
            "agenda": "1. 考核结果\n2. 纠正措施",
            "minutes": "服务商汇报了 11 月工单情况。",
            "decisions": "- 12 月起每周抽查两次\n- 备件清单按月提交",
            "shared_with_vendor": "on",
        },
    )
    meeting = Meeting.objects.get()
    assert answer.status_code == 302 and meeting.decision_list() == [
        "12 月起每周抽查两次",
        "备件清单按月提交",
    ]
    bad = qm.post(
        reverse("meetings:meeting_create"),
        {
            "title": "x",
            "kind": "other",
            "vendor": cast.vendor_a.pk,
            "starts_at": "2026-13-45",
            "attendees": [cast.manager_b.pk],
            "duration_minutes": "60",
            "status": "planned",
        },
    )
    assert bad.status_code == 400 and Meeting.objects.count() == 1
    page = qm.post(
        reverse("meetings:meeting_add_action", args=[meeting.pk]),
        {
            "description": "提交备件清单",
            "owner": cast.manager_a.pk,
            "due_date": timezone.localdate().isoformat(),
        },
        follow=True,
    ).content.decode()
    assert "提交备件清单" in page and "每周抽查两次" in page and "月度评审资料" in page
    assert ActionItem.objects.get().owner == cast.manager_a


def test_the_monthly_review_pack_from_the_data(cast: Any) -> None:
    import pypdfium2

    from oqms.capa import workflow
    from oqms.kpis import rollups
    from tests.capa.conftest import make_category, raise_nc

    scar = workflow.issue(raise_nc(cast, make_category()), cast.qm)
    rollups.refresh_dirty()
    month = timezone.localdate().strftime("%Y-%m")
    qm = page_client(cast.qm, "zh-hans")
    page = qm.get(reverse("meetings:review"), {"vendor": cast.vendor_a.pk, "month": month})
    pack = page.context["pack"]
    assert pack["backlog_total"] == 1 and pack["backlog"][0]["priority"] == "P2"  # wo_a is open
    assert [s.pk for s in pack["open_scars"]] == [scar.pk] and pack["capa"]["nonconformances"] == 1.0
    assert dict((m.code, v.value) for m, v in pack["sla"])["opened"] == 1.0
    text = page.content.decode()
    assert "工单积压" in text and scar.number in text
    pdf = qm.get(reverse("meetings:review"), {"vendor": cast.vendor_a.pk, "month": month, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(pdf.content))
    words = "".join(document[i].get_textpage().get_text_range() for i in range(len(document))).replace(
        "\r\n", ""
    )
    assert "月度评审资料" in words and "甲服务有限公司" in words and scar.number in words
    # a vendor's manager gets its own pack whatever vendor it asks for; the other vendor's data never
    vendor_b = page_client(cast.manager_b).get(
        reverse("meetings:review"), {"vendor": cast.vendor_a.pk, "month": month}
    )
    assert vendor_b.context["pack"]["vendor"] == cast.vendor_b and not vendor_b.context["pack"]["open_scars"]
    assert page_client(cast.staff_a).get(reverse("meetings:review")).status_code == 403
    assert qm.get(reverse("meetings:review"), {"vendor": "999999"}).status_code == 404
    assert (
        qm.get(reverse("meetings:review"), {"vendor": cast.vendor_a.pk, "month": "garbage"}).status_code
        == 200
    )
