"""Feedback without a login: the QR page, abuse protection (honeypot, rate limits, size limits, repeats merged,
inert text), the complainant's private link, encrypted and masked phone numbers, logged reveals, retention,
the hotline form and the QR sheets."""

from __future__ import annotations

import datetime
import io
import os
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from oqms.core import audit, crypto
from oqms.feedback import services
from oqms.feedback.models import Complaint, ComplaintCategory, ContactReveal, FeedbackPoint
from tests.core.helpers import page_client
from tests.inspections.test_services import jpeg


@pytest.fixture
def point(cast: Any) -> FeedbackPoint:
    with audit.audit_context(actor=cast.qm, source="test"):
        ComplaintCategory.objects.create(code="clean", name="保洁", name_en="Cleaning")
        return FeedbackPoint.objects.create(site=cast.site, name="3楼卫生间", token="tok-3f-washroom")


def _phone_client(address: str = "10.0.0.8") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-CN", REMOTE_ADDR=address)


def _post(client: Client, point: FeedbackPoint, **fields: Any) -> Any:
    data = {"kind": "complaint", "description": "卫生间没有纸巾", "phone": "", "website": ""} | fields
    return client.post(reverse("public:feedback", args=[point.token]), data)


def test_a_complaint_from_a_qr_code_and_the_complainants_link(cast: Any, point: FeedbackPoint) -> None:
    phone = _phone_client()
    page = phone.get(reverse("public:feedback", args=[point.token]))
    assert (
        page.status_code == 200 and "3楼卫生间" in page.content.decode() and "发送" in page.content.decode()
    )
    response = _post(phone, point, description="<script>alert('x')</script> 地面很滑", phone="138 1234-5678")
    assert response.status_code == 302 and response.url.startswith("/f/c/")
    complaint = Complaint.objects.get()
    assert complaint.channel == "qr" and complaint.point == point and complaint.site == cast.site
    assert complaint.phone_masked == "138****5678" and crypto.decrypt(complaint.phone) == "13812345678"
    with connection.cursor() as cursor:  # at rest, the number is nowhere in clear
        cursor.execute("SELECT phone, phone_index FROM feedback_complaint")
        stored = " ".join(cursor.fetchone())
    assert "13812345678" not in stored and "5678" not in stored.replace(complaint.phone_index, "")
    follow = phone.get(response.url).content.decode()
    assert complaint.number in follow and "&lt;script&gt;" in follow and "<script>alert" not in follow
    assert phone.get("/f/c/not-a-real-token/").status_code == 404
    assert phone.get(reverse("public:feedback", args=["nope"])).status_code == 404


def test_public_pages_never_show_other_peoples_feedback(cast: Any, point: FeedbackPoint) -> None:
    first = _post(_phone_client("10.0.0.1"), point, description="第一位的投诉")
    second = _post(_phone_client("10.0.0.2"), point, description="第二位的投诉")
    mine = _phone_client("10.0.0.1").get(first.url).content.decode()
    assert "第一位的投诉" in mine and "第二位的投诉" not in mine
    page = _phone_client("10.0.0.3").get(reverse("public:feedback", args=[point.token])).content.decode()
    assert "第一位" not in page and "第二位" not in page and second.status_code == 302


def test_the_honeypot_keeps_robots_out_silently(cast: Any, point: FeedbackPoint) -> None:
    response = _post(_phone_client(), point, website="http://spam.example")
    assert response.status_code == 200 and "谢谢" in response.content.decode()
    assert not Complaint.objects.exists()


def test_rate_limits_per_address_and_per_qr_code(cast: Any, point: FeedbackPoint, settings: Any) -> None:
    settings.OQMS_FEEDBACK_PER_ADDRESS = 3
    settings.OQMS_FEEDBACK_PER_POINT = 5
    phone = _phone_client("10.9.9.9")
    for k in range(3):
        assert _post(phone, point, description=f"问题 {k}").status_code == 302
    refused = _post(phone, point, description="再来一个")
    assert refused.status_code == 429 and "10 分钟" in refused.content.decode().replace("10分钟", "10 分钟")
    assert Complaint.objects.count() == 3
    for k in range(2):
        assert _post(_phone_client(f"10.1.1.{k}"), point, description=f"别人 {k}").status_code == 302
    crowded = _post(_phone_client("10.2.2.2"), point, description="新的人")
    assert crowded.status_code == 429 and Complaint.objects.count() == 5


