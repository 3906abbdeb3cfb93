"""Demo inspections: a published checklist per service category, a periodic and a random plan per contract,
three months of inspections carried out through the services (answers as good as each vendor's service), and
weekly acceptance lots of closed work orders for the maintenance and IT contracts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oqms.accounts.models import User
from oqms.core.errors import DomainError
from oqms.engine import draws
from oqms.inspections import lots, scheduling, services
from oqms.inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    InspectionPlan,
    PlanInspector,
)

HISTORY_DAYS = 90

# category -> (code, name, [(section, [(text, kind, weight, critical, extra)])])
CHECKLISTS: dict[
    str, tuple[str, str, list[tuple[str, list[tuple[str, str, float, bool, dict[str, Any]]]]]]
] = {
    "it": (
        "CK-IT",
        "IT 服务现场巡检",
        [
            (
                "服务台",
                [
                    ("服务台按排班在岗", "pass_fail", 2, True, {}),
                    (
                        "工单记录完整（现象、处理过程、结果）",
                        "score",
                        3,
                        False,
                        {"max_score": 5, "pass_score": 3},
                    ),
                    ("备机备件台账与实物一致", "pass_fail", 1, False, {}),
                ],
            ),
            (
                "机房与网络",
                [
                    ("机房温度", "numeric", 1, False, {"lower": 18, "upper": 27, "unit": "℃"}),
                    ("机房相对湿度", "numeric", 1, False, {"lower": 40, "upper": 60, "unit": "%"}),
                    (
                        "机柜与线缆整理",
                        "choice",
                        1,
                        False,
                        {"choices": [("规范", 1, True), ("基本规范", 0.6, True), ("杂乱", 0, False)]},
                    ),
                    ("巡检备注", "text", 0, False, {}),
                ],
            ),
        ],
    ),
    "maintenance": (
        "CK-MT",
        "设备维保现场检查",
        [
            (
                "维保执行",
                [
                    ("维保计划按期执行并签字", "pass_fail", 2, False, {}),
                    ("作业人员持证上岗（电工证、特种设备作业证）", "pass_fail", 2, True, {}),
                    ("设备运行状态", "score", 3, False, {"max_score": 5, "pass_score": 3}),
                ],
            ),
            (
                "安全与现场",
                [
                    ("配电房挂牌上锁、警示标识齐全", "pass_fail", 2, True, {}),
                    ("冷却水出水温度", "numeric", 1, False, {"lower": 5, "upper": 12, "unit": "℃"}),
                    ("现场照片", "photo", 0, False, {}),
                ],
            ),
        ],
    ),
    "cleaning": (
        "CK-CL",
        "保洁质量检查",
        [
            (
                "公共区域",
                [
                    ("地面无垃圾、无水渍", "pass_fail", 2, False, {}),
                    ("玻璃与镜面洁净程度", "score", 2, False, {"max_score": 5, "pass_score": 3}),
                    (
                        "卫生间",
                        "choice",
                        3,
                        False,
                        {"choices": [("干净无异味", 1, True), ("一般", 0.5, True), ("脏、有异味", 0, False)]},
                    ),
                ],
            ),
            (
                "安全",
                [
                    ("消防通道无堆放", "pass_fail", 1, True, {}),
                    ("清洁剂分类存放、有标识", "pass_fail", 1, False, {}),
                ],
            ),
        ],
    ),
    "security": (
        "CK-SC",
        "安保岗位检查",
        [
            (
                "岗位",
                [
                    ("岗位人员在岗、着装规范", "pass_fail", 2, True, {}),
                    ("访客登记完整", "score", 2, False, {"max_score": 5, "pass_score": 4}),
                    ("巡逻签到按时", "pass_fail", 2, False, {}),
                ],
            ),
            (
                "监控与消防",
                [
                    ("监控画面无黑屏", "pass_fail", 2, True, {}),
                    ("消防设施完好", "pass_fail", 1, False, {}),
                ],
            ),
        ],
    ),
    "callcentre": (
        "CK-CC",
        "热线服务质检",
        [
            (
                "通话质量",
                [
                    ("开场白与身份核实规范", "pass_fail", 1, False, {}),
                    ("问题记录准确", "score", 3, False, {"max_score": 5, "pass_score": 3}),
                    ("无泄露个人信息", "pass_fail", 2, True, {}),
                ],
            ),
            ("回访", [("回访满意度", "score", 2, False, {"max_score": 10, "pass_score": 6})]),
        ],
    ),
}


def build_checklists(service_types: dict[str, Any], categories: dict[str, Any], user: Any) -> dict[str, Any]:
    """One published checklist per category (v1)."""
    found = {}
    for category, (code, name, sections) in CHECKLISTS.items():
        kind = next((st for st in service_types.values() if st.category_id == categories[category].pk), None)
        template = ChecklistTemplate.objects.create(code=code, name=name, service_type=kind)
        version = services.new_version(template, user, "首版")
        for position, (title, items) in enumerate(sections, start=1):
            section = ChecklistSection.objects.create(version=version, position=position, title=title)
            for number, (text, item_kind, weight, critical, extra) in enumerate(items, start=1):
                extra = dict(extra)
                choices = [{"label": c, "worth": w, "passes": p} for c, w, p in extra.pop("choices", [])]
                ChecklistItem.objects.create(
                    version=version,
                    section=section,
                    position=number,
                    text=text,
                    kind=item_kind,
                    weight=Decimal(str(weight)),
                    critical=critical,
                    severity="critical" if critical else "minor",
                    choices=choices,
                    **extra,
                )
        services.publish_version(version, user)
        found[category] = template
    return found


def _photo(rng: np.random.Generator) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    colour = tuple(int(c) for c in rng.integers(60, 200, size=3))
    Image.new("RGB", (480, 360), colour).save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile("现场.jpg", buffer.getvalue(), content_type="image/jpeg")


def _answer(item: ChecklistItem, quality: float, rng: np.random.Generator) -> Any:
    """An answer as good as the vendor's service (quality 0..1: the chance an item is fine)."""
    good = rng.random() < quality
    if item.kind == "pass_fail":
        return "pass" if good or (item.critical and rng.random() < 0.7) else "fail"
    if item.kind == "score":
        top = int(item.max_score)
        low = int(np.ceil(float(item.pass_score)))
        return str(int(rng.integers(low, top + 1)) if good else int(rng.integers(0, max(low, 1))))
    if item.kind == "numeric":
        lower = float(item.lower) if item.lower is not None else float(item.upper) - 10
        upper = float(item.upper) if item.upper is not None else float(item.lower) + 10
        span = upper - lower
        value = rng.uniform(lower, upper) if good else upper + rng.uniform(0.5, 0.3 * span + 1)
        return f"{value:.1f}"
    if item.kind == "choice":
        labels = item.choice_labels()
        return labels[0] if good else labels[int(rng.integers(1, len(labels)))]
    if item.kind == "text":
        return "" if good else "已现场提醒整改"
    return None


