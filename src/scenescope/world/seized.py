"""Seized media of the world's enforcement operation, written as TSK bodyfiles with their truth.

While the world runs, `SeizedMedia.observe` keeps the raided family's releases and a bounded
sample of everyone else's; at the end `write` lays out, as listings of what the raids took:
one workstation per family group (its releases hours to days before the pre, source discs as
BDMV/VIDEO_TS rips, ISOs and untagged encodes, proof pictures), the family's pre server (a
site tree, releases minutes before the pre, affiliates' too, courier copies after), courier
and archive drives (scene-packed copies after the pre), end-user download drives (P2P-named
files) and an unrelated drive. Truth: each medium's role, releases, which were held before
the pre, which discs before the street date, and how many listing lines were made bad.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenescope.world import naming
from scenescope.world.catalog import Catalog
from scenescope.world.enforcement import Operation
from scenescope.world.groups import Roster
from scenescope.world.pres import SimRelease

DAY = 86400
HOUR = 3600
FOLDER = "seized"
FAMILY_DAYS = 120  # how far back the family's own machines hold its work
POOL_DAYS = 90
POOL_SIZE = 1500  # reservoir of other groups' releases (copies on couriers and end users)
WORKSTATION_CAP = 120
PRE_SERVER_CAP = 160
COURIER_RELEASES = 120
END_USER_FILES = 50


@dataclass(slots=True)
class _Held:
    name: str
    ts: int
    group: str
    title_id: str
    source_class: str
    kind: str
    category: str
    size_kb: int
    family: str


@dataclass(frozen=True, slots=True)
class TrueMedium:
    """One seized medium as the world made it."""

    label: str
    file: str
    role: str
    releases: tuple[str, ...]
    held_before_pre: tuple[str, ...]
    discs: tuple[tuple[str, bool], ...]  # (title_id, held before the street date)
    bad_lines: int
    repaired_lines: int = 0
    image: str = ""  # the same medium as a real ext2 image, when the world wrote one

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> TrueMedium:
        return cls(
            label=str(doc["label"]),
            file=str(doc.get("file") or ""),
            role=str(doc["role"]),
            releases=tuple(doc.get("releases") or ()),
            held_before_pre=tuple(doc.get("held_before_pre") or ()),
            discs=tuple(
                (str(d["title_id"]), bool(d["before_street"])) for d in doc.get("discs") or ()
            ),
            bad_lines=int(doc.get("bad_lines") or 0),
            repaired_lines=int(doc.get("repaired_lines") or 0),
            image=str(doc.get("image") or ""),
        )


def image_from_bodyfile(body: Path, image: Path, made_at: int) -> bool:
    """A small ext2 image holding the files a bodyfile lists (empty, with their mtimes), built
    with `mke2fs -d` (fixed UUID and hash seed; the inodes' ctimes are the build's, which the
    triage never reads). False when e2fsprogs is not installed."""
    mke2fs = shutil.which("mke2fs") or (
        "/usr/sbin/mke2fs" if Path("/usr/sbin/mke2fs").exists() else None
    )
    if mke2fs is None:
        return False
    fixed = str(uuid.uuid5(uuid.NAMESPACE_URL, f"scenescope:{body.name}"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders: list[tuple[Path, int]] = []
        for line in body.read_bytes().splitlines():
            fields = line.decode("utf-8", "replace").split("|")
            if len(fields) != 11 or not fields[8].isdigit():
                continue
            target = root / fields[1].lstrip("/")
            mtime = int(fields[8])
            if fields[3].startswith("d"):
                target.mkdir(parents=True, exist_ok=True)
                folders.append((target, mtime))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"")
            os.utime(target, (mtime, mtime))
        for folder, mtime in reversed(folders):
            os.utime(folder, (mtime, mtime))
        image.unlink(missing_ok=True)
        env = {**os.environ, "E2FSPROGS_FAKE_TIME": str(made_at)}
        command = [
            mke2fs,
            "-q",
            "-t",
            "ext2",
            "-N",
            "4096",
            "-U",
            fixed,
            "-E",
            f"hash_seed={fixed}",
            "-d",
            str(root),
            str(image),
            "16M",
        ]
        done = subprocess.run(command, capture_output=True, env=env, check=False)
    return done.returncode == 0


def seized_media(raw_truth: dict[str, Any]) -> list[TrueMedium]:
    """The seized media of a world's truth.json (`WorldTruth.raw`); empty if it has none."""
    section = raw_truth.get("seized") or {}
    return [TrueMedium.from_dict(m) for m in section.get("media") or ()]


