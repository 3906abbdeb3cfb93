"""Feedback measures for scorecards: complaints per 1,000 work orders, complaint response timeliness, praise,
CSAT, NPS and the survey response rate — per contract, vendor, site, person and period; "no data" when none."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from oqms.core import audit
from oqms.feedback import services, surveys, workflow
from oqms.feedback.models import ComplaintCategory, FeedbackPoint, SurveyInvitation
from oqms.kpis import evaluation, rollups, scorecards
from tests.feedback.test_surveys import _close, _token_of, survey  # noqa: F401 - the fixture
from tests.kpis.test_scorecards import define


def _routed(cast: Any) -> tuple[Any, Any]:
    with audit.audit_context(actor=cast.qm, source="test"):
        category = ComplaintCategory.objects.create(code="it", name="IT", service_type=cast.service_type)
        point = FeedbackPoint.objects.create(site=cast.site, name="前台", token="tok-m")
    cast.contract_b.service_types.clear()
    return category, point


def test_complaint_measures(cast: Any) -> None:
    category, point = _routed(cast)
    made = []
    for k in range(3):
        complaint, _t, _m = services.submit(
            channel="qr",
            site=cast.site,
            point=point,
            category=category,
            description=f"问题 {k}",
            source=f"10.0.0.{k}",
        )
        made.append(complaint)
    services.submit(
        channel="qr",
        site=cast.site,
        point=point,
        category=category,
        kind="praise",
        description="很好",
        source="10.0.0.9",
    )
    workflow.respond(made[0], cast.manager_a, "马上处理")  # in time
    late = made[1].response_due_at + datetime.timedelta(minutes=5)
    workflow.respond(made[1], cast.manager_a, "来晚了", at=late)
    rollups.refresh_dirty()
    rate = define(cast, "cp1000", "complaints_per_1000", "1", direction="lower", target="1", minimum="10")
    timely = define(cast, "cpt", "complaint_response_in_time_pct", "1", target="95", minimum="80")
    praise = define(cast, "praise", "praise", "1", target="1", minimum="0")
    today = timezone.localdate()
    first = today.replace(day=1)
    value = evaluation.evaluate(rate, first, today)
    assert value.numerator == 3 and value.denominator >= 1 and value.value == 1000 * 3 / value.denominator
    assert evaluation.evaluate(praise, first, today).value == 1
    end_of_month = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    on_time = evaluation.evaluate(timely, first, end_of_month)
    due = [c for c in made if first <= timezone.localtime(c.response_due_at).date() <= end_of_month]
    assert on_time.denominator == len(due)
    if len(due) == 3:
        assert on_time.numerator == 1
    card = scorecards.compute(cast.contract_a, "month", today)
    rows = {r.kpi.code: r for r in card.results.select_related("kpi")}
    assert rows["cp1000"].value == value.value and rows["praise"].value == 1
    long_ago = datetime.date(2020, 1, 1)
    assert evaluation.evaluate(timely, long_ago, long_ago + datetime.timedelta(days=30)).value is None


def test_survey_measures(cast: Any, survey: Any) -> None:  # noqa: F811
    from oqms.feedback.models import SurveyTrigger

    SurveyTrigger.objects.create(survey=survey, delay_hours=0, quiet_days=0)
    _close(cast, cast.wo_a)
    from oqms.workorders import services as work

    second = work.create(
        requester=cast.requester,
        contract=cast.contract_a,
        site=cast.site,
        service_type=cast.service_type,
        title="二",
        priority="P3",
    )
    _close(cast, second)
    surveys.send_due(timezone.now() + datetime.timedelta(minutes=1))
    questions = {q.position: q for q in survey.questions.all()}
    first_invitation = SurveyInvitation.objects.order_by("pk").first()
    surveys.answer(_token_of(first_invitation), {str(questions[1].pk): "4", str(questions[2].pk): "10"})
    csat = define(cast, "csat", "csat_mean", "1", target="4.5", minimum="3")
    nps = define(cast, "nps", "nps", "1", target="50", minimum="0")
    rate = define(cast, "rate", "survey_response_pct", "1", target="60", minimum="20")
    today = timezone.localdate()
    first = today.replace(day=1)
    assert evaluation.evaluate(csat, first, today).value == 4
    assert evaluation.evaluate(nps, first, today).value == 100.0
    response_rate = evaluation.evaluate(rate, first, today)
    assert (response_rate.numerator, response_rate.denominator) == (1, 2)
    staff = evaluation.evaluate_for_person(csat, first, today, cast.staff_a.pk)
    assert staff.value == 4
    assert evaluation.evaluate_for_person(csat, first, today, cast.qm.pk).value is None