def _carry_out(inspection: Any, inspector: Any, quality: float, rng: np.random.Generator) -> None:
    at = inspection.scheduled_for + datetime.timedelta(minutes=int(rng.integers(0, 90)))
    services.start(inspection, inspector, at=at)
    for item in inspection.version.ordered_items():
        if item.kind == "photo":
            services.add_photo(inspection, inspector, _photo(rng), item=item, taken_at=at)
            continue
        value = _answer(item, quality, rng)
        services.answer(inspection, inspector, item, value if value != "" else None)
    manager = User.objects.filter(vendor_id=inspection.vendor_id, role="vendor_manager").first()
    services.complete(
        inspection,
        inspector,
        acknowledged_by=str(manager) if manager else "",
        acknowledgement="已知悉，按要求整改" if rng.random() < 0.3 else "",
        at=at + datetime.timedelta(minutes=int(rng.integers(20, 60))),
    )


def build(world: Any, rng: np.random.Generator) -> int:
    """Checklists, plans, three months of inspections and some acceptance lots; returns inspections done."""
    quality_manager = User.objects.filter(role="quality_manager").order_by("pk").first()
    inspector = User.objects.filter(role="inspector").order_by("pk").first()
    if quality_manager is None or inspector is None or not world.teams:
        return 0
    templates = build_checklists(world.service_types, world.categories, quality_manager)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=HISTORY_DAYS)
    done = 0
    for team in world.teams:
        category = team.spec.categories[0]
        template = templates.get(category)
        if template is None or team.contract.status != "active":
            continue
        weekly = category in ("cleaning", "security")
        periodic = InspectionPlan.objects.create(
            name=f"{team.spec.short_name} {'每周检查' if weekly else '月度检查'}",
            kind="periodic",
            contract=team.contract,
            template=template,
            rule={"kind": "weekly", "weekdays": [1]} if weekly else {"kind": "monthly", "days": [5]},
            start_date=start,
            time_of_day=datetime.time(10, 0),
            window_hours=8,
            seed=draws.new_seed(),
        )
        spot = InspectionPlan.objects.create(
            name=f"{team.spec.short_name} 随机抽查",
            kind="random",
            contract=team.contract,
            template=template,
            start_date=start,
            per_period=2,
            period="month",
            draw_staff=True,
            window_hours=6,
            seed=draws.new_seed(),
        )
        for plan in (periodic, spot):
            PlanInspector.objects.create(plan=plan, inspector=inspector)
            scheduling.schedule(plan, today=start, horizon=HISTORY_DAYS + scheduling.HORIZON_DAYS)
        # The chance that one item is fine: a 4.5-star vendor fails about one inspection in five.
        quality = float(np.clip(1 - (1 - team.spec.rating / 5.0) / 3, 0.8, 0.99))
        now = timezone.now()
        for plan in (periodic, spot):
            for inspection in plan.inspections.filter(scheduled_for__lt=now - datetime.timedelta(hours=8)):
                _carry_out(inspection, inspector, quality, rng)
                done += 1
        if category in ("maintenance", "it"):
            _lots(team, quality_manager, inspector, quality, rng, today)
    return done


def _lots(
    team: Any, manager: Any, inspector: Any, quality: float, rng: np.random.Generator, today: Any
) -> None:
    """Weekly lots of the work orders closed the week before, for the last eight weeks."""
    service_type = team.service_types[0]
    monday = today - datetime.timedelta(days=today.weekday())
    for weeks in range(8, 0, -1):
        first = monday - datetime.timedelta(weeks=weeks)
        last = first + datetime.timedelta(days=6)
        if len(lots.population(team.contract, service_type, first, last)) < 2:
            continue
        try:
            lot = lots.open_lot(
                user=manager,
                contract=team.contract,
                service_type=service_type,
                aql=Decimal("2.5"),
                first_day=first,
                last_day=last,
                description=f"{first:%m-%d} 至 {last:%m-%d} 关闭的工单",
            )
        except DomainError:  # inspection discontinued for a poor vendor: no more lots until it acts
            break
        defects = int(rng.binomial(lot.sample_size, max(0.0, 1 - quality) * 0.3))
        lots.decide(lot, inspector, min(defects, lot.sample_size), "抽样复核工单处理记录与现场结果")
