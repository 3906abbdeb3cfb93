"""The nonconformance and corrective action pages and endpoints: raising from a finding, a complaint or a missed
KPI; what each role may see and do; bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.capa import workflow
from oqms.capa.models import CorrectiveAction, Evidence, Nonconformance
from oqms.core import audit
from tests.capa.conftest import raise_nc, through_plan
from tests.core.helpers import PDF, TEXT, api_client, listed_pks, page_client, upload, xlsx_text


def failed_finding(cast: Any) -> Any:
    from oqms.inspections import services
    from oqms.inspections.models import Finding
    from tests.inspections.conftest import build_checklist
    from tests.inspections.test_services import _answer_all, _inspection

    inspection = _inspection(cast, build_checklist(cast))
    services.start(inspection, cast.inspector)
    _answer_all(cast, inspection, 消防通道畅通="fail")
    services.complete(inspection, cast.inspector)
    return Finding.objects.get(item__text="消防通道畅通")


def assigned_complaint(cast: Any, severity: str = "high") -> Any:
    from oqms.feedback import services
    from oqms.feedback import workflow as complaints

    complaint, _token, _merged = services.submit(
        channel="hotline",
        site=cast.site,
        kind="complaint",
        description="会议室投影仪坏了三天没人修",
        logged_by=cast.qm,
    )
    complaint.severity = severity
    complaint.save()
    return complaints.assign(complaint, cast.qm, cast.contract_a)


def missed_kpi_result(cast: Any) -> Any:
    from oqms.kpis import rollups, scorecards
    from oqms.kpis.models import KPI

    with audit.audit_context(actor=cast.qm, source="test"):
        KPI.objects.create(
            contract=cast.contract_a,
            code="completion",
            name="工单完成率",
            measure="completion_pct",
            unit="%",
            target=Decimal("95"),
            minimum=Decimal("80"),
            effective_from=datetime.date(2020, 1, 1),
        )
    rollups.refresh_dirty()
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    return card.results.get(kpi__code="completion")


def test_a_nonconformance_is_raised_from_a_finding_on_its_page(cast: Any, category: Any) -> None:
    finding = failed_finding(cast)
    inspector = page_client(cast.inspector)
    page = inspector.get(finding.get_absolute_url())
    create = reverse("capa:nonconformance_create") + f"?source=inspections.finding%3A{finding.pk}"
    assert create in page.content.decode()
    form = inspector.get(create).context["form"]
    assert form.initial["vendor"] == cast.vendor_a and form.initial["severity"] == "critical"
    assert form.initial["source"] == f"inspections.finding:{finding.pk}"
    answer = inspector.post(
        create.split("?")[0],
        {
            "source": f"inspections.finding:{finding.pk}",
            "title": "消防通道堆放杂物",
            "description": finding.description,
            "vendor": cast.vendor_a.pk,
            "contract": cast.contract_a.pk,
            "site": cast.site.pk,
            "category": category.pk,
            "severity": "critical",
            "containment": "立即清理通道",
            "file": upload("photo.pdf", PDF),
        },
    )
    assert answer.status_code == 302, answer.context["form"].errors
    nc = Nonconformance.objects.get()
    assert answer["Location"] == nc.get_absolute_url()
    assert nc.source == "inspection" and nc.source_object() == finding and nc.raised_by == cast.inspector
    assert nc.owner is None  # an inspector raises; a quality manager owns
    assert Evidence.objects.get().nonconformance == nc
    # the finding's page lists it; the nonconformance links back to the inspection's finding
    assert nc.number in inspector.get(finding.get_absolute_url()).content.decode()
    assert finding.get_absolute_url() in page_client(cast.qm).get(nc.get_absolute_url()).content.decode()


def test_raising_from_a_complaint_and_from_a_missed_kpi(cast: Any, category: Any) -> None:
    qm = page_client(cast.qm)
    complaint = assigned_complaint(cast)
    page = qm.get(complaint.get_absolute_url()).content.decode()
    assert f"source=feedback.complaint%3A{complaint.pk}" in page
    initial = qm.get(reverse("capa:nonconformance_create") + f"?source=feedback.complaint:{complaint.pk}")
    assert initial.context["form"].initial["severity"] == "critical"  # a high complaint
    result = missed_kpi_result(cast)
    assert result.value == 0.0
    card_page = qm.get(result.scorecard.get_absolute_url()).content.decode()
    assert f"source=kpis.kpiresult%3A{result.pk}" in card_page
    form = qm.get(reverse("capa:nonconformance_create") + f"?source=kpis.kpiresult:{result.pk}").context[
        "form"
    ]
    assert form.initial["severity"] == "major"  # 0 % is below the minimum of 80 %
    assert "工单完成率" in form.initial["description"]
    with audit.audit_context(actor=cast.qm):
        from oqms.capa import services

        nc = services.raise_nonconformance(
            cast.qm,
            title=form.initial["title"],
            description=form.initial["description"],
            vendor=cast.vendor_a,
            category=category,
            severity="major",
            source=services.find_source(f"kpis.kpiresult:{result.pk}", cast.qm),
        )
    assert nc.source == "kpi" and nc.source_label.startswith("工单完成率")
    assert nc.number in qm.get(result.scorecard.get_absolute_url()).content.decode()


def test_a_source_the_user_may_not_see_or_that_is_no_problem_is_refused(cast: Any, category: Any) -> None:
    from oqms.capa import services
    from oqms.core.errors import DomainError

    finding = failed_finding(cast)
    for text in (
        "inspections.finding:999999",
        "accounts.user:1",
        "nonsense",
        f"inspections.finding:{finding.pk}x",
    ):
        with pytest.raises(DomainError):
            services.find_source(text, cast.qm)
    with pytest.raises(DomainError):  # a vendor's manager sees the finding but may not raise
        services.raise_nonconformance(
            cast.manager_a,
            title="t",
            description="d",
            vendor=cast.vendor_a,
            category=category,
            severity="minor",
            source=finding,
        )
    from oqms.feedback import services as feedback

    unrouted, _t, _m = feedback.submit(
        channel="hotline", site=cast.site, kind="complaint", description="x", logged_by=cast.qm
    )
    with pytest.raises(DomainError):
        services.defaults_from(unrouted)
    # the page answers a bad source with a clear error and raises nothing
    answer = page_client(cast.qm).post(
        reverse("capa:nonconformance_create"),
        {
            "source": "inspections.finding:999999",
            "title": "x",
            "description": "y",
            "vendor": cast.vendor_a.pk,
            "category": category.pk,
            "severity": "minor",
        },
    )
    assert answer.status_code == 400 and "not recognised" in answer.content.decode()
    assert not Nonconformance.objects.exists()


def test_bad_input_on_the_raise_page_changes_nothing(cast: Any, category: Any) -> None:
    qm = page_client(cast.qm)
    url = reverse("capa:nonconformance_create")
    base = {
        "title": "地面湿滑",
        "description": "未放警示牌",
        "vendor": cast.vendor_a.pk,
        "category": category.pk,
        "severity": "major",
    }
    for bad in (
        {"severity": "apocalyptic"},
        {"contract": cast.contract_b.pk},
        {"title": ""},
        {"file": upload("evil.pdf", TEXT)},
        {"detected_at": "next tuesday"},
    ):
        answer = qm.post(url, base | bad)
        assert answer.status_code == 400, bad
        assert answer.context["form"].errors, bad
    assert not Nonconformance.objects.exists() and not Evidence.objects.exists()
    assert qm.post(url, base).status_code == 302


def test_every_capa_page_and_endpoint_is_scoped_to_the_vendor(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    scar = workflow.issue(nc, cast.qm)
    workflow.comment(scar, cast.qm, "请尽快确认")
    with audit.audit_context(actor=cast.qm):
        evidence = Evidence.objects.create(
            nonconformance=nc, scar=scar, file=upload("report.pdf", PDF), uploaded_by=cast.qm
        )
    records = {"nonconformance": nc, "correctiveaction": scar}
    for intruder in (cast.manager_b, cast.staff_a, cast.staff_b, cast.requester):
        client = page_client(intruder)
        for name, obj in records.items():
            listing = client.get(reverse(f"capa:{name}_list"))
            assert listing.status_code == 403 or obj.pk not in listed_pks(listing), (intruder, name)
            export = client.get(reverse(f"capa:{name}_export"))
            assert export.status_code == 403 or nc.number not in xlsx_text(export), (intruder, name)
            assert client.get(obj.get_absolute_url()).status_code in {403, 404}, (intruder, name)
        for action in ("contain", "close", "cancel", "issue", "evidence"):
            answer = client.post(reverse("capa:nonconformance_step", args=[nc.pk, action]), {"note": "x"})
            assert answer.status_code in {302, 403, 404}
        for action in ("acknowledge", "comment", "evidence", "cancel"):
            answer = client.post(
                reverse("capa:correctiveaction_step", args=[scar.pk, action]), {"note": "x", "text": "x"}
            )
            assert answer.status_code in {403, 404}, (intruder, action)
        assert client.get(evidence.file.url).status_code in {403, 404}
        api = api_client(intruder)
        assert api.get(f"/api/nonconformances/{nc.pk}/").status_code in {403, 404}
        assert api.get(f"/api/corrective-actions/{scar.pk}/").status_code in {403, 404}
        listed = api.get("/api/corrective-actions/")
        assert listed.status_code == 403 or listed.json()["count"] == 0
        assert api.post(f"/api/corrective-actions/{scar.pk}/acknowledge/", {}).status_code in {403, 404}
    scar.refresh_from_db()
    nc.refresh_from_db()
    assert scar.status == "issued" and nc.status == "action" and scar.comments.count() == 1
    # vendor A's manager sees both, the file, the conversation, and acts
    owner = page_client(cast.manager_a)
    for name, obj in records.items():
        assert obj.pk in listed_pks(owner.get(reverse(f"capa:{name}_list"))), name
    page = owner.get(scar.get_absolute_url()).content.decode()
    assert "请尽快确认" in page and evidence.file.url in page
    assert owner.get(evidence.file.url).status_code == 200
    assert (
        api_client(cast.manager_a).post(f"/api/corrective-actions/{scar.pk}/acknowledge/", {}).status_code
        == 200
    )


def test_the_permission_matrix(cast: Any) -> None:
    """Who may do what with nonconformances and corrective actions, role by role."""
    expected = {
        "qm": {
            "view_nonconformance",
            "add_nonconformance",
            "add_correctiveaction",
            "change_correctiveaction",
        },
        "admin": {
            "view_nonconformance",
            "add_nonconformance",
            "add_correctiveaction",
            "change_correctiveaction",
        },
        "inspector": {"view_nonconformance", "add_nonconformance", "view_correctiveaction"},
        "assessor": {"view_nonconformance", "add_nonconformance", "view_correctiveaction", "add_scarcomment"},
        "manager_a": {
            "view_nonconformance",
            "view_correctiveaction",
            "change_correctiveaction",
            "add_actionitem",
        },
        "staff_a": set(),
        "requester": set(),
    }
    checked = {
        "view_nonconformance",
        "add_nonconformance",
        "change_nonconformance",
        "view_correctiveaction",
        "add_correctiveaction",
        "change_correctiveaction",
        "add_actionitem",
        "add_scarcomment",
        "change_duerule",
    }
    for name, allowed in expected.items():
        user = getattr(cast, name)
        have = {perm for perm in checked if user.has_perm(f"capa.{perm}")}
        if name in ("qm", "admin"):
            allowed = allowed | {
                "change_nonconformance",
                "change_duerule",
                "add_scarcomment",
                "view_correctiveaction",
            }
        if name == "manager_a":
            allowed = allowed | {"add_scarcomment"}
        assert have == allowed, name


def test_the_steps_through_the_pages_with_a_refused_one(cast: Any, category: Any) -> None:
    nc = raise_nc(cast, category)
    qm, vendor = page_client(cast.qm, "zh-hans"), page_client(cast.manager_a, "zh-hans")
    answer = qm.post(
        reverse("capa:nonconformance_step", args=[nc.pk, "issue"]),
        {"requirements": "请整改", "verify_after_days": "0"},
    )
    scar = CorrectiveAction.objects.get()
    assert answer["Location"] == scar.get_absolute_url() and scar.verify_after_days == 0
    # the vendor cannot verify; the refusal is a message, nothing changes
    refused = vendor.post(
        reverse("capa:correctiveaction_step", args=[scar.pk, "verify"]),
        {"effective": "yes", "note": "ok"},
        follow=True,
    )
    assert "当前无法执行此步骤。" in refused.content.decode()
    scar = through_plan(cast, scar)
    step = reverse("capa:correctiveaction_step", args=[scar.pk, "implement"])
    page = vendor.post(step, {"note": "已完成"}, follow=True).content.decode()
    assert "计划中还有措施未完成。" in page
    for item in scar.items.all():
        vendor.post(
            reverse("capa:correctiveaction_step", args=[scar.pk, "complete_item"]),
            {"item": item.pk, "note": "已执行"},
        )
    vendor.post(step, {"note": "已完成整改"})
    scar.refresh_from_db()
    assert scar.status == "implemented"
    qm.post(
        reverse("capa:correctiveaction_step", args=[scar.pk, "verify"]), {"effective": "yes", "note": "有效"}
    )
    scar.refresh_from_db()
    assert scar.status == "closed"


def test_the_api_raises_and_takes_the_vendor_steps(cast: Any, category: Any) -> None:
    qm, vendor = api_client(cast.qm), api_client(cast.manager_a)
    body = {
        "title": "夜间保安脱岗",
        "description": "02:10 巡查发现 2 号岗无人",
        "vendor": cast.vendor_a.pk,
        "category": category.pk,
        "severity": "critical",
    }
    assert qm.post("/api/nonconformances/", body | {"severity": "fatal"}, format="json").status_code == 400
    assert (
        qm.post("/api/nonconformances/", body | {"contract": cast.contract_b.pk}, format="json").status_code
        == 400
    )
    assert vendor.post("/api/nonconformances/", body, format="json").status_code == 403
    assert not Nonconformance.objects.exists()
    created = qm.post("/api/nonconformances/", body, format="json")
    assert created.status_code == 201 and created.json()["severity"] == "critical"
    nc_id = created.json()["id"]
    issued = qm.post(f"/api/nonconformances/{nc_id}/issue/", {"verify_after_days": 0}, format="json")
    assert issued.status_code == 201
    scar = issued.json()["id"]
    assert qm.post(f"/api/corrective-actions/{scar}/acknowledge/", {}, format="json").status_code == 409
    assert vendor.post(f"/api/corrective-actions/{scar}/acknowledge/", {}, format="json").status_code == 200
    bad = vendor.post(
        f"/api/corrective-actions/{scar}/analyse/",
        {"whys": [], "category": "method", "root_cause": "x"},
        format="json",
    )
    assert bad.status_code in {400, 409}
    done = vendor.post(
        f"/api/corrective-actions/{scar}/analyse/",
        {"whys": ["岗位无人替班"], "category": "manpower", "root_cause": "夜班无替班"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "analysed"
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    added = vendor.post(
        f"/api/corrective-actions/{scar}/add_item/",
        {"kind": "corrective", "description": "增设夜班替班", "owner_name": "赵队长", "due_date": due},
        format="json",
    )
    assert added.status_code == 200 and len(added.json()["items"]) == 1
    assert (
        vendor.post(f"/api/corrective-actions/{scar}/submit_plan/", {}, format="json").json()["status"]
        == "planned"
    )
    item = added.json()["items"][0]["id"]
    vendor.post(
        f"/api/corrective-actions/{scar}/complete_item/", {"item": item, "note": "已排班"}, format="json"
    )
    assert (
        vendor.post(
            f"/api/corrective-actions/{scar}/implement/", {"note": "已执行"}, format="json"
        ).status_code
        == 200
    )
    assert (
        vendor.post(
            f"/api/corrective-actions/{scar}/verify/", {"effective": True, "note": "x"}, format="json"
        ).status_code
        == 409
    )
    closed = qm.post(
        f"/api/corrective-actions/{scar}/verify/",
        {"effective": True, "note": "抽查三晚均在岗"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
