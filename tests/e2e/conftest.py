"""Browser fixtures for the end-to-end tests: one headless Debian Chromium per test process, driven by Playwright.

Django's live server runs in a thread while Playwright's sync API runs its own event loop in the test thread, so
Django's "async unsafe" guard has to be lifted for the ORM calls the tests make (setup and final checks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots are kept with the test output: <repo>/test-artifacts/e2e/NN-description.png
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "screen": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1"
    ),
}


# Explicit waits only, with room for a loaded CI machine (two xdist workers, each with a browser and a server).
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def failed_responses() -> list[str]:
    """Every response >= 400 that a page of the test received (assets included), as "<status> <path>"."""
    return []


@pytest.fixture
def new_context(chromium: Any, failed_responses: list[str]) -> Iterator[Callable[..., Any]]:
    """``new_context(**options)``: a fresh browser context (its own cookies: one per person), closed afterwards."""
    contexts: list[Any] = []

    def _record(response: Any) -> None:
        if response.status >= 400:
            failed_responses.append(f"{response.status} {urlsplit(response.url).path}")

    def _new(**options: Any) -> Any:
        context = chromium.new_context(**{**DESKTOP, **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", _record)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def shot() -> Callable[[Any, str], Path]:
    """``shot(page, "01-description")`` saves a full-page screenshot under test-artifacts/e2e/.

    On a phone-sized page it also saves ``01-description-screen.png``: what the phone shows without scrolling
    (the full page of a phone is several screens tall and unreadable when scaled down to fit).
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shot(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if page.viewport_size["width"] < 576:
            page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))
        return path

    return _shot
