"""The OpenAPI 3 schema and the offline API documentation pages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.core.helpers import api_client, page_client


@pytest.fixture(scope="module")
def schema(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        # Generated once per module: the schema is the same for every reader (and public, like the docs).
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return json.loads(response.content)


def test_schema_is_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3")
    assert schema["info"]["title"] == "OQMS API"


@pytest.mark.parametrize(
    "path",
    [
        "/api/org-units/",
        "/api/sites/",
        "/api/service-categories/",
        "/api/vendors/",
        "/api/vendor-contacts/",
        "/api/qualification-documents/",
        "/api/service-types/",
        "/api/contracts/",
        "/api/contract-attachments/",
        "/api/work-orders/",
        "/api/work-order-photos/",
        "/api/users/",
        "/api/audit-entries/",
        "/api/work-orders/{id}/assign/",
        "/api/work-orders/{id}/close/",
        "/api/work-orders/{id}/events/",
    ],
)
def test_schema_documents_every_endpoint(schema: dict[str, Any], path: str) -> None:
    assert path in schema["paths"]


def test_schema_reflects_read_only_and_write_rules(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert set(paths["/api/users/"]) == {"get"}
    assert "delete" not in paths["/api/work-orders/{id}/"]
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/vendors/{id}/"])
    components = schema["components"]["schemas"]
    work_order = components["WorkOrder"]["properties"]
    assert work_order["allowed_actions"]["type"] == "array"
    assert (
        work_order["status"].get("readOnly")
        or "allOf" in work_order["status"]
        or "$ref" in str(work_order["status"])
    )
    close = json.dumps(components.get("CloseRequest", {}))
    assert '"minimum": 1' in close and '"maximum": 5' in close


def test_schema_in_yaml_by_default(cast: Any) -> None:
    response = api_client(cast.qm).get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3")


@pytest.mark.parametrize(
    "page",
    [
        "/api/docs/",
    ],
)
def test_docs_pages_use_only_local_static_files(cast: Any, page: str) -> None:
    response = page_client(cast.qm).get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.findall(r"https?://", html), re.findall(r"https?://[^\"' ]+", html)
    assert not re.findall(r"""(?:src|href)=["']//""", html)  # protocol-relative CDN links
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "/api/schema/" in html
