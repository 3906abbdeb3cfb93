"""Demo feedback: a category tree, a QR feedback point per site (and a washroom and a service desk at some), and
three months of complaints and praise taken in through the real intake and moved through the workflow."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from django.utils import timezone

from oqms.accounts.models import User
from oqms.feedback import services, workflow
from oqms.feedback.models import ComplaintCategory, FeedbackPoint

# (code, name, English, service type code, severity, [(complaint texts)], [(praise texts)])
CATEGORIES = [
    (
        "it",
        "IT 服务",
        "IT service",
        "desktop",
        "medium",
        ["电脑蓝屏，报修两天没人来", "会议室投屏连不上", "VPN 经常断线"],
        ["工程师上门很快，耐心讲解"],
    ),
    (
        "hvac",
        "空调与环境",
        "Air conditioning",
        "hvac",
        "medium",
        ["办公区空调太冷", "空调出风口滴水", "会议室闷热"],
        ["空调维修师傅很专业"],
    ),
    (
        "cleaning",
        "保洁",
        "Cleaning",
        "office-cleaning",
        "low",
        ["卫生间没有纸巾", "茶水间垃圾没清", "地面湿滑没有警示牌"],
        ["保洁阿姨很认真，卫生间一直很干净"],
    ),
    (
        "security",
        "安保",
        "Security",
        "guard",
        "high",
        ["访客登记太慢，排队很久", "夜间巡逻没看到人"],
        ["门岗保安主动帮忙搬东西"],
    ),
]


def build(world: Any, rng: np.random.Generator) -> int:
    qm = User.objects.filter(role="quality_manager").order_by("pk").first()
    if qm is None or not world.sites:
        return 0
    categories = []
    for position, (code, name, english, service_code, severity, complaints, praise) in enumerate(CATEGORIES):
        category = ComplaintCategory.objects.create(
            code=code,
            name=name,
            name_en=english,
            service_type=world.service_types.get(service_code),
            severity=severity,
            position=position,
        )
        categories.append((category, complaints, praise))
    points = []
    for number, site in enumerate(world.sites.values()):
        points.append(
            FeedbackPoint.objects.create(site=site, token=f"demo{number:02d}{rng.integers(10**8):08d}")
        )
        if number % 3 == 0:
            points.append(
                FeedbackPoint.objects.create(
                    site=site,
                    name="3 楼卫生间",
                    service_type=world.service_types.get("office-cleaning"),
                    token=f"demo{number:02d}wc{rng.integers(10**8):08d}",
                )
            )
    now = timezone.now()
    made = 0
    for k in range(90):
        point = points[int(rng.integers(len(points)))]
        category, complaints, praise = categories[int(rng.integers(len(categories)))]
        is_praise = rng.random() < 0.2
        text = (praise if is_praise else complaints)[
            int(rng.integers(len(praise if is_praise else complaints)))
        ]
        phone = f"13{int(rng.integers(10**9)):09d}" if rng.random() < 0.6 else ""
        at = now - datetime.timedelta(minutes=int(rng.integers(60, 90 * 24 * 60)))
        complaint, _token, merged = services.submit(
            channel="qr" if rng.random() < 0.8 else "hotline",
            site=point.site,
            point=point,
            kind="praise" if is_praise else "complaint",
            category=category,
            description=f"{text}（{k + 1}）",
            phone=phone,
            source=f"198.51.100.{k}",
            logged_by=qm if rng.random() < 0.2 else None,
            at=at,
        )
        made += not merged
        if complaint.status != "assigned":
            continue
        manager = User.objects.filter(role="vendor_manager", vendor_id=complaint.vendor_id).first()
        if manager is None:
            continue
        stage = rng.random()
        if stage < 0.15:
            continue  # still waiting for the vendor
        responded = min(at + datetime.timedelta(minutes=int(rng.integers(20, 600))), now)
        workflow.respond(complaint, manager, "已收到，安排人员跟进", at=responded)
        if stage < 0.3:
            continue
        resolved = min(responded + datetime.timedelta(minutes=int(rng.integers(30, 2000))), now)
        workflow.resolve(complaint, manager, "已现场处理完毕", at=resolved)
        if stage < 0.8:
            workflow.confirm(complaint, at=min(resolved + datetime.timedelta(hours=2), now))
        elif stage < 0.9:
            workflow.reopen(complaint, "问题又出现了", at=min(resolved + datetime.timedelta(hours=5), now))
    workflow.escalate_overdue(now)
    return made
