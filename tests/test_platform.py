"""Settings from the environment fail loudly; the secret key is generated once; the task broker follows REDIS_URL."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from oqms import env


@pytest.mark.parametrize(
    ("reader", "name", "value"),
    [
        (lambda: env.env_bool("OQMS_T", False), "OQMS_T", "maybe"),
        (lambda: env.env_int("OQMS_T", 1), "OQMS_T", "ten"),
        (lambda: env.env_int("OQMS_T", 1, minimum=1, maximum=5), "OQMS_T", "9"),
        (lambda: env.env_timezone("OQMS_T", "Asia/Shanghai"), "OQMS_T", "Mars/Base"),
        (lambda: env.env_choice("OQMS_T", "zh-hans", {"zh-hans", "en"}), "OQMS_T", "fr"),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(
    monkeypatch: Any, reader: Any, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        reader()


def test_typed_readers_parse_good_values(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("OQMS_B", "yes")
    monkeypatch.setenv("OQMS_I", "42")
    monkeypatch.setenv("OQMS_L", "a.example, b.example ,")
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("OQMS_S_FILE", str(secret_file))
    assert env.env_bool("OQMS_B") is True
    assert env.env_int("OQMS_I", 0) == 42
    assert env.env_list("OQMS_L", []) == ["a.example", "b.example"]
    assert env.env_str("OQMS_S") == "from-a-file"


def test_secret_key_is_generated_once_and_private(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    second = env.secret_key(tmp_path)
    assert first == second and len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_short_secret_key_is_refused(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured):
        env.secret_key(tmp_path)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://root@127.0.0.1/oqms", "DATABASE_URL"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL"),
        ("TIME_ZONE", "Mars/Base", "TIME_ZONE"),
        ("DEBUG", "perhaps", "DEBUG"),
    ],
)
def test_the_app_refuses_to_start_with_a_bad_setting(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    environment = {
        **os.environ,
        "OQMS_VAR_DIR": str(tmp_path),
        variable: value,
        "DJANGO_SETTINGS_MODULE": "oqms.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_default_database_is_sqlite_in_wal_mode(db: Any, settings: Any) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL run")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where SQLite reports "memory"; a file database reports "wal".
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_task_broker_follows_redis_url(db: Any, settings: Any) -> None:
    from django_q.brokers import get_broker

    broker = get_broker()
    expected = "Redis" if settings.REDIS_URL else "ORM"
    assert type(broker).__name__ == expected
    assert broker.ping() is True
    broker.enqueue("oqms-ci-probe")
    task = broker.dequeue()
    assert task is not None
    broker.acknowledge(task[0][0])


def test_health_check(client: Any, db: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_security_headers_and_cookies(client: Any, db: Any, settings: Any) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
