"""The workbench in a real browser (Debian's Chromium via Playwright) against a real server
on loopback that watches a real predb websocket: pages load without console errors or failed
requests, a pre pushed through the feed appears on the live page, the leaks board filters,
sign-in failures and role limits show clear pages. Screenshots go to artifacts/web/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from scenescope.feeds.sources import open_feed
from scenescope.store import Store
from scenescope.web.app import WebOptions
from scenescope.web.tokens import create_token
from servers.predb import PredbTestServer, release_row
from web_support import build_world, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("SCENESCOPE_ARTIFACTS", Path(__file__).parent.parent / "artifacts"))
PAGES = [
    "/",
    "/search?q=1080p",
    "/titles",
    "/leaks",
    "/groups",
    "/race",
    "/families",
    "/successors",
    "/trace",
    "/impact",
    "/impact/study?event=2020-08-25",
    "/propagation",
    "/evidence",
    "/alerts",
    "/feeds",
    "/admin/tokens",
]


class FeedThread:
    """The predb test server on its own event loop thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = PredbTestServer()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FeedThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def __exit__(self, *exc: object) -> None:
        self.call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    store = Store.open(build_world(tmp_path_factory.mktemp("browser")))
    tokens = {
        role: create_token(store.connection, role, f"{role} in ci").token
        for role in ("admin", "viewer")
    }
    with FeedThread() as feed:
        options = WebOptions(
            feeds=[open_feed(feed.server.ws_url)], rate_per_second=500, rate_burst=500
        )
        with running_server(store, options) as url:
            deadline = time.monotonic() + 10
            while not feed.server.ws_clients and time.monotonic() < deadline:
                time.sleep(0.05)
            yield {"url": url, "feed": feed, **tokens}
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def signed_in(browser: Any, site: dict[str, Any], role: str) -> tuple[Page, list[str]]:
    """A page signed in through the sign-in form; the list collects console errors and
    failed requests."""
    page = browser.new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"failed {r.url}") if "/api/v1/stream" not in r.url else None,
    )
    page.goto(site["url"] + "/login")
    page.fill("#token", site[role])
    page.click("form.login button")
    page.wait_for_url(site["url"] + "/")
    return page, problems


def shot(page: Page, name: str) -> None:
    folder = ARTIFACTS / "web"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_every_page_loads_cleanly(browser: Any, site: dict[str, Any]) -> None:
    page, problems = signed_in(browser, site, "admin")
    for path in PAGES:
        response = page.goto(site["url"] + path)
        assert response is not None and response.status == 200, path
        assert page.locator("main h1").count() >= 1, path
        shot(page, path.strip("/").split("?")[0].replace("/", "-") or "live")
    leak_link = page.goto(site["url"] + "/leaks") and page.locator("#rows a").first
    leak_link.click()
    page.wait_for_load_state()
    shot(page, "detail")
    assert page.evaluate("window.pwned") is None
    assert problems == []


def test_a_pre_pushed_through_the_feed_appears_live(browser: Any, site: dict[str, Any]) -> None:
    page, problems = signed_in(browser, site, "viewer")
    page.wait_for_function("document.getElementById('live-status').textContent === 'live'")
    name = f"Live.Arrival.2020.1080p.WEB.x264-LIVEGRP{int(time.time())}"
    feed = site["feed"]
    feed.call(feed.server.publish("insert", release_row(990_001, name, time.time())))
    row = page.locator("#live-rows tr", has_text=name)
    row.wait_for(timeout=2000)  # the bound: within 2 s of the pre
    assert "LIVEGRP" in row.inner_text()
    shot(page, "live-arrival")
    assert problems == []


def test_filters_change_the_leaks_board(browser: Any, site: dict[str, Any]) -> None:
    page, _ = signed_in(browser, site, "viewer")
    page.goto(site["url"] + "/leaks?per_page=1000")
    everything = page.locator("#rows tbody tr").count()
    page.select_option("select[name=source_class]", "retail-disc")
    page.click("#filters button")
    page.wait_for_url("**source_class=retail-disc**")
    retail = page.locator("#rows tbody tr").count()
    assert 0 < retail < everything
    sources = page.locator("#rows tbody tr td:nth-child(4)").all_inner_texts()
    assert set(sources) == {"retail-disc"}
    shot(page, "leaks-filtered")


def test_bad_or_missing_token_shows_a_clear_page(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_context().new_page()
    response = page.goto(site["url"] + "/leaks")
    assert response is not None and response.status == 401
    assert "Sign in required" in page.locator("h1").inner_text()
    page.fill("#token", "ss_wrong_token")
    page.click("form.login button")
    assert "not valid" in page.locator(".message").inner_text()
    shot(page, "bad-token")


def test_a_viewer_cannot_reach_an_admin_action(browser: Any, site: dict[str, Any]) -> None:
    page, _ = signed_in(browser, site, "viewer")
    assert page.locator("a[href='/admin/tokens']").count() == 0
    response = page.goto(site["url"] + "/admin/tokens")
    assert response is not None and response.status == 403
    assert "admin" in page.locator(".message").inner_text()
    shot(page, "viewer-forbidden")
    # the admin's own form, replayed by the viewer's session, is refused too
    status = page.evaluate(
        """async () => (await fetch('/admin/tokens', {method: 'POST',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'},
             body: 'role=admin&name=x'})).status"""
    )
    assert status == 403
