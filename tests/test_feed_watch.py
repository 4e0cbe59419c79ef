"""`scenescope watch` as a real process: it writes websocket frames to the store as they
arrive, logs feed health, and on SIGTERM / SIGINT stops cleanly with everything it received
stored."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenescope.store import Store
from servers.predb import PredbTestServer, release_row

SCENESCOPE = str(Path(sys.executable).parent / "scenescope")
HEALTH_LINE = re.compile(r"predb:127\.0\.0\.1:\d+/ws: connected, (\d+) frames")


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, 90))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_watch_stops_cleanly_on_signal_with_everything_received_stored(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    db = tmp_path / "watch.duckdb"
    base = time.time() - 300

    async def scenario() -> tuple[int, dict, str, int]:
        async with PredbTestServer() as server:
            process = await asyncio.create_subprocess_exec(
                SCENESCOPE, "watch", "--source", server.ws_url, "--db", str(db),
                "--health-every", "0.5", "--json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert process.stderr is not None
            try:
                await asyncio.wait_for(server.client_connected.wait(), 30)
                for i in range(100):
                    row = release_row(i, f"First.Burst.{i}.2020.720p.WEB.h264-GRP", base + i)
                    await server.publish("insert", row)
                # Wait for the process to say (in its health log) that it has them all.
                log: list[str] = []
                while True:
                    line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
                    assert line, "watch exited early:\n" + "".join(log)
                    log.append(line)
                    seen = HEALTH_LINE.search(line)
                    if seen and int(seen[1]) >= 100:
                        break
                # A second burst, then the signal at once: some of it may still be in flight.
                for i in range(100, 400):
                    row = release_row(i, f"Second.Burst.{i}.2020.720p.WEB.h264-GRP", base + i)
                    await server.publish("insert", row)
                process.send_signal(stop_signal)
                out, err = await asyncio.wait_for(process.communicate(), 30)
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            assert process.returncode is not None
            summary = json.loads(out.decode().strip().splitlines()[-1])
            return process.returncode, summary, "".join(log) + err.decode(), server.ws_connects

    code, summary, log, connects = run(scenario())
    assert code == 0, log
    assert connects == 1
    assert summary["events_received"] >= 100
    assert summary["events_applied"] == summary["events_received"]
    with Store.open(db, read_only=True) as store:
        stored = store.connection.execute("SELECT count(*) FROM releases").fetchall()[0][0]
    assert stored == summary["events_received"]  # one insert frame = one new release
    assert "Traceback" not in log


def test_watch_with_an_unknown_source_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [SCENESCOPE, "watch", "--source", "ftp://x/", "--db", str(tmp_path / "x.duckdb")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: unknown source 'ftp://x/'")
    assert "Traceback" not in done.stderr
