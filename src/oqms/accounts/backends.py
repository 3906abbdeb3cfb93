from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class OQMSBackend(ModelBackend):
    """The model backend, refusing accounts whose time-boxed access has ended."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not user.access_expired()
