"""Disk images listed by The Sleuth Kit itself (Debian's `sleuthkit`): `fls -r -m / image`,
read-only, no mounting. A partitioned image is split with `mmls` and each file system listed
under `/pNN`. The bodyfile fls prints streams through the bodyfile reader."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scenescope.evidence.bodyfile import read_bodyfile
from scenescope.evidence.records import Entry, ListingError, Problems

_MMLS_ROW = re.compile(r"^\s*(\d+):\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$")


def tsk_version() -> str:
    """`fls -V` (the tool recorded as the listing's provenance)."""
    fls = _tool("fls")
    done = subprocess.run([fls, "-V"], capture_output=True, text=True, check=False)
    return (
        (done.stdout or done.stderr).strip().splitlines()[0]
        if done.stdout or done.stderr
        else "fls"
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ListingError(
            f"The Sleuth Kit's `{name}` is not installed: apt-get install sleuthkit "
            "(or give a bodyfile made elsewhere with fls -r -m /)"
        )
    return found


def partitions(image: Path) -> list[tuple[str, int]]:
    """(slot, start sector) of each file-system partition `mmls` finds (empty if none)."""
    done = subprocess.run([_tool("mmls"), str(image)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return []
    found: list[tuple[str, int]] = []
    for line in done.stdout.splitlines():
        row = _MMLS_ROW.match(line)
        if not row:
            continue
        slot, start, description = row[2], int(row[3]), row[6].lower()
        if slot.startswith("Meta") or "unallocated" in description or "extended" in description:
            continue
        if "table" in description or "safety" in description:
            continue
        found.append((slot.replace(":", "_"), start))
    return found


def read_image(
    image: Path, source: str, problems: Problems, horizon: int, timezone: str | None
) -> Iterator[Entry]:
    """Entries of every file system in the image, as TSK lists them."""
    if not image.is_file():
        raise ListingError(f"{image}: no such image file")
    fls = _tool("fls")
    zone = ["-z", timezone] if timezone else []
    probe = subprocess.run(
        [_tool("fsstat"), str(image)],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode == 0:
        targets: list[tuple[str, list[str]]] = [("/", [])]
    else:
        parts = partitions(image)
        if not parts:
            reason = (probe.stderr or "unknown file system").strip().splitlines()[0]
            raise ListingError(f"{image}: The Sleuth Kit cannot read it ({reason})")
        targets = [(f"/p{slot}", ["-o", str(start)]) for slot, start in parts]
    for prefix, offset in targets:
        args = [fls, "-r", "-m", prefix, *zone, *offset, str(image)]
        # stderr to a file, not a pipe: a chatty fls must never block on a full pipe
        with (
            tempfile.TemporaryFile() as errors,
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors) as proc,
        ):
            assert proc.stdout is not None
            yield from read_bodyfile(proc.stdout, source, problems, horizon)
            proc.wait()
            errors.seek(0)
            error = errors.read().decode("utf-8", "replace").strip()
        if proc.returncode != 0 and offset:
            continue  # a partition TSK does not read (swap, an unknown type): the others stand
        if proc.returncode != 0:
            first = error.splitlines()[0] if error else f"exit code {proc.returncode}"
            raise ListingError(f"{image}: fls failed: {first}")
