"""The group network's HTML view in a real browser (Debian's Chromium via Playwright).

The page must render the graph offline (no request leaves the file), and clicking a group
must show the evidence on its edges.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

from scenescope.analysis.affiliation import infer_families
from scenescope.report.network_view import network_html
from test_groups_support import build_store

# `make test` installs Debian's chromium (scripts/install-system-test-deps); no download here.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_network_view_renders_offline_and_shows_evidence_on_click(tmp_path: Path) -> None:
    store = build_store(tmp_path)
    with store:
        result = infer_families(store.connection)
    page_path = tmp_path / "network.html"
    page_path.write_text(network_html(result), encoding="utf-8")
    assert result.families, "the hand-made scene has a family to draw"

    outside_requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda request: outside_requests.append(request.url)
                if not request.url.startswith("file://")
                else None,
            )
            page.goto(page_path.as_uri())
            circles = page.locator("svg#view circle")
            assert circles.count() >= 2
            labels = page.locator("svg#view text").all_text_contents()
            assert "SPRiNTER" in labels and "GECKOS" in labels

            sprinter = labels.index("SPRiNTER")
            page.locator(f"#n{sprinter}").click()
            info = page.locator("#info")
            info.wait_for(state="visible")
            assert "SPRiNTER" in info.inner_text()
            assert "GECKOS" in info.inner_text()
            assert "shared titles" in info.inner_text()
            page.screenshot(path=str(tmp_path / "network.png"))

            page.locator("svg#view").click(position={"x": 2, "y": 2})
            assert info.inner_text().strip() == ""
        finally:
            browser.close()
    assert outside_requests == []
