from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused an operation; the message is translated and shown to the user as is."""

    status_code = 400

    def __init__(self, message: Any, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