class _Body:
    """One bodyfile being built: directories appear with their first file."""

    def __init__(self, rng: random.Random) -> None:
        self.lines: list[bytes] = []
        self.dirs: set[str] = set()
        self.inode = 11
        self.rng = rng
        self.bad = 0
        self.repaired = 0

    def _line(self, path: str, mode: str, size: int, t: int) -> None:
        self.inode += 1
        atime = t + int(self.rng.random() * 3 * DAY)
        self.lines.append(
            f"0|{path}|{self.inode}|{mode}|1000|1000|{size}|{atime}|{t}|{t}|{t}".encode()
        )

    def file(self, path: str, size: int, t: int) -> None:
        parts = path.split("/")
        for depth in range(2, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in self.dirs:
                self.dirs.add(folder)
                self._line(folder, "d/drwxr-xr-x", 4096, t)
        self._line(path, "r/rrw-r--r--", size, t)

    def raw(self, line: bytes, bad: bool) -> None:
        """A line as written; `bad`: a reader must skip it, else it is kept repaired."""
        self.lines.append(line)
        self.bad += int(bad)
        self.repaired += int(not bad)

    def write(self, path: Path) -> None:
        path.write_bytes(b"\n".join(self.lines) + b"\n")


def _short(name: str) -> str:
    words = re.sub(r"[^a-z0-9.]", "", name.lower()).split(".")
    return "".join(w[:4] for w in words[:3]) or "rel"


def _label(title: str, year: int, disc: str) -> str:
    words = re.sub(r"[^A-Z0-9]+", "_", title.upper()).strip("_")
    return f"{words}_{year}_{disc}"


class SeizedMedia:
    """Collects what the raided family's machines and others' drives held, while the world
    runs; writes the media after it."""

    def __init__(self, operation: Operation, roster: Roster, catalog: Catalog, seed: int) -> None:
        self.op = operation
        self.catalog = catalog
        self.rng = random.Random(f"{seed}:seized")
        self.family = sorted(
            g.name for g in roster.family_groups if g.family == operation.family_id
        )
        self.family_set = set(self.family)
        self.own: list[_Held] = []
        self.pool: list[_Held] = []
        self.pool_seen = 0

    def observe(self, release: SimRelease) -> None:
        ts, op_ts = release.ts, self.op.event_ts
        if ts >= op_ts or ts < op_ts - FAMILY_DAYS * DAY:
            return
        held = _Held(
            release.name,
            ts,
            release.group,
            release.title_id,
            release.source_class,
            release.kind,
            release.category,
            release.size_kb,
            release.family,
        )
        if release.group in self.family_set:
            self.own.append(held)
            return
        if ts < op_ts - POOL_DAYS * DAY:
            return
        self.pool_seen += 1
        if len(self.pool) < POOL_SIZE:
            self.pool.append(held)
        else:
            slot = int(self.rng.random() * self.pool_seen)
            if slot < POOL_SIZE:
                self.pool[slot] = held

    # --- layout --------------------------------------------------------------------------

    def _release(self, body: _Body, folder: str, r: _Held, t: int, *, proof: bool) -> None:
        rng = self.rng
        base = f"{folder}/{r.name}"
        short = f"{r.group.lower()}-{_short(r.name)}"
        size = max(1, r.size_kb) * 1024
        volumes = max(1, min(12, size // (400 * 1024 * 1024)))
        body.file(f"{base}/{short}.nfo", 4000 + int(rng.random() * 8000), t)
        body.file(f"{base}/{short}.sfv", 600, t + 1)
        body.file(f"{base}/{short}.rar", size // (volumes + 1), t + 2)
        for index in range(volumes):
            body.file(f"{base}/{short}.r{index:02d}", size // (volumes + 1), t + 3 + index)
        if r.kind in ("movie", "episode") and rng.random() < 0.8:
            body.file(f"{base}/Sample/{short}-sample.mkv", 40_000_000, t + 20)
        if proof:
            body.file(f"{base}/Proof/{short}-proof.jpg", 900_000, t - 600)

    def _personal(self, body: _Body, user: str, count: int, t0: int) -> None:
        rng = self.rng
        for i in range(count):
            t = t0 + int(rng.random() * 200 * DAY)
            kind = i % 4
            if kind == 0:
                body.file(f"/home/{user}/Documents/notes_{i:03d}.odt", 20_000 + i, t)
            elif kind == 1:
                body.file(f"/home/{user}/Pictures/IMG_{2000 + i}.jpg", 2_500_000 + i, t)
            elif kind == 2:
                body.file(f"/home/{user}/.config/app{i % 7}/settings.json", 900, t)
            else:
                body.file(f"/usr/share/doc/pkg{i}/changelog.gz", 3000 + i, t)

    def _street(self, title_id: str) -> int | None:
        if not title_id.startswith("M"):
            return None
        movie = self.catalog.movies[int(title_id[1:]) - 1]
        found = movie.earliest("physical")
        if found is None:
            return None
        day = found[0]
        return (day.toordinal() - 719163) * DAY

    def write(self, out_dir: Path) -> dict[str, Any]:
        """Write every medium's bodyfile into `out_dir/seized/`; returns the truth section."""
        folder = out_dir / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        media: list[dict[str, Any]] = []
        for group in self.family:
            media.append(self._workstation(folder, group))
        media.append(self._pre_server(folder))
        for index in range(2):
            media.append(self._courier(folder, index))
        for index in range(3):
            media.append(self._end_user(folder, index))
        media.append(self._unrelated(folder))
        return {
            "event_at": self.op.event_ts,
            "family": self.op.family_id,
            "folder": FOLDER,
            "media": media,
        }

    def _truth(
        self,
        label: str,
        role: str,
        held: dict[str, int],
        body: _Body,
        folder: Path,
        discs: list[dict[str, Any]] | None = None,
        pres: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        path = folder / f"{label}.body"
        body.write(path)
        pres = pres or {}
        return {
            "label": label,
            "file": f"{FOLDER}/{path.name}",
            "role": role,
            "releases": sorted(held),
            "held_before_pre": sorted(n for n, t in held.items() if t < pres[n]),
            "discs": discs or [],
            "bad_lines": body.bad,
            "repaired_lines": body.repaired,
        }

    def _workstation(self, folder: Path, group: str) -> dict[str, Any]:
        rng = self.rng
        body = _Body(rng)
        user = group.lower()
        mine = [r for r in self.own if r.group == group][-WORKSTATION_CAP:]
        held: dict[str, int] = {}
        pres: dict[str, int] = {}
        discs: dict[str, dict[str, Any]] = {}
        for r in mine:
            t = r.ts - int(2 * HOUR + rng.random() * 70 * HOUR)
            self._release(
                body, f"/home/{user}/release", r, t, proof=r.source_class == "retail-disc"
            )
            held[r.name], pres[r.name] = t, r.ts
            street = self._street(r.title_id)
            if r.source_class != "retail-disc" or street is None or r.title_id in discs:
                continue
            movie = self.catalog.movies[int(r.title_id[1:]) - 1]
            disc_t = t - int(DAY + rng.random() * 5 * DAY)
            draw = rng.random()
            dvd = "dvd" in r.name.lower()
            if draw < 0.5:
                label = _label(movie.title, movie.year, "DVD9" if dvd else "BD50")
                if dvd:
                    body.file(
                        f"/home/{user}/rips/{label}/VIDEO_TS/VTS_01_1.VOB", 1_073_000_000, disc_t
                    )
                    body.file(f"/home/{user}/rips/{label}/VIDEO_TS/VIDEO_TS.IFO", 12_000, disc_t)
                else:
                    body.file(
                        f"/home/{user}/rips/{label}/BDMV/STREAM/00001.m2ts", 30_000_000_000, disc_t
                    )
                    body.file(f"/home/{user}/rips/{label}/BDMV/index.bdmv", 300, disc_t)
            elif draw < 0.75:
                body.file(
                    f"/home/{user}/iso/{_label(movie.title, movie.year, 'BD25')}.iso",
                    24_000_000_000,
                    disc_t,
                )
            else:
                stem = naming.dotted(movie.title).lower()
                body.file(
                    f"/home/{user}/encodes/{stem}.{movie.year}.test.encode.mkv",
                    8_000_000_000,
                    disc_t,
                )
            discs[r.title_id] = {"title_id": r.title_id, "before_street": disc_t < street}
        self._personal(body, user, 60, self.op.event_ts - 200 * DAY)
        return self._truth(
            f"ws-{user}", "group-workstation", held, body, folder, list(discs.values()), pres
        )

    def _pre_server(self, folder: Path) -> dict[str, Any]:
        rng = self.rng
        body = _Body(rng)
        recent = [r for r in self.own if r.ts >= self.op.event_ts - 30 * DAY][-PRE_SERVER_CAP:]
        affiliates = [r for r in self.pool if r.kind != "noise"][:40]
        held: dict[str, int] = {}
        pres: dict[str, int] = {}
        for r in recent + affiliates:
            if r.name in held:
                continue
            t = r.ts - int(90 + rng.random() * 35 * 60)
            place = (
                f"/glftpd/site/_PRE/{r.group}"
                if rng.random() < 0.15
                else f"/glftpd/site/{r.category}"
            )
            self._release(
                body,
                place,
                r,
                t,
                proof=r.source_class == "retail-disc" and r.group in self.family_set,
            )
            held[r.name], pres[r.name] = t, r.ts
        for r in self.pool[40:70]:  # couriers race other groups' releases in after the pre
            t = r.ts + int(60 + rng.random() * 2 * HOUR)
            if t < self.op.event_ts and r.name not in held:
                self._release(body, f"/glftpd/site/{r.category}", r, t, proof=False)
                held[r.name], pres[r.name] = t, r.ts
        t0 = self.op.event_ts - 300 * DAY
        body.file("/glftpd/etc/glftpd.conf", 14_000, t0)
        for user in ("siteop", "courier1", "courier2", *[g.lower() for g in self.family]):
            body.file(f"/glftpd/ftp-data/users/{user}", 2_000, t0 + int(rng.random() * 100 * DAY))
        return self._truth("pre-server", "pre-server", held, body, folder, None, pres)

    def _courier(self, folder: Path, index: int) -> dict[str, Any]:
        rng = self.rng
        body = _Body(rng)
        choices = self.pool[70 + index * COURIER_RELEASES : 70 + (index + 1) * COURIER_RELEASES]
        own = rng.sample(self.own, min(len(self.own), COURIER_RELEASES // 3))
        held: dict[str, int] = {}
        pres: dict[str, int] = {}
        for r in choices + own:
            t = r.ts + int(10 * 60 + rng.random() * 4 * DAY)
            if t >= self.op.event_ts or r.name in held:
                continue
            self._release(body, f"/mnt/archive/{r.category}", r, t, proof=False)
            held[r.name], pres[r.name] = t, r.ts
        if index == 0:
            self._bad_lines(body)
        self._personal(body, f"c{index}", 30, self.op.event_ts - 200 * DAY)
        return self._truth(
            f"courier-{index + 1}", "courier-archive", held, body, folder, None, pres
        )

    def _bad_lines(self, body: _Body) -> None:
        """Lines a real listing carries: a '|' in a name (rejoined), wrong field counts, names
        that are not UTF-8, a 0 and a far-future mtime (kept with the time cleared)."""
        t = self.op.event_ts - 20 * DAY
        body.raw(
            f"0|/mnt/archive/notes|old|draft.txt|91|r/rrw-r--r--|0|0|12|{t}|{t}|{t}|{t}".encode(),
            False,
        )
        body.raw(b"0|/mnt/archive/truncated.lin", True)
        body.raw(f"0|/mnt/archive/x.txt|92|r/rrw-r--r--|0|0|5|{t}|{t}".encode(), True)
        body.raw(
            b"0|/mnt/archive/caf\xe9-\xff.txt|93|r/rrw-r--r--|0|0|5|"
            + str(t).encode() * 1
            + b"|1|1|1",
            True,
        )
        body.raw(b"0|/mnt/archive/\xc3(bad.txt|94|r/rrw-r--r--|0|0|5|1|1|1|1", True)
        body.raw(b"0|/mnt/archive/zero.txt|95|r/rrw-r--r--|0|0|5|0|0|0|0", False)
        body.raw(
            f"0|/mnt/archive/future.txt|96|r/rrw-r--r--|0|0|5|{t}|4102444800|{t}|0".encode(), False
        )

    def _end_user(self, folder: Path, index: int) -> dict[str, Any]:
        rng = self.rng
        body = _Body(rng)
        user = ("alex", "sam", "kim")[index]
        films = [r for r in self.pool if r.kind in ("movie", "episode")]
        start = 330 + index * END_USER_FILES
        held: dict[str, int] = {}
        pres: dict[str, int] = {}
        for r in films[start : start + END_USER_FILES]:
            t = r.ts + int(3 * HOUR + rng.random() * 30 * DAY)
            if t >= self.op.event_ts or r.name in held:
                continue
            renamed = naming.p2p_name(r.name, rng)
            path = f"/home/{user}/Downloads/{renamed}"
            if not renamed.endswith(".mkv"):
                path += ".mkv"
            body.file(path, max(1, r.size_kb) * 1000, t)
            if rng.random() < 0.5:
                body.file(
                    f"/home/{user}/Downloads/torrents/{_short(r.name)}.torrent", 40_000, t - 600
                )
            held[r.name], pres[r.name] = t, r.ts
        self._personal(body, user, 80, self.op.event_ts - 200 * DAY)
        truth = self._truth(f"enduser-{user}", "end-user", held, body, folder, None, pres)
        if index == 0:  # one medium also as a real file system image, when mke2fs is at hand
            image = folder / f"enduser-{user}.img"
            if image_from_bodyfile(folder / f"enduser-{user}.body", image, self.op.event_ts):
                truth["image"] = f"{FOLDER}/{image.name}"
        return truth

    def _unrelated(self, folder: Path) -> dict[str, Any]:
        body = _Body(self.rng)
        self._personal(body, "office", 150, self.op.event_ts - 300 * DAY)
        body.file(
            "/home/office/Videos/birthday_party.mp4", 400_000_000, self.op.event_ts - 40 * DAY
        )
        return self._truth("office-pc", "unrelated", {}, body, folder, None, {})
