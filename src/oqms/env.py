"""Typed settings from the environment, failing loudly on bad values.

Every reader takes the variable's name and a default; a value that does not parse raises
``ImproperlyConfigured`` naming the variable, so a typo in a deployment stops the start instead of
running with a silently different configuration. ``NAME_FILE`` may hold a path whose content is the value
(Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is outside {minimum}..{maximum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an IANA time zone such as Asia/Shanghai"
        ) from exc
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(sorted(choices))}")
    return value


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else from ``var/secret_key``, generated there on first run."""
    value = _raw("SECRET_KEY")
    if value:
        if len(value) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return value
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def data_keys(var_dir: Path) -> list[str]:
    """The keys that encrypt personal data at rest (Fernet keys: 32 url-safe base64 bytes). ``OQMS_DATA_KEYS``
    holds them comma separated, newest first (the first encrypts, all decrypt: add a new key in front to rotate);
    else ``var/data_key``, generated there on first run. Losing the key loses the encrypted data: back it up
    apart from the database."""
    import base64
    import binascii

    value = _raw("OQMS_DATA_KEYS")
    if value:
        keys = [key.strip() for key in value.split(",") if key.strip()]
        for key in keys:
            try:
                if len(base64.urlsafe_b64decode(key.encode())) != 32:
                    raise ValueError
            except (ValueError, binascii.Error) as exc:
                raise ImproperlyConfigured(
                    "OQMS_DATA_KEYS must hold Fernet keys: 32 bytes in url-safe base64 (44 characters)"
                ) from exc
        return keys
    path = var_dir / "data_key"
    if path.exists():
        return [path.read_text(encoding="utf-8").strip()]
    var_dir.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return [path.read_text(encoding="utf-8").strip()]
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return [key]
