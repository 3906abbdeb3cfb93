"""In the browser, at phone size, without signing in: a survey answered from its token link after a work order
closed, and the same link refused a second time — screenshots test-artifacts/e2e/8x-*.png."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e]


def test_a_survey_is_answered_once_from_its_link_on_a_phone(
    live_server: Any, transactional_db: Any, new_context: Any, shot: Any, failed_responses: list[str]
) -> None:
    from oqms.feedback import surveys
    from oqms.feedback.models import Survey, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyTrigger
    from oqms.notify.models import Notification
    from tests.conftest import build_cast
    from tests.feedback.test_surveys import _close

    cast = build_cast()
    survey = Survey.objects.create(
        code="after", name="维修回访", name_en="After the repair", intro="感谢您抽出一分钟。"
    )
    SurveyQuestion.objects.create(survey=survey, position=1, kind="csat", text="您对这次服务满意吗？")
    SurveyQuestion.objects.create(survey=survey, position=2, kind="nps", text="您会向同事推荐这家服务商吗？")
    SurveyQuestion.objects.create(
        survey=survey,
        position=3,
        kind="multiple",
        text="哪些方面做得好？",
        required=False,
        choices=[
            {"zh": "响应快", "en": "Fast"},
            {"zh": "态度好", "en": "Kind"},
            {"zh": "一次修好", "en": "Fixed"},
        ],
    )
    SurveyQuestion.objects.create(
        survey=survey, position=4, kind="text", text="还有什么建议？", required=False
    )
    SurveyTrigger.objects.create(survey=survey, delay_hours=0)
    _close(cast, cast.wo_a)
    surveys.send_due(timezone.now() + datetime.timedelta(minutes=1))
    link = Notification.objects.get(kind="survey_invitation", recipient=cast.requester).url
    base = live_server.url
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{base}{link}")
    expect(phone.locator("#survey-form")).to_contain_text("您对这次服务满意吗")
    shot(phone, "80-survey-phone")
    phone.locator("#send-survey").click()  # nothing chosen: the required question is named
    expect(phone.locator("#survey-error")).to_contain_text("请回答")
    questions = {q.position: q for q in survey.questions.all()}
    phone.locator(f"label[for='q{questions[1].pk}-5']").click()
    phone.locator(f"label[for='q{questions[2].pk}-9']").click()
    phone.locator(f"#q{questions[3].pk}-c0").check()
    phone.locator(f"#q{questions[3].pk}-c2").check()
    phone.locator(f"textarea[name='q{questions[4].pk}']").fill("师傅很专业")
    shot(phone, "81-survey-answered-phone")
    phone.locator("#send-survey").click()
    expect(phone.locator("#survey-done")).to_contain_text("谢谢您的回答")
    response = SurveyResponse.objects.get()
    assert (response.csat, response.nps) == (5, 9) and response.answers[str(questions[3].pk)] == [0, 2]
    phone.goto(f"{base}{link}")
    expect(phone.locator("#survey-done")).to_contain_text("已经提交过")
    shot(phone, "82-survey-refused-phone")
    assert SurveyResponse.objects.count() == 1 and SurveyInvitation.objects.get().answered_at is not None
    assert [r for r in failed_responses if not r.startswith(("400 ", "410 ", "404 /favicon"))] == []
