"""A small simulated world ingested, catalogued and matched, with hostile names added, for
the workbench tests; and a real uvicorn server on loopback in a thread."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from scenescope.analysis.impact_world import load_sightings
from scenescope.catalog.importer import import_catalog
from scenescope.catalog.match_run import match_releases
from scenescope.evidence.store import add_media
from scenescope.feeds.events import NukeEvent, PreReport
from scenescope.feeds.files import FileFeed
from scenescope.store import Store
from scenescope.web.app import WebOptions, create_app
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate

# Written by the people we watch: each must come out as inert text everywhere.
HOSTILE_GROUPS = (
    "<script>window.pwned=1</script>",
    '"><img src=x onerror=window.pwned=2>',
    "{{7*7}}",
)
HOSTILE_NAMES = (
    "Evil.Movie.2020.1080p.WEB.x264-" + "<script>window.pwned=1</script>",
    'Evil.Movie.2020.720p.WEB.x264-"><img src=x onerror=window.pwned=2>',
    "Evil.Movie.2020.2160p.WEB.x264-{{7*7}}",
    "Evil.Show.S01E01.1080p.WEB.x264-GRP'; DROP TABLE releases; --",
    "Evil.Term.2020.1080p.WEB.x264-\x1b[2J\x1b[31mRED",
    "Evil.Rtl.2020.1080p.WEB.x264-GRP\u202egnp.exe",
    "Evil.Zero\u200b.Width.2020.1080p.WEB.x264-Z\u200dW",
    "=HYPERLINK(\"http://x\")-FORMULA",
    "Evil.Long." + "A" * 480 + "-LONG",  # the store refuses names over 512 characters
)


def build_world(folder: Path) -> Path:
    """Simulate, ingest, import the catalog and supply, match; add the hostile pres."""
    config = load_config().with_world(
        seed=5, start=dt.date(2020, 6, 1), end=dt.date(2020, 8, 31), scale=0.03
    )
    files = folder / "files"
    simulate(config, files)
    path = folder / "store.duckdb"
    with Store.open(path) as store:
        store.apply(FileFeed(files / "pres.csv"))
        store.apply(FileFeed(files / "nukes.csv"))
        import_catalog(
            store,
            [files / f for f in ("titles.csv", "release_dates.csv", "episodes.csv",
                                 "accounts.csv", "shipments.csv")],
        )
        match_releases(store)
        load_sightings(store, files)
        seized = sorted((files / "seized").glob("*.body"))[:3]
        add_media(store, "op-demo", seized)
        at = dt.datetime(2020, 8, 30, 12, tzinfo=dt.UTC)
        store.apply(
            PreReport(name=n, pre_at=at + dt.timedelta(minutes=i), feed="hostile", category="X264")
            for i, n in enumerate(HOSTILE_NAMES)
        )
        store.apply([NukeEvent(name=HOSTILE_NAMES[0], kind="nuke", at=at, feed="hostile",
                               reason="<b>bad</b>{{7*7}}", network="\u202eten")])
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(store: Store, options: WebOptions | None = None) -> Iterator[str]:
    """The workbench under uvicorn on a loopback port, in a thread; yields its base URL."""
    port = free_port()
    app = create_app(store, options)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
