"""The fixed cast every test uses (after Healthchecks' Alice/Bob/Charlie).

- ``qm``: quality manager; ``admin``: administrator; ``requester``; ``inspector``
- ``vendor_a`` / ``vendor_b`` with their managers ``manager_a`` / ``manager_b`` and staff ``staff_a`` / ``staff_b``
- ``assessor``: third-party assessor scoped to vendor A, access until tomorrow
- one active contract per vendor covering ``site`` with ``service_type``, SLA targets P1–P4
- ``wo_a`` / ``wo_b``: one new work order per vendor raised by ``requester``
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

PASSWORD = "Oqms-test-2026!"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any, tmp_path: Any) -> None:
    # Tests render templates without running collectstatic first, and write uploads to a temp folder.
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client builds its own middleware; without autorefresh WhiteNoise would scan all static files
    # (~1,100) each time. With it, files are looked up when asked for, as in development.
    settings.WHITENOISE_AUTOREFRESH = True


@dataclass
class Cast:
    qm: Any
    admin: Any
    requester: Any
    inspector: Any
    assessor: Any
    vendor_a: Any
    vendor_b: Any
    manager_a: Any
    manager_b: Any
    staff_a: Any
    staff_b: Any
    org_unit: Any
    site: Any
    category: Any
    service_type: Any
    contract_a: Any
    contract_b: Any
    wo_a: Any
    wo_b: Any


# Valid unified social credit codes (check characters computed by oqms.engine.identifiers).
CODE_A = "91350100M000100Y43"
CODE_B = "91110000600037341L"


def make_user(username: str, role: str, vendor: Any = None, **extra: Any) -> Any:
    from oqms.accounts.models import User
    from oqms.accounts.services import save_user

    user = User(
        username=username, role=role, vendor=vendor, display_name=username.replace("_", " ").title(), **extra
    )
    return save_user(user, PASSWORD)


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


def build_cast() -> Cast:
    from oqms.contracts import sla
    from oqms.contracts.models import Contract, ServiceType, SLATarget
    from oqms.core import audit
    from oqms.org.models import OrgUnit, Site
    from oqms.vendors.models import ServiceCategory, Vendor
    from oqms.workorders import services

    with audit.audit_context(source="test"):
        org_unit = OrgUnit.objects.create(code="HQ", name="总部")
        site = Site.objects.create(
            code="SH-01", name="上海张江园区", org_unit=org_unit, address="上海市浦东新区"
        )
        category = ServiceCategory.objects.create(code="it", name="IT 支持", name_en="IT support")
        service_type = ServiceType.objects.create(
            code="desktop", name="桌面支持", name_en="Desktop support", category=category
        )
        vendor_a = Vendor.objects.create(
            name="甲服务有限公司", short_name="甲服务", credit_code=CODE_A, status="active"
        )
        vendor_b = Vendor.objects.create(
            name="乙服务有限公司", short_name="乙服务", credit_code=CODE_B, status="active"
        )
        today = timezone.localdate()
        contracts = []
        start = timezone.now() - datetime.timedelta(days=200)
        for number, vendor in (("C-A-001", vendor_a), ("C-B-001", vendor_b)):
            with sla.publisher.deferred(
                at=start
            ):  # one SLA policy version, in force since the contract began
                contract = Contract.objects.create(
                    number=number,
                    vendor=vendor,
                    title=f"{vendor.short_name} IT 运维",
                    status="active",
                    start_date=today - datetime.timedelta(days=200),
                    end_date=today + datetime.timedelta(days=165),
                    monthly_fee=Decimal("120000.00"),
                )
                contract.org_units.add(org_unit)
                contract.sites.add(site)
                contract.service_types.add(service_type)
                for priority, response, resolution in (
                    ("P1", 30, 240),
                    ("P2", 60, 480),
                    ("P3", 120, 1440),
                    ("P4", 240, 4320),
                ):
                    SLATarget.objects.create(
                        contract=contract,
                        priority=priority,
                        response_minutes=response,
                        resolution_minutes=resolution,
                    )
            contracts.append(contract)
        requester = make_user("requester", "requester", org_unit=org_unit)
        cast = Cast(
            qm=make_user("qm", "quality_manager"),
            admin=make_user("admin", "admin"),
            requester=requester,
            inspector=make_user("inspector", "inspector"),
            assessor=make_user(
                "assessor", "assessor", access_expires_at=timezone.now() + datetime.timedelta(days=1)
            ),
            vendor_a=vendor_a,
            vendor_b=vendor_b,
            manager_a=make_user("manager_a", "vendor_manager", vendor_a),
            manager_b=make_user("manager_b", "vendor_manager", vendor_b),
            staff_a=make_user("staff_a", "vendor_staff", vendor_a),
            staff_b=make_user("staff_b", "vendor_staff", vendor_b),
            org_unit=org_unit,
            site=site,
            category=category,
            service_type=service_type,
            contract_a=contracts[0],
            contract_b=contracts[1],
            wo_a=services.create(
                requester=requester,
                contract=contracts[0],
                site=site,
                service_type=service_type,
                priority="P2",
                title="打印机卡纸",
                description="三楼打印机",
            ),
            wo_b=services.create(
                requester=requester,
                contract=contracts[1],
                site=site,
                service_type=service_type,
                priority="P3",
                title="电脑无法开机",
            ),
        )
        cast.assessor.scope_vendors.add(vendor_a)
    return cast


@pytest.fixture
def login(client: Any) -> Any:
    """``login(user)`` signs the test client in as that user and returns it."""

    def _login(user: Any) -> Any:
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api(db: Any) -> Any:
    """``api(user)``: a DRF client authenticated as that user (or anonymous with None)."""
    from rest_framework.test import APIClient

    def _client(user: Any = None) -> Any:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client