def test_a_repeated_submission_is_merged_into_the_first(cast: Any, point: FeedbackPoint) -> None:
    first = _post(_phone_client("10.0.0.5"), point, description="洗手液没有了", phone="13900001111")
    again = _post(_phone_client("10.0.0.6"), point, description="洗手液 没有了", phone="139-0000-1111")
    assert Complaint.objects.count() == 1
    complaint = Complaint.objects.get()
    assert complaint.repeats == 1 and again.url != first.url
    assert complaint.number in _phone_client().get(again.url).content.decode()  # both links lead to it
    other = _post(_phone_client("10.0.0.6"), point, description="洗手液没有了", phone="13900002222")
    assert other.status_code == 302 and Complaint.objects.count() == 2  # another person: another complaint


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": ""}, "此字段为必填项"),
        ({"description": "长" * 2001}, "2000"),
        ({"phone": "call me"}, "5"),
        ({"category": "999"}, ""),
        ({"kind": "bribe"}, ""),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_saved(
    cast: Any, point: FeedbackPoint, fields: dict[str, Any], message: str
) -> None:
    response = _post(_phone_client(), point, **fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Complaint.objects.exists()


def test_photos_are_checked_and_compressed(cast: Any, point: FeedbackPoint, settings: Any) -> None:
    phone = _phone_client()
    fake = io.BytesIO(b"MZ\x90\x00 this is not a photo")
    fake.name = "photo.jpg"
    assert _post(phone, point, photo=fake).status_code == 400
    settings.OQMS_MAX_UPLOAD_MB = 1
    big = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(big, format="PNG")  # noise: ~1.9 MB
    big.name = "big.png"
    big.seek(0)
    assert big.getbuffer().nbytes > 1024 * 1024
    assert _post(phone, point, photo=big).status_code == 400
    assert not Complaint.objects.exists()
    settings.OQMS_MAX_UPLOAD_MB = 10
    assert _post(phone, point, photo=jpeg((3000, 2000))).status_code == 302
    with Image.open(Complaint.objects.get().photo.path) as stored:
        assert max(stored.size) == 1600


def test_the_phone_is_revealed_only_to_authorised_roles_and_every_reveal_is_logged(
    cast: Any, point: FeedbackPoint
) -> None:
    _post(_phone_client(), point, phone="13812345678")
    complaint = Complaint.objects.get()
    url = reverse("feedback:complaint_reveal", args=[complaint.pk])
    qm = page_client(cast.qm)
    listing = qm.get(reverse("feedback:complaint_list")).content.decode()
    assert "138****5678" in listing and "13812345678" not in listing
    assert "13812345678" not in qm.get(complaint.get_absolute_url()).content.decode()
    qm.post(url, {"reason": ""})
    assert not ContactReveal.objects.exists()
    shown = qm.post(url, {"reason": "回访投诉人"})
    assert "13812345678" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    reveal = ContactReveal.objects.get()
    assert reveal.user == cast.qm and reveal.reason == "回访投诉人"
    for user in (cast.inspector, cast.requester, cast.manager_a, cast.assessor):
        response = page_client(user).post(url, {"reason": "想看"})
        assert "13812345678" not in response.content.decode()
    assert ContactReveal.objects.count() == 1


def test_contact_data_is_erased_after_the_retention_period(
    cast: Any, point: FeedbackPoint, settings: Any
) -> None:
    settings.OQMS_CONTACT_RETENTION_DAYS = 30
    complaint, _token, _merged = services.submit(
        channel="qr",
        site=cast.site,
        point=point,
        description="旧的",
        phone="13812345678",
        name="张三",
        at=timezone.now() - datetime.timedelta(days=40),
    )
    recent, _token, _merged = services.submit(
        channel="qr", site=cast.site, point=point, description="新的", phone="13812345679"
    )
    assert services.erase_expired_contacts() == 1
    complaint.refresh_from_db()
    recent.refresh_from_db()
    assert (complaint.phone, complaint.phone_masked, complaint.contact_name) == ("", "", "")
    assert complaint.contact_erased_at is not None and recent.phone and services.erase_expired_contacts() == 0


def test_keys_rotate_without_losing_data(cast: Any, settings: Any) -> None:
    from cryptography.fernet import Fernet

    old = settings.OQMS_DATA_KEYS
    token, index = crypto.encrypt("13800000000"), crypto.blind_index("13800000000")
    settings.OQMS_DATA_KEYS = [Fernet.generate_key().decode(), *old]  # a new key in front
    assert crypto.decrypt(token) == "13800000000" and crypto.blind_index("13800000000") == index
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
    settings.OQMS_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError):
        crypto.decrypt(token)


