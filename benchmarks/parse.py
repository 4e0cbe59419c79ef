"""Parser throughput against guessit and parsett (PTT) on the same names, and peak memory of
`parse_many` over 1,000,000 distinct names (in a subprocess, so the figure is its own).

Run: .venv/bin/python benchmarks/parse.py [--quick]   (peers: pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SIZE = 2_000


def mixed_sample(size: int) -> list[str]:
    """Up to `size` names: the labeled corpus files, then the bundled sample, cycled."""
    names: list[str] = []
    for path in sorted((ROOT / "tests" / "corpus").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            names.extend(json.loads(line)["name"] for line in lines if line.strip())
    sample = ROOT / "src" / "scenescope" / "data" / "sample_names.txt"
    names.extend(n for n in sample.read_text(encoding="utf-8").splitlines() if n.strip())
    # Spread the picks over the whole list so every style (scene, P2P, anime...) is in it.
    step = max(1, len(names) // size)
    picked = names[::step][:size]
    while len(picked) < size:
        picked.extend(picked[: size - len(picked)])
    return picked


def names_per_second(parse: Callable[[str], object], names: Sequence[str], rounds: int) -> float:
    """Best of `rounds` timed passes over `names` (after one warm-up call)."""
    parse(names[0])
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for name in names:
            parse(name)
        best = min(best, time.perf_counter() - started)
    return len(names) / best


MEMORY_SCRIPT = """
import resource, sys
from scenescope import parse_many
count = int(sys.argv[1])
base = sys.argv[2:]
names = [f"{base[i % len(base)]}{i}" for i in range(count)]  # distinct: no sharing
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
records = parse_many(names)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(records), before, after)
"""


def peak_memory_mib(count: int, names: Sequence[str]) -> tuple[float, float]:
    """(peak RSS of the whole process, of which the input names list) in MiB."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(count), *names[:200]],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    parsed, before_kib, after_kib = (int(x) for x in out)
    assert parsed == count
    return after_kib / 1024, before_kib / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a fast check")
    args = parser.parse_args(argv)
    from scenescope import parse

    names = mixed_sample(SAMPLE_SIZE)
    guessit_n = 200 if args.quick else 1_000
    ptt_n = 1_000 if args.quick else SAMPLE_SIZE
    rounds = 3 if args.quick else 5
    ours = names_per_second(parse, names, rounds * 2)
    print(f"scenescope  {ours:>12,.0f} names/s  ({len(names):,} names, best of {rounds * 2})")
    try:
        import guessit  # type: ignore[import-untyped]
    except ImportError:
        print("guessit     not installed (pip install -e '.[bench]')")
    else:
        peer = names_per_second(guessit.guessit, names[:guessit_n], 1)
        print(
            f"guessit     {peer:>12,.0f} names/s  ({guessit_n:,} names)"
            f"   scenescope / guessit = {ours / peer:,.0f}x (target >= 300x)"
        )
    try:
        import PTT  # type: ignore[import-untyped]
    except ImportError:
        print("parsett     not installed (pip install -e '.[bench]')")
    else:
        peer = names_per_second(PTT.parse_title, names[:ptt_n], 2)
        print(
            f"parsett     {peer:>12,.0f} names/s  ({ptt_n:,} names)"
            f"   scenescope / parsett = {ours / peer:,.1f}x (target >= 30x)"
        )
    count = 100_000 if args.quick else 1_000_000
    peak, before = peak_memory_mib(count, names)
    print(
        f"parse_many  {count:,} distinct names: peak RSS {peak:,.0f} MiB "
        f"(input list and interpreter {before:,.0f} MiB; target < 1024 MiB)"
    )


if __name__ == "__main__":
    main()
