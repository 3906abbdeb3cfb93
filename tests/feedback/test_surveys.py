"""Surveys: a trigger invites the requester after a work order closes (sampled, delayed, at most once per person
in N days), the token link answers once until it expires, reminders go once, anonymous answers keep no person,
campaigns invite lists; response rate, CSAT and NPS."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.feedback import surveys
from oqms.feedback.models import (
    Survey,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTrigger,
)
from oqms.notify.models import Notification
from oqms.workorders import services as work
from tests.core.helpers import page_client


@pytest.fixture
def survey(cast: Any) -> Survey:
    with audit.audit_context(actor=cast.qm, source="test"):
        made = Survey.objects.create(
            code="after-fix", name="维修回访", name_en="After the repair", valid_days=7
        )
    SurveyQuestion.objects.create(
        survey=made, position=1, kind="csat", text="您对这次服务满意吗？", text_en="How satisfied are you?"
    )
    SurveyQuestion.objects.create(
        survey=made, position=2, kind="nps", text="您会推荐吗？", text_en="Would you recommend us?"
    )
    SurveyQuestion.objects.create(
        survey=made,
        position=3,
        kind="multiple",
        text="哪些方面好？",
        required=False,
        choices=[
            {"zh": "速度", "en": "Speed"},
            {"zh": "态度", "en": "Manner"},
            {"zh": "质量", "en": "Quality"},
        ],
    )
    SurveyQuestion.objects.create(survey=made, position=4, kind="text", text="其他建议", required=False)
    return made


def _close(cast: Any, wo: Any) -> Any:
    now = timezone.now()
    with audit.audit_context(actor=cast.qm, source="test"):
        wo = work.assign(wo, cast.qm, cast.staff_a, at=now - datetime.timedelta(hours=3))
        wo = work.start(wo, cast.staff_a, at=now - datetime.timedelta(hours=2))
        wo = work.resolve(wo, cast.staff_a, "好了", at=now - datetime.timedelta(hours=1))
        return work.close(wo, cast.requester, 5, at=now)


def _token_of(invitation: SurveyInvitation) -> str:
    from oqms.core import crypto

    return crypto.decrypt(SurveyInvitation.objects.get(pk=invitation.pk).token_sealed)


def test_a_closed_work_order_invites_its_requester_and_the_link_answers_once(
    cast: Any, survey: Survey
) -> None:
    SurveyTrigger.objects.create(survey=survey, contract=cast.contract_a, sample_percent=100, delay_hours=2)
    _close(cast, cast.wo_a)
    invitation = SurveyInvitation.objects.get()
    assert (
        invitation.recipient == cast.requester
        and invitation.staff == cast.staff_a
        and invitation.sent_at is None
    )
    assert surveys.send_due(timezone.now()) == 0  # not yet: two hours after closing
    assert surveys.send_due(timezone.now() + datetime.timedelta(hours=3)) == 1
    note = Notification.objects.get(recipient=cast.requester, kind="survey_invitation")
    token = _token_of(invitation)
    assert note.url == f"/f/s/{token}/"
    phone = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = phone.get(note.url)
    assert page.status_code == 200 and "您对这次服务满意吗" in page.content.decode()
    questions = {q.position: q for q in survey.questions.all()}
    bad = phone.post(note.url, {f"q{questions[1].pk}": "9", f"q{questions[2].pk}": "10"})
    assert bad.status_code == 400 and "1" in bad.content.decode() and not SurveyResponse.objects.exists()
    missing = phone.post(note.url, {f"q{questions[2].pk}": "10"})
    assert missing.status_code == 400 and not SurveyResponse.objects.exists()
    done = phone.post(
        note.url,
        {
            f"q{questions[1].pk}": "4",
            f"q{questions[2].pk}": "9",
            f"q{questions[3].pk}": ["0", "2"],
            f"q{questions[4].pk}": "<b>很好</b>",
        },
    )
    assert done.status_code == 200 and "谢谢" in done.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.csat, response.nps, response.invitation, response.vendor) == (
        4,
        9,
        invitation,
        cast.vendor_a,
    )
    assert response.answers[str(questions[3].pk)] == [0, 2]
    again = phone.get(note.url)
    assert again.status_code == 410 and "已经" in again.content.decode()
    assert phone.post(note.url, {f"q{questions[1].pk}": "5", f"q{questions[2].pk}": "10"}).status_code == 410
    assert SurveyResponse.objects.count() == 1
    assert phone.get("/f/s/not-a-token/").status_code == 404


def test_sampling_quiet_days_and_idempotence(cast: Any, survey: Survey) -> None:
    trigger = SurveyTrigger.objects.create(survey=survey, sample_percent=50, quiet_days=30)
    chosen = [pk for pk in range(1, 401) if surveys.chosen(trigger, pk)]
    assert 150 < len(chosen) < 250 and chosen == [pk for pk in range(1, 401) if surveys.chosen(trigger, pk)]
    trigger.sample_percent = 100
    trigger.save()
    _close(cast, cast.wo_a)
    wo = work.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="又一单",
        priority="P3",
    )
    _close(cast, wo)
    assert SurveyInvitation.objects.count() == 1  # the same person within 30 days: once
    cast.wo_a.refresh_from_db()
    cast.wo_a.rating_comment = "补充"
    cast.wo_a.save()
    assert SurveyInvitation.objects.count() == 1


def test_reminders_go_once_with_the_same_link_and_links_expire(cast: Any, survey: Survey) -> None:
    SurveyTrigger.objects.create(survey=survey, delay_hours=0)
    _close(cast, cast.wo_a)
    now = timezone.now() + datetime.timedelta(minutes=1)
    surveys.send_due(now)
    token = _token_of(SurveyInvitation.objects.get())
    assert surveys.send_due(now + datetime.timedelta(days=1)) == 0
    assert surveys.send_due(now + datetime.timedelta(days=4)) == 1
    assert surveys.send_due(now + datetime.timedelta(days=5)) == 0
    reminder = Notification.objects.get(kind="survey_reminder")
    assert reminder.url == f"/f/s/{token}/"
    SurveyInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(DomainError) as raised:
        surveys.answer(token, {})
    assert raised.value.code == "expired"
    assert Client().get(f"/f/s/{token}/").status_code == 410


def test_anonymous_answers_keep_no_person(cast: Any, survey: Survey) -> None:
    survey.anonymous = True
    survey.save()
    SurveyTrigger.objects.create(survey=survey, delay_hours=0)
    _close(cast, cast.wo_a)
    surveys.send_due(timezone.now() + datetime.timedelta(minutes=1))
    questions = {q.position: q for q in survey.questions.all()}
    token = _token_of(SurveyInvitation.objects.get())
    response = surveys.answer(token, {str(questions[1].pk): "5", str(questions[2].pk): "3"})
    assert response.invitation is None and response.vendor == cast.vendor_a and response.nps == 3
    assert SurveyInvitation.objects.get().answered_at is not None  # counted for the response rate


def test_a_campaign_invites_a_list_and_the_survey_page_shows_rate_csat_and_nps(
    cast: Any, survey: Survey
) -> None:
    from tests.conftest import make_user

    others = [make_user(f"req{k}", "requester") for k in range(3)]
    campaign = SurveyCampaign.objects.create(survey=survey, name="季度满意度", contract=cast.contract_a)
    campaign.recipients.set([cast.requester, *others])
    client = page_client(cast.qm, language="zh-hans")
    client.post(reverse("feedback:campaign_send", args=[campaign.pk]))
    assert SurveyInvitation.objects.filter(campaign=campaign, sent_at__isnull=False).count() == 4
    assert Notification.objects.filter(kind="survey_invitation").count() == 4
    questions = {q.position: q for q in survey.questions.all()}
    for invitation, (csat, nps) in zip(
        SurveyInvitation.objects.order_by("pk")[:2], [(5, 10), (2, 3)], strict=True
    ):
        surveys.answer(
            _token_of(invitation), {str(questions[1].pk): str(csat), str(questions[2].pk): str(nps)}
        )
    page = client.get(survey.get_absolute_url())
    assert page.context["rate"] == 50.0 and page.context["csat"] == 3.5 and page.context["nps"] == 0.0
    client.post(reverse("feedback:campaign_send", args=[campaign.pk]))
    assert SurveyInvitation.objects.count() == 4  # sent once
    assert page_client(cast.manager_a).get(survey.get_absolute_url()).status_code in {403, 404}


def test_a_survey_is_written_on_its_page_with_its_questions(cast: Any) -> None:
    client = page_client(cast.qm)
    data = {
        "code": "q-2026",
        "name": "季度满意度",
        "name_en": "Quarterly satisfaction",
        "valid_days": 10,
        "remind_after_days": 3,
        "is_active": "on",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-0-position": "1",
        "questions-0-kind": "csat",
        "questions-0-text": "满意吗？",
        "questions-0-required": "on",
        "questions-1-position": "2",
        "questions-1-kind": "single",
        "questions-1-text": "最常用哪项服务？",
        "questions-1-choices_text": "桌面支持 | Desktop",
        "questions-1-required": "on",
        "questions-2-position": "0",  # an extra form left as the page shows it: ignored
        "questions-2-kind": "",
        "questions-2-text": "",
        "questions-2-required": "on",
    }
    bad = client.post(reverse("feedback:survey_create"), data)
    assert bad.status_code == 400 and not Survey.objects.exists()  # a choice question with one choice
    data["questions-1-choices_text"] = "桌面支持 | Desktop\n网络 | Network"
    response = client.post(reverse("feedback:survey_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Survey.objects.get()
    questions = list(made.questions.order_by("position"))
    assert [q.kind for q in questions] == ["csat", "single"]
    assert questions[1].choices == [{"zh": "桌面支持", "en": "Desktop"}, {"zh": "网络", "en": "Network"}]
    for name in ("survey", "surveytrigger", "surveycampaign"):
        assert client.get(reverse(f"feedback:{name}_list")).status_code == 200
        assert page_client(cast.manager_a).get(reverse(f"feedback:{name}_list")).status_code == 403
    assert client.get(made.get_absolute_url()).status_code == 200
