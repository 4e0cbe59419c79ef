"""Faults: `kill -9` in the middle of `scenescope ingest`, then the same import again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scenescope.store import Store

ROWS = 30_000
BATCH = 300
CLI = [sys.executable, "-c", "from scenescope.cli import main; main()"]


def write_pres(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("name,pre_at,category\n")
        for i in range(ROWS):
            group = ("SPARKS", "GECKOS", "DRONES")[i % 3]
            out.write(f"Title.{i}.2020.1080p.BluRay.x264-{group},{1_500_000_000 + i * 60},X264\n")
        # a few repeated rows: one release, one report each
        out.write("Title.7.2020.1080p.BluRay.x264-GECKOS,1500000420,X264\n")


def wait_for_growth(wal: Path, proc: subprocess.Popen[bytes], minimum: int) -> None:
    """Until committed batches have grown the write-ahead log (the child is mid-import)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the import finished before it could be killed"
        if wal.exists() and wal.stat().st_size >= minimum:
            return
        time.sleep(0.01)
    raise AssertionError("no rows committed within the timeout")


def counts(db: Path) -> dict[str, int]:
    with Store.open(db) as store:
        conn = store.connection
        row = conn.execute(
            """
            SELECT (SELECT count(*) FROM releases),
                   (SELECT count(DISTINCT name) FROM releases),
                   (SELECT count(*) FROM pre_reports),
                   (SELECT count(*) FROM (SELECT DISTINCT release_id, feed, pre_at
                                          FROM pre_reports))
            """
        ).fetchone()
    assert row is not None
    return dict(zip(("releases", "names", "reports", "distinct_reports"), row, strict=True))


def test_kill_9_mid_import_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    csv_path = tmp_path / "pres.csv"
    write_pres(csv_path)
    db = tmp_path / "store.duckdb"
    Store.open(db).close()  # migrations done: later WAL growth is imported rows
    wal = Path(f"{db}.wal")
    command = [*CLI, "ingest", "--db", str(db), "--batch-size", str(BATCH), str(csv_path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_growth(wal, proc, minimum=200_000)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    partial = counts(db)  # opens cleanly, replaying the log of committed batches
    assert 0 < partial["releases"] < ROWS
    assert partial["reports"] == partial["releases"]  # each batch committed whole

    rerun = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"}
    )
    assert rerun.returncode == 0, rerun.stderr
    final = counts(db)
    assert final == {"releases": ROWS, "names": ROWS, "reports": ROWS, "distinct_reports": ROWS}
    assert "0 rejected" in rerun.stdout
