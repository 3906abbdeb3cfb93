from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from oqms.contracts import sla
from oqms.contracts.models import Contract, SLATarget
from oqms.core import audit


@pytest.fixture
def history(cast: Any) -> Any:
    return add_history(cast)


def add_history(cast: Any) -> Any:
    """Contract A's vendor also held contract H-2016 for the site and service type, in force through 2016 (the
    period of the ServiceNow export in ../shared/data/itsm/)."""
    start = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    with audit.audit_context(source="test"), sla.publisher.deferred(at=start):
        contract = Contract.objects.create(
            number="H-2016",
            vendor=cast.vendor_a,
            title="2016 IT 运维",
            status="expired",
            start_date=datetime.date(2015, 1, 1),
            end_date=datetime.date(2017, 12, 31),
            monthly_fee=Decimal("80000.00"),
        )
        contract.sites.add(cast.site)
        contract.service_types.add(cast.service_type)
        contract.org_units.add(cast.org_unit)
        for priority, response, resolution in (
            ("P1", 30, 240),
            ("P2", 60, 480),
            ("P3", 120, 1440),
            ("P4", 240, 4320),
        ):
            SLATarget.objects.create(
                contract=contract, priority=priority, response_minutes=response, resolution_minutes=resolution
            )
    cast.history = contract
    return cast


def csv_file(text: str, name: str = "tickets.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))
