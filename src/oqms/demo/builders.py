"""Reference records of the demo: org units, sites, catalogue, vendors, contracts, SLA targets and logins.

Saved one by one through the models (and ``save_user``), so each gets its audit entry; there are only a few
hundred of them.
"""

from __future__ import annotations

import datetime
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from oqms.accounts.models import User
from oqms.accounts.services import save_user
from oqms.contracts import sla
from oqms.contracts.models import Contract, EscalationLevel, ServiceType, SLATarget
from oqms.demo import data
from oqms.engine.identifiers import USCC_ALPHABET, uscc_check_character
from oqms.org.models import OrgUnit, Site
from oqms.vendors.models import QualificationDocument, ServiceCategory, Vendor, VendorContact

CONTRACT_START_DAYS = 205  # contracts started before the six months of work orders
CONTRACT_YEARS = 2


@dataclass
class VendorTeam:
    spec: data.VendorSpec
    vendor: Vendor
    contract: Contract
    manager: User
    staff: list[User]
    sites: list[Site]
    service_types: list[ServiceType]
    contract_targets: dict[str, tuple[int, int]] = field(default_factory=dict)  # priority -> minutes


@dataclass
class World:
    """Everything the work order generator needs, by code."""

    org_units: dict[str, OrgUnit] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    categories: dict[str, ServiceCategory] = field(default_factory=dict)
    service_types: dict[str, ServiceType] = field(default_factory=dict)
    teams: list[VendorTeam] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    contract_serials: dict[str, int] = field(default_factory=dict)
    calendars: dict[str, Any] = field(default_factory=dict)

    def requesters(self) -> list[User]:
        return [u for u in self.users if u.role == "requester"]


def build_world(rng: np.random.Generator) -> World:
    world = World()
    build_calendars(world)
    build_org(world)
    build_catalogue(world)
    password_hash = make_password(data.PASSWORD)  # hashed once: PBKDF2 per user would take seconds
    for spec in data.VENDORS:
        world.teams.append(build_vendor(world, spec, rng, password_hash))
    build_internal_users(world, password_hash)
    assign_responsibilities(world)
    return world


# Categories whose service runs round the clock: their SLAs count every hour, the others count working hours.
ROUND_THE_CLOCK = {"security", "maintenance"}
CALENDARS_SINCE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def build_calendars(world: World) -> None:
    """The China working-day calendar (the default: office hours, statutory holidays and make-up days of this year
    and the last) and a round-the-clock one, both in force since 2020 so that every demo work order uses them."""
    from oqms.calendars import services as calendars
    from oqms.calendars.models import Calendar

    year = timezone.localdate().year
    with calendars.publisher.deferred(at=CALENDARS_SINCE):
        office = Calendar.objects.create(
            code="cn-office",
            name="中国工作日（9:00–18:00）",
            is_default=True,
            description="周一至周五 9:00–12:00、13:00–18:00，法定节假日休息，调休日上班。",
        )
        for import_year in (year - 1, year):
            if import_year in calendars.engine.CHINA_HOLIDAY_YEARS:
                calendars.import_statutory_year(office, import_year)
        Calendar.objects.create(
            code="24x7",
            name="全天候 7×24",
            region="",
            weekly_hours={str(day): [["00:00", "24:00"]] for day in range(7)},
            description="安保、设备维保等全天候服务：每天 24 小时计时，节假日照常。",
        )
    world.calendars = {c.code: c for c in Calendar.objects.all()}


def assign_responsibilities(world: World) -> None:
    """Contract owners and department heads: who SLA escalations reach."""
    qm = next(u for u in world.users if u.role == "quality_manager")
    heads = {u.org_unit_id: u for u in world.users if u.role == "requester" and u.org_unit_id}
    Contract.objects.filter(pk__in=[t.contract.pk for t in world.teams]).update(owner=qm)
    for unit in world.org_units.values():
        head = heads.get(unit.pk)
        if head is not None:
            OrgUnit.objects.filter(pk=unit.pk).update(head=head)


def build_org(world: World) -> None:
    for code, name, parent, description in data.ORG_UNITS:
        world.org_units[code] = OrgUnit.objects.create(
            code=code, name=name, parent=world.org_units.get(parent or ""), description=description
        )
    for code, name, unit, city, address in data.SITES:
        world.sites[code] = Site.objects.create(
            code=code,
            name=name,
            org_unit=world.org_units[unit],
            city=city,
            address=address,
            time_zone="Asia/Shanghai",
        )


def build_catalogue(world: World) -> None:
    for code, name, name_en, _abbr in data.CATEGORIES:
        world.categories[code] = ServiceCategory.objects.create(code=code, name=name, name_en=name_en)
    for code, category, name, name_en, description in data.SERVICE_TYPES:
        world.service_types[code] = ServiceType.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            category=world.categories[category],
            description=description,
        )


def credit_code(division: str, rng: np.random.Generator) -> str:
    """A valid unified social credit code: 91 (enterprise), the division, MA + 7 characters, the check."""
    letters = "".join(USCC_ALPHABET[i] for i in rng.integers(0, len(USCC_ALPHABET), size=7))
    first17 = f"91{division}MA{letters}"
    return first17 + uscc_check_character(first17)


