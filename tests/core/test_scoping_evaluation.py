"""Vendor scoping of the evaluation: KPIs, scorecards (drafts hidden from vendors), comments, settlements and their
statements, reward and penalty rules, consequence rules and consequences — every page, export and endpoint."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from oqms.core import audit
from oqms.kpis import rollups, scorecards, workflow
from oqms.settlements.models import Consequence, ConsequenceRule, PayRule, Settlement
from tests.core.helpers import api_client, listed_pks, page_client, xlsx_text
from tests.kpis.test_scorecards import define, resolve


@pytest.fixture
def evaluation(cast: Any) -> dict[str, Any]:
    define(cast, "fix", "first_time_fix_pct", "1")
    resolve(cast, 2)
    rollups.refresh_dirty()
    with audit.audit_context(actor=cast.qm):
        rule = PayRule.objects.create(
            contract=cast.contract_a,
            name="超时工单",
            kind="breached",
            clock="resolution",
            amount=Decimal("100"),
        )
        consequence_rule = ConsequenceRule.objects.create(
            name="连续两期 D", grades="D", periods=2, action="probation"
        )
    card = scorecards.compute(cast.contract_a, "month", timezone.localdate())
    draft = scorecards.compute(cast.contract_a, "month", timezone.localdate() - datetime.timedelta(days=40))
    card = workflow.publish(card, cast.qm)
    workflow.comment(card, cast.manager_a, "请核对")
    consequence = Consequence.objects.create(
        rule=consequence_rule, vendor=cast.vendor_a, scorecard=card, action="probation", grades="D → D"
    )
    return {
        "card": card,
        "draft": draft,
        "settlement": Settlement.objects.get(scorecard=card),
        "rule": rule,
        "consequence_rule": consequence_rule,
        "consequence": consequence,
        "kpi": card.results.get().kpi,
    }


LISTS = [  # (list url name, object key, API list path)
    ("kpis:kpi_list", "kpi", "/api/kpis/"),
    ("kpis:scorecard_list", "card", "/api/scorecards/"),
    ("settlements:settlement_list", "settlement", "/api/settlements/"),
    ("settlements:payrule_list", "rule", "/api/pay-rules/"),
    ("settlements:consequence_list", "consequence", "/api/consequences/"),
]


def _api_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]} if response.status_code == 200 else set()


@pytest.mark.parametrize("intruder", ["manager_b", "staff_b", "staff_a"])
def test_another_vendor_sees_nothing(cast: Any, evaluation: dict[str, Any], intruder: str) -> None:
    user = getattr(cast, intruder)
    client, api = page_client(user), api_client(user)
    for url_name, key, api_path in LISTS:
        obj = evaluation[key]
        listing = client.get(reverse(url_name))
        assert listing.status_code == 403 or obj.pk not in listed_pks(listing), url_name
        export = client.get(reverse(url_name.replace("_list", "_export")))
        assert export.status_code == 403 or cast.contract_a.number not in xlsx_text(export), url_name
        if intruder != "staff_a":  # staff of vendor A: no permission at all, but not another vendor's data
            assert client.get(obj.get_absolute_url()).status_code in {403, 404}, url_name
        assert obj.pk not in _api_ids(api.get(api_path)), api_path
        assert api.get(f"{api_path}{obj.pk}/").status_code in {403, 404}, api_path
    settlement, card = evaluation["settlement"], evaluation["card"]
    for url in (
        reverse("settlements:settlement_xlsx", args=[settlement.pk]),
        reverse("settlements:settlement_pdf", args=[settlement.pk]),
        reverse("settlements:for_scorecard", args=[card.pk]),
        reverse("kpis:comparison"),
        reverse("settlements:consequencerule_list"),
        evaluation["consequence_rule"].get_absolute_url(),
    ):
        assert client.get(url).status_code in {403, 404}, url
    for step in ("comment", "appeal", "accept", "approve"):
        assert (
            client.post(reverse("kpis:scorecard_step", args=[card.pk, step]), {"text": "x"}).status_code
            == 404
        )
        assert api.post(f"/api/scorecards/{card.pk}/{step}/", {"text": "x"}, format="json").status_code in {
            403,
            404,
        }
    assert api.get("/api/consequence-rules/").status_code == 403
    assert api.get(f"/api/kpis/{evaluation['kpi'].pk}/value/?from=2026-01-01&to=2026-01-31").status_code in {
        403,
        404,
    }


def test_the_vendor_sees_its_own_published_records_but_no_draft(
    cast: Any, evaluation: dict[str, Any]
) -> None:
    client, api = page_client(cast.manager_a), api_client(cast.manager_a)
    for url_name, key, api_path in LISTS:
        obj = evaluation[key]
        assert obj.pk in listed_pks(client.get(reverse(url_name))), url_name
        assert client.get(obj.get_absolute_url()).status_code == 200, url_name
        assert obj.pk in _api_ids(api.get(api_path)), api_path
    draft = evaluation["draft"]
    assert draft is not None and draft.status == "draft"
    assert draft.pk not in listed_pks(client.get(reverse("kpis:scorecard_list")))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert api.get(f"/api/scorecards/{draft.pk}/").status_code == 404
    draft_settlement = Settlement.objects.get(scorecard=draft)
    assert client.get(draft_settlement.get_absolute_url()).status_code == 404
    assert api.get(f"/api/settlements/{draft_settlement.pk}/").status_code == 404
    assert (
        client.get(reverse("settlements:settlement_pdf", args=[evaluation["settlement"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("kpis:comparison")).status_code == 403
    )  # other vendors' scores are not its business
    assert client.get(reverse("settlements:consequencerule_list")).status_code == 403
    assert client.get(cast.vendor_a.get_absolute_url()).status_code == 200
    # The rules that price its work are visible to it, not editable.
    assert api.patch(
        f"/api/pay-rules/{evaluation['rule'].pk}/", {"amount": "1"}, format="json"
    ).status_code in {403, 404}
