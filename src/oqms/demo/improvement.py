"""Demo "act" data: problem categories; nonconformances raised from the demo's failed inspection findings,
serious complaints and missed KPIs, with their corrective action requests at every stage (one found not
effective and in its second round, one late and escalated); improvement actions aimed at KPIs; lessons; weekly
meeting series and last month's review with minutes, decisions and action items."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from django.utils import timezone

from oqms.accounts.models import User
from oqms.capa import services as capa
from oqms.capa import workflow
from oqms.capa.models import Category
from oqms.core.models import Sequence
from oqms.improvement.models import Improvement, Lesson
from oqms.meetings import services as meetings
from oqms.meetings.models import Meeting, MeetingSeries

CATEGORIES = [
    ("cleaning", "清洁不到位", "Cleaning not done"),
    ("safety", "安全隐患", "Safety hazard"),
    ("response", "响应不及时", "Slow response"),
    ("attitude", "服务态度", "Service manner"),
    ("performance", "绩效未达标", "KPI missed"),
]
WHYS = [
    "为什么没做到？当班人员被临时调去其他任务",
    "为什么会被调走？临时任务没有单独排人",
    "为什么没有单独排人？排班表没有机动人员",
]


def _through(scar: Any, manager: Any, qm: Any, stage: int, today: datetime.date) -> Any:
    """Take a request as far as ``stage`` (0 issued … 5 closed)."""
    if stage < 1:
        return scar
    scar = workflow.acknowledge(scar, manager, "收到，马上安排")
    if stage < 2:
        return scar
    scar = workflow.analyse(scar, manager, WHYS, "manpower", "排班没有机动人员，临时任务挤占日常服务")
    workflow.add_item(
        scar,
        manager,
        "corrective",
        "重新排班：每班保留 1 名机动人员",
        "现场主管",
        today + datetime.timedelta(days=7),
    )
    workflow.add_item(
        scar,
        manager,
        "preventive",
        "临时任务由项目经理另行派人，不占用日常岗位",
        "项目经理",
        today + datetime.timedelta(days=14),
    )
    if stage < 3:
        return scar
    scar = workflow.submit_plan(scar, manager)
    if stage < 4:
        return scar
    for item in scar.items.all():
        workflow.complete_item(item, manager, "已按计划执行，记录已归档")
    scar = workflow.implement(scar, manager, "新排班表已执行两周，附排班表和签到记录")
    if stage < 5:
        return scar
    return workflow.verify(scar, qm, True, "连续两周抽查未再发生，有效")


def build(world: Any, rng: np.random.Generator) -> int:
    from oqms.feedback.models import Complaint
    from oqms.inspections.models import Finding
    from oqms.kpis.models import KPIResult

    qm = User.objects.filter(role="quality_manager").order_by("pk").first()
    if qm is None or not world.teams:
        return 0
    categories = {
        code: Category.objects.create(code=code, name=name, name_en=en) for code, name, en in CATEGORIES
    }
    managers = {team.vendor.pk: team.manager for team in world.teams}
    today = timezone.localdate()
    raised = []
    for finding in Finding.objects.filter(action_required=True).select_related("inspection", "vendor")[:8]:
        category = categories["safety" if finding.severity == "critical" else "cleaning"]
        raised.append(capa.raise_from(qm, finding, category, containment="立即整改并拍照回传"))
    complaints = Complaint.objects.filter(kind="complaint", vendor__isnull=False).order_by("-received_at")
    for complaint in complaints[:3]:
        raised.append(capa.raise_from(qm, complaint, categories["response"]))
    results = KPIResult.objects.select_related("kpi", "scorecard").order_by("-scorecard__period_start")[:200]
    for result in [r for r in results if capa.kpi_missed(r)][:2]:
        raised.append(capa.raise_from(qm, result, categories["performance"]))
    stages = [5, 5, 4, 3, 2, 1, 0, 0, 5, 3]
    closed_nc = None
    for nc, stage in zip(raised, stages, strict=False):
        manager = managers.get(nc.vendor_id)
        if manager is None:
            continue
        scar = workflow.issue(
            nc, qm, "请按期确认，提交根本原因分析（5 个为什么）和整改计划", verify_after_days=0
        )
        scar = _through(scar, manager, qm, stage, today)
        if stage == 5 and closed_nc is None:
            closed_nc = nc
    # one found not effective: back to the plan for a second round
    second = next((s for s in raised if s.scars.filter(status="implemented").exists()), None)
    if second is not None:
        workflow.verify(
            second.scars.get(status="implemented"), qm, False, "复查仍发现一次未按时清洁，请补充措施"
        )
    workflow.escalate_overdue(timezone.now() + datetime.timedelta(days=3))  # the oldest requests are late

    team = world.teams[0]
    kpis = list(team.contract.kpis.all()[:2])
    improvement = Improvement.objects.create(
        number=f"IA{Sequence.take('improvement'):06d}",
        title="常用备件前置到园区仓库",
        description="把更换频率最高的 20 种备件放在园区仓库，减少二次上门",
        category=categories["response"],
        vendor=team.vendor,
        contract=team.contract,
        owner=qm,
        status="done",
        started_on=today - datetime.timedelta(days=75),
        completed_on=today - datetime.timedelta(days=45),
        compare_days=30,
        result="二次上门明显减少",
    )
    improvement.kpis.set(kpis)
    Improvement.objects.create(
        number=f"IA{Sequence.take('improvement'):06d}",
        title="保洁排班增加机动岗",
        description="每层保留 1 名机动保洁员，应对临时任务",
        category=categories["cleaning"],
        vendor=world.teams[-1].vendor,
        owner=qm,
        status="in_progress",
        started_on=today - datetime.timedelta(days=10),
    )
    Lesson.objects.create(
        title="临时任务不要占用日常岗位",
        category=categories["cleaning"],
        situation="保洁员被临时调去会议保障，导致楼层漏扫并被投诉",
        learning="临时任务单独派人；排班表每班保留机动人员",
        nonconformance=closed_nc,
        shared=True,
        author=qm,
    )
    Lesson.objects.create(
        title="夜间巡逻采用电子巡更打卡",
        kind="practice",
        category=categories["safety"],
        situation="人工登记的巡逻记录无法核实",
        learning="巡更点装 NFC 标签，巡逻人员手机打卡，主管每日核对",
        shared=True,
        author=qm,
    )

    for team in world.teams[:3]:
        series = MeetingSeries.objects.create(
            name=f"{team.vendor.short_name} 运营周例会",
            kind="operations",
            vendor=team.vendor,
            contract=team.contract,
            cadence="weekly",
            weekday=int(rng.integers(0, 5)),
            time_of_day=datetime.time(10, 0),
            location="A 座 3 楼会议室",
            chair=qm,
            standing_agenda="1. 上周工单与 SLA\n2. 投诉与检查发现\n3. 待办跟踪",
        )
        series.attendees.set([qm, team.manager])
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=5)
        review = Meeting.objects.create(
            title=f"{team.vendor.short_name} {last_month:%Y 年 %m 月}月度评审",
            kind="review",
            vendor=team.vendor,
            contract=team.contract,
            starts_at=timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(14, 0))),
            duration_minutes=90,
            location="A 座 5 楼大会议室",
            status="held",
            chair=qm,
            agenda="1. 考核结果\n2. 纠正措施进展\n3. 投诉分析\n4. 下月重点",
            minutes="服务商汇报了当月工单与 SLA 情况；双方逐项核对了未关闭的纠正措施。",
            decisions="下月起每周增加一次抽查\n备件消耗清单每月 5 日前提交",
        )
        review.attendees.set([qm, team.manager])
        for text, due, done in (
            ("提交上月备件消耗清单", today - datetime.timedelta(days=20), True),
            ("完成夜班替班排班表", today + datetime.timedelta(days=1), False),
            ("整理本月检查问题清单", today - datetime.timedelta(days=2), False),
        ):
            action = meetings.add_action(review, qm, text, team.manager, due)
            if done:
                meetings.set_action_status(action, team.manager, "done")
    meetings.schedule_series(today)
    meetings.remind(today)
    return len(raised)
