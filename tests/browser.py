"""Debian's Chromium under Playwright, for the tests that drive pages: where it is, how it is
started, where screenshots go, and axe-core's serious and critical findings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
# CI turns this skip into a failure (REQUIRE_TEST_TOOLS, tests/conftest.py).
needs_chromium = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                    reason=f"{CHROMIUM} is not installed (.ci/setup installs it)")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (no browser download: Debian's), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} × {len(v['nodes'])}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
