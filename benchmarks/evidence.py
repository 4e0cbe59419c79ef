"""Seized-media triage: accuracy on simulated worlds the triage was not tuned on, and a large
bodyfile (5 million entries by default) added and triaged with time and peak RSS, beside a
bare line count of the same file (the peer: reading the bytes and nothing else).

    python benchmarks/evidence.py [--seeds 9090 31337] [--scale 0.1] [--entries 5000000]
                                  [--skip-worlds] [--skip-scale]

Each scale step runs in its own process, so each peak RSS is that step's own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenescope.analysis.evidence_world import add_world_media, triage_world
from scenescope.analysis.trace_world import load_world
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.simulate import simulate

SECTIONS = ("X264-HD", "TV-HD", "X265", "BLURAY", "TV-SD", "MP3", "0DAY", "FOREIGN")


def worlds(seeds: list[int], scale: float, folder: Path) -> Path:
    print(f"== triage accuracy on unseen worlds (scale {scale}) ==")
    last = folder
    for seed in seeds:
        here = folder / f"seed{seed}"
        simulate(load_config(None).with_world(seed=seed, scale=scale), here / "world")
        with Store.open(here / "store.duckdb") as store:
            load_world(store, here / "world")
            add_world_media(store, here / "world")
            started = time.perf_counter()
            triaged = triage_world(store, here / "world")
            seconds = time.perf_counter() - started
        figures = triaged.score.to_dict()
        shown = {
            k: figures[k]
            for k in (
                "release_precision",
                "release_recall",
                "before_after_exact",
                "disc_recall",
                "role_accuracy",
            )
        }
        print(
            f"seed {seed}: {json.dumps(shown)}  ({figures['media']} media, "
            f"{figures['releases_true']} true releases, triage {seconds:.2f} s)"
        )
        if figures["wrong_roles"]:
            print(f"  wrong roles: {figures['wrong_roles']}")
        last = here
    return last


def write_bodyfile(path: Path, names: list[str], entries: int, seed: int = 5) -> int:
    """A pre-server / archive-like listing of `entries` lines: release folders of ~14 files
    under section folders of several disks, names drawn from the store, plus system files."""
    rng = random.Random(seed)
    inode = 100
    written = 0
    t0 = 1590000000
    with path.open("w", encoding="utf-8") as out:
        disk = 0
        while written < entries:
            name = names[rng.randrange(len(names))]
            section = SECTIONS[rng.randrange(len(SECTIONS))]
            base = f"/mnt/disk{disk % 40}/{section}/{name}"
            short = name[:12].lower().replace(".", "")
            t = t0 + rng.randrange(200 * 86400)
            files = [f"{short}.nfo", f"{short}.sfv", f"{short}.rar"]
            files += [f"{short}.r{i:02d}" for i in range(9)]
            files += ["Sample/sample.mkv"]
            out.write(f"0|{base}|{inode}|d/drwxr-xr-x|0|0|4096|{t}|{t}|{t}|{t}\n")
            inode += 1
            for offset, name_ in enumerate(files):
                out.write(
                    f"0|{base}/{name_}|{inode}|r/rrw-r--r--|0|0|50000000|{t}|{t + offset}|{t}|{t}\n"
                )
                inode += 1
            written += len(files) + 1
            if rng.random() < 0.02:
                for i in range(20):
                    out.write(
                        f"0|/usr/lib/pkg{inode}/f{i}.so|{inode}|r/rrw-r--r--|0|0|9000|{t}|{t}|{t}|0\n"
                    )
                    inode += 1
                written += 20
            disk += 1
    return written


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not carry the parent's
    memory across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(step: str, db: Path, listing: Path) -> None:
    """One measured step in its own process; prints `seconds peak_mb extra` on one line."""
    started = time.perf_counter()
    extra = ""
    if step == "add":
        from scenescope.evidence.store import add_media

        with Store.open(db) as store:
            added = add_media(store, "scale", [listing], label="big")
        extra = str(added[0].entries)
    else:
        from scenescope.analysis.evidence import EvidenceTriage, TriageParams

        with Store.open(db, read_only=True) as store:
            result = EvidenceTriage().fit(store.engine, TriageParams("scale", families=False))
        medium = result.media[0]
        extra = f"{medium.releases} releases, role {medium.role}"
    print(f"{time.perf_counter() - started:.3f} {_peak_mb():.1f} {extra}")


# The peer: a process that reads the listing's lines and counts them, nothing imported.
PEER = """
import sys, time
started = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as handle:
    for _ in handle:
        count += 1
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
peak = int(status) / 1024.0
print(f"{time.perf_counter() - started:.3f} {peak:.1f} {count}")
"""


def _run_child(step: str, db: Path, listing: Path) -> tuple[float, float, str]:
    command = [
        sys.executable,
        __file__,
        "--child",
        step,
        "--db",
        str(db),
        "--listing",
        str(listing),
    ]
    if step == "count":
        command = [sys.executable, "-c", PEER, str(listing)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak, *rest = done.stdout.strip().splitlines()[-1].split(" ", 2)
    return float(seconds), float(peak), rest[0] if rest else ""


def scale(entries: int, store_dir: Path, folder: Path) -> None:
    print(f"== a {entries:,}-entry bodyfile ==")
    source = store_dir / "store.duckdb"
    db = folder / "scale.duckdb"
    db.write_bytes(source.read_bytes())
    with Store.open(db, read_only=True) as store:
        names = [n for (n,) in store.connection.execute("SELECT name FROM releases").fetchall()]
    listing = folder / "big.body"
    written = write_bodyfile(listing, names, entries)
    size_mb = listing.stat().st_size / 1e6
    peer_s, peer_mb, counted = _run_child("count", db, listing)
    add_s, add_mb, added = _run_child("add", db, listing)
    triage_s, triage_mb, what = _run_child("triage", db, listing)
    print(f"listing: {written:,} lines, {size_mb:.0f} MB; store holds {len(names):,} releases")
    print(f"peer (bare line count): {peer_s:.2f} s, peak RSS {peer_mb:.0f} MB ({counted} lines)")
    print(
        f"evidence add:    {add_s:.2f} s, peak RSS {add_mb:.0f} MB ({added} entries); "
        f"{add_s / peer_s:.1f}x the peer"
    )
    print(
        f"evidence triage: {triage_s:.2f} s, peak RSS {triage_mb:.0f} MB ({what}); "
        f"{triage_s / peer_s:.1f}x the peer"
    )
    total = add_s + triage_s
    print(
        f"add + triage: {total:.2f} s = {total / peer_s:.1f}x the peer; "
        f"peak RSS ratio to peer {max(add_mb, triage_mb) / peer_mb:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[9090, 31337])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--skip-worlds", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--child", choices=("add", "triage"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--listing", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, args.listing)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeds = args.seeds if not args.skip_worlds else args.seeds[:1]
        if args.skip_worlds:
            print("(worlds skipped: one world is built for the scale store)")
        world = worlds(seeds, args.scale, folder) if not args.skip_worlds else None
        if world is None:
            world = folder / "store-only"
            simulate(load_config(None).with_world(seed=seeds[0], scale=args.scale), world / "world")
            with Store.open(world / "store.duckdb") as store:
                load_world(store, world / "world")
        if not args.skip_scale:
            scale(args.entries, world, folder)


if __name__ == "__main__":
    main()