def build_vendor(
    world: World, spec: data.VendorSpec, rng: np.random.Generator, password_hash: str
) -> VendorTeam:
    code = credit_code(spec.division, rng)
    vendor = Vendor.objects.create(
        name=spec.name,
        short_name=spec.short_name,
        credit_code=code,
        status=spec.status,
        address=spec.address,
        website=f"https://www.{spec.code}.com.cn",
        description=f"{spec.short_name}：{'、'.join(world.categories[c].name for c in spec.categories)}服务商",
    )
    vendor.categories.set([world.categories[c] for c in spec.categories])
    for index, (name, title, phone) in enumerate(spec.contacts):
        VendorContact.objects.create(
            vendor=vendor,
            name=name,
            title=title,
            phone=phone,
            email=f"contact{index + 1}@{spec.code}.com.cn",
            is_primary=index == 0,
        )
    build_documents(vendor, spec)
    sites = [s for s in world.sites.values() if s.org_unit.code in spec.org_units]
    types = [world.service_types[t] for t in spec.service_types]
    contract = build_contract(world, vendor, spec, sites, types)
    manager, staff = build_vendor_users(vendor, spec, password_hash, first=not world.teams)
    world.users += [manager, *staff]
    return VendorTeam(spec, vendor, contract, manager, staff, sites, types)


def build_documents(vendor: Vendor, spec: data.VendorSpec) -> None:
    today = timezone.localdate()
    QualificationDocument.objects.create(
        vendor=vendor,
        doc_type="business_licence",
        number=vendor.credit_code,
        issuer=data.REGISTRIES[spec.division],
        valid_from=today - datetime.timedelta(days=2900),
        valid_to=None,
    )
    for index, (doc_type, issuer, days) in enumerate(spec.documents):
        valid_to = None if days is None else today + datetime.timedelta(days=days)
        valid_from = (valid_to or today) - datetime.timedelta(days=3 * 365)
        QualificationDocument.objects.create(
            vendor=vendor,
            doc_type=doc_type,
            number=f"{spec.code[:3].upper()}{valid_from:%y}{index + 1:02d}{vendor.credit_code[-5:]}",
            issuer=issuer,
            valid_from=valid_from,
            valid_to=valid_to,
        )


def contract_number(year: int, category: str, serials: dict[str, int]) -> str:
    abbreviation = data.CATEGORY_ABBREVIATIONS[category]
    serials[abbreviation] = serials.get(abbreviation, 0) + 1
    return f"HT-{year}-{abbreviation}-{serials[abbreviation]:03d}"


def build_contract(
    world: World, vendor: Vendor, spec: data.VendorSpec, sites: list[Site], types: list[ServiceType]
) -> Contract:
    start = timezone.localdate() - datetime.timedelta(days=CONTRACT_START_DAYS)
    start = start.replace(day=1)
    end = start.replace(year=start.year + CONTRACT_YEARS) - datetime.timedelta(days=1)
    category = spec.categories[0]
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=datetime.UTC)
    with sla.publisher.deferred(at=since):  # the SLA policy is in force from the contract's start
        return _contract(world, vendor, spec, sites, types, start, end, category)


def _contract(
    world: World,
    vendor: Vendor,
    spec: data.VendorSpec,
    sites: list[Site],
    types: list[ServiceType],
    start: datetime.date,
    end: datetime.date,
    category: str,
) -> Contract:
    contract = Contract.objects.create(
        sla_calendar=world.calendars["24x7"] if category in ROUND_THE_CLOCK else None,
        number=contract_number(start.year, category, world.contract_serials),
        vendor=vendor,
        status="active",
        title=f"{spec.short_name}{world.categories[category].name}服务合同",
        start_date=start,
        end_date=end,
        monthly_fee=Decimal(spec.fee),
        description="服务范围："
        + "、".join(t.name for t in types)
        + "；覆盖"
        + "、".join(s.name for s in sites),
    )
    contract.org_units.set([world.org_units[u] for u in spec.org_units])
    contract.sites.set(sites)
    contract.service_types.set(types)
    for priority, (response, resolution) in zip(data.PRIORITIES, data.SLA[category], strict=True):
        SLATarget.objects.create(
            contract=contract, priority=priority, response_minutes=response, resolution_minutes=resolution
        )
    for percent, audience in ((150, "department_head"), (200, "quality_managers")):
        EscalationLevel.objects.create(
            contract=contract, clock="resolution", percent=percent, audience=audience
        )
    return contract


def new_user(username: str, role: str, display_name: str, password_hash: str, **extra: Any) -> User:
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        password=password_hash,
        email=f"{username}@demo.oqms.cn",
        **extra,
    )
    return save_user(user)


def build_vendor_users(
    vendor: Vendor, spec: data.VendorSpec, password_hash: str, first: bool
) -> tuple[User, list[User]]:
    manager_name = "vendor_manager" if first else f"{spec.code}_manager"
    manager = new_user(
        manager_name,
        "vendor_manager",
        spec.contacts[0][0],
        password_hash,
        vendor=vendor,
        phone=spec.contacts[0][2],
    )
    staff = []
    for index, name in enumerate(spec.staff, start=1):
        username = "vendor_staff" if first and index == 1 else f"{spec.code}_staff{index}"
        phone = f"139{zlib.crc32(f'{spec.code}-{index}'.encode()) % 10**8:08d}"
        staff.append(new_user(username, "vendor_staff", name, password_hash, vendor=vendor, phone=phone))
    return manager, staff


def build_internal_users(world: World, password_hash: str) -> None:
    now = timezone.now()
    for username, role, name, unit, phone in data.INTERNAL_USERS:
        extra: dict[str, Any] = {"org_unit": world.org_units.get(unit or ""), "phone": phone}
        if role == "assessor":
            extra["access_expires_at"] = now + datetime.timedelta(days=data.ASSESSOR_DAYS)
        user = new_user(username, role, name, password_hash, **extra)
        if role == "assessor":
            user.scope_vendors.set([t.vendor for t in world.teams if t.spec.code in data.ASSESSOR_VENDORS])
        world.users.append(user)