def test_a_hotline_agent_logs_a_call(cast: Any, point: FeedbackPoint) -> None:
    client = page_client(cast.qm)
    data = {
        "site": cast.site.pk,
        "kind": "praise",
        "description": "保洁阿姨很负责",
        "name": "李先生",
        "phone": "13700000000",
    }
    response = client.post(reverse("feedback:hotline"), data)
    complaint = Complaint.objects.get()
    assert response.url == complaint.get_absolute_url()
    assert (complaint.channel, complaint.kind, complaint.logged_by, complaint.contact_name) == (
        "hotline",
        "praise",
        cast.qm,
        "李先生",
    )
    assert page_client(cast.manager_a).get(reverse("feedback:hotline")).status_code == 403
    assert client.post(reverse("feedback:hotline"), data | {"description": ""}).status_code == 400


def test_qr_sheets_print_the_site_in_chinese_with_the_link(cast: Any, point: FeedbackPoint) -> None:
    import pypdfium2

    client = page_client(cast.qm)
    for size, width in (("a4", 595), ("a6", 298)):
        response = client.get(reverse("feedback:point_qr", args=[point.pk]), {"size": size})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        pdf = pypdfium2.PdfDocument(response.content)
        page = pdf[0]
        assert round(page.get_width()) == width
        text = page.get_textpage().get_text_range()
        assert "上海张江园区" in text and "3楼卫生间" in text and f"/f/{point.token}/" in text
        image = page.render(scale=1).to_pil().convert("L")
        assert image.getextrema()[0] < 60  # the code and the text are printed
    site_sheet = client.get(reverse("feedback:site_qr"), {"site": cast.site.pk})
    assert site_sheet.status_code == 200
    assert page_client(cast.manager_a).get(reverse("feedback:point_qr", args=[point.pk])).status_code == 404
    assert client.get(reverse("feedback:site_qr")).status_code == 404


def test_behind_a_proxy_the_configured_header_gives_the_address(
    cast: Any, point: FeedbackPoint, settings: Any
) -> None:
    settings.OQMS_CLIENT_IP_HEADER = "X-Real-IP"
    settings.OQMS_FEEDBACK_PER_ADDRESS = 1
    proxy = Client(HTTP_ACCEPT_LANGUAGE="zh-CN", REMOTE_ADDR="10.0.0.254")
    url = reverse("public:feedback", args=[point.token])
    first = proxy.post(
        url, {"kind": "complaint", "description": "一", "website": ""}, HTTP_X_REAL_IP="203.0.113.7"
    )
    other = proxy.post(
        url, {"kind": "complaint", "description": "二", "website": ""}, HTTP_X_REAL_IP="203.0.113.8"
    )
    same = proxy.post(
        url, {"kind": "complaint", "description": "三", "website": ""}, HTTP_X_REAL_IP="203.0.113.7"
    )
    assert (first.status_code, other.status_code, same.status_code) == (302, 302, 429)
