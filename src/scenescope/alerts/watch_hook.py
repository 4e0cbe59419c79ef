"""Alerts inside `scenescope watch`: after each committed batch, the new pres are matched to
the catalog, checked for leaks (`find_leaks(release_ids=...)`) and queued as alerts.

Detection runs on its own thread and DuckDB cursor, delivery on the dispatcher's threads, so
neither a slow analysis nor a dead sink ever holds up the feeds or the store writer.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from scenescope.alerts.dispatcher import AlertDispatcher, RecordedAlert
from scenescope.alerts.rules import AlertConfig
from scenescope.feeds.events import FeedEvent, PreReport

if TYPE_CHECKING:
    from scenescope.store import Store

log = logging.getLogger(__name__)


class WatchAlerts:
    """Pass `on_applied` to `run_watch(..., on_applied=...)`; `close()` when the watch ends."""

    def __init__(
        self,
        store: Store | duckdb.DuckDBPyConnection,
        config: AlertConfig,
        *,
        match: bool = True,
        on_recorded: Callable[[list[RecordedAlert]], None] | None = None,
    ) -> None:
        connection = store if isinstance(store, duckdb.DuckDBPyConnection) else store.connection
        self.dispatcher = AlertDispatcher(connection, config)
        self._cursor = connection.cursor()
        self._match = match
        self._index: Any = None
        self._on_recorded = on_recorded
        self._batches: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()  # None: stop
        self._thread = threading.Thread(target=self._run, name="scenescope-alert-detect")
        self._started = False

    def start(self) -> WatchAlerts:
        """Start detection and background delivery (idempotent); returns self."""
        if not self._started:
            self._started = True
            if self._match:
                from scenescope.catalog.match_run import load_index

                self._index = load_index(self._cursor)  # once: the catalog rarely changes mid-watch
            self.dispatcher.start()
            self._thread.start()
        return self

    def on_applied(self, batch: Sequence[FeedEvent], committed_at: float) -> None:
        """The watch's AppliedHook: hand the batch's pre names to the detection thread."""
        names = [event.name for event in batch if isinstance(event, PreReport)]
        if names:
            self._batches.put(names)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            # everything queued while the last detection ran goes into one pass: under a
            # burst the per-pass cost (match, find_leaks) is paid once, not per batch
            names: list[str] = []
            item = self._batches.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    names.extend(item)
                try:
                    item = self._batches.get_nowait()
                except queue.Empty:
                    break
            if not names:
                continue
            try:
                self.detect(names)
            except Exception:  # one bad batch must not end alerting for the whole watch
                log.exception("alert detection failed for %d pres", len(names))

    def detect(self, names: Sequence[str]) -> list[RecordedAlert]:
        """Match the named releases, find their leaks and queue alerts (also usable directly)."""
        from scenescope.analysis.leaks import find_leaks

        rows = self._cursor.execute(
            "SELECT release_id FROM releases WHERE list_contains(?::VARCHAR[], name)",
            [list(dict.fromkeys(names))],
        ).fetchall()
        release_ids = [int(row[0]) for row in rows]
        if not release_ids:
            return []
        if self._match:
            from scenescope.catalog.match_run import match_releases

            match_releases(self._cursor, release_ids, index=self._index)
        leaks = find_leaks(self._cursor, release_ids=release_ids)
        recorded = self.dispatcher.submit(leaks) if leaks else []
        if recorded and self._on_recorded is not None:
            self._on_recorded(recorded)
        return recorded

    def close(self) -> None:
        """Finish detecting what was handed over, stop delivery (the queue stays stored)."""
        if self._started:
            self._batches.put(None)
            self._thread.join()
        self.dispatcher.close()
        self._cursor.close()

    def __enter__(self) -> WatchAlerts:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


AppliedHook = Callable[[Sequence[FeedEvent], float], None]


@contextlib.contextmanager
def watch_alerts(store: Store, config: AlertConfig | None) -> Iterator[AppliedHook | None]:
    """For `scenescope watch`: yields the `on_applied` hook to pass to `run_watch`, or None
    when no alert config was given; on exit, detection finishes and delivery stops (what is
    still queued stays in the store for the next watch or `scenescope alerts deliver`)."""
    if config is None:
        yield None
        return
    with WatchAlerts(store, config) as alerts:
        yield alerts.on_applied
