"""Title matching throughput: N parsed releases against a synthetic catalog of M titles.

Generates a catalog (films with remakes and aliases, series with episodes) and parsed release
titles drawn from it (exact, punctuation variants, aliases, typos, missing years, unknown
titles), stores both in DuckDB with the real migrations, times `match_releases`, and compares
with a brute-force rapidfuzz baseline (`process.extractOne` over every title) on a sample.

    .venv/bin/python benchmarks/match.py --releases 1000000 --titles 50000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import string
import time

import duckdb
import pyarrow as pa
from rapidfuzz import fuzz, process

from scenescope.catalog.match_run import load_index, match_releases
from scenescope.catalog.normalize import title_key
from scenescope.catalog.records import CatalogTitle, Episode
from scenescope.catalog.tables import upsert_episodes, upsert_titles
from scenescope.store.db import ensure_views, known_migrations

SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "ven",
    "tor",
    "el",
    "an",
    "dre",
    "sil",
    "mar",
    "quin",
    "bel",
    "os",
    "tra",
    "ny",
    "cor",
    "u",
    "vi",
    "gast",
    "hel",
    "ph",
    "ix",
    "zu",
)

SOURCES = ("bluray", "web", "webrip", "hdtv", "dvd", "telesync")


def make_words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(words)


def make_catalog(rng: random.Random, titles: int) -> tuple[list[CatalogTitle], list[Episode]]:
    words = make_words(rng, 4000)
    out: list[CatalogTitle] = []
    episodes: list[Episode] = []
    used: set[str] = set()
    while len(out) < titles:
        number = len(out)
        if out and rng.random() < 0.03:  # a remake: same title, another year
            source = rng.choice(out)
            title, kind = source.title, source.kind
        else:
            title = " ".join(rng.choice(words) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            if rng.random() < 0.1:
                title = f"The {title}"
            if rng.random() < 0.05:
                title = f"{title}: {rng.choice(words)}"
            if title.lower() in used:
                continue
            kind = "series" if rng.random() < 0.2 else "movie"
        used.add(title.lower())
        aliases = (" ".join(rng.choice(words) for _ in range(2)),) if rng.random() < 0.1 else ()
        title_id = f"T{number:07d}"
        out.append(CatalogTitle(title_id, kind, title, rng.randint(1950, 2024), None, aliases))
        if kind == "series":
            for episode in range(1, 11):
                air = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1500))
                episodes.append(Episode(title_id, 1, episode, air, "US"))
    return out, episodes


def typo(rng: random.Random, text: str) -> str:
    position = rng.randrange(len(text))
    return text[:position] + rng.choice(string.ascii_lowercase) + text[position + 1 :]


def make_releases(
    rng: random.Random, catalog: list[CatalogTitle], count: int
) -> tuple[pa.Table, list[str | None]]:
    """Parsed release rows and, per row, the title_id it was drawn from (None = not in catalog)."""
    columns: dict[str, list[object]] = {
        k: []
        for k in ("release_id", "name", "title", "year", "kind", "season", "episodes", "source")
    }
    truth: list[str | None] = []
    unknown_words = make_words(random.Random(99), 600)
    # Popularity: a few titles get many releases (many groups, formats, episodes).
    weights = [1.0 / (rank + 10) for rank in range(len(catalog))]
    picks = rng.choices(catalog, weights=weights, k=count)
    for number, title in enumerate(picks):
        roll = rng.random()
        if roll < 0.08:
            name_title = " ".join(rng.choice(unknown_words) for _ in range(3))
            year, truth_id = rng.randint(1990, 2024), None
            kind, season, episodes = "movie", None, []
        else:
            truth_id = title.title_id
            name_title = title.title
            if title.aliases and roll < 0.12:
                name_title = title.aliases[0]
            elif roll < 0.14:
                name_title = typo(rng, name_title)
            name_title = name_title.replace(":", "").replace("'", "")
            year = title.year if rng.random() < 0.97 or title.kind == "series" else None
            if title.kind == "series":
                kind, season, episodes, year = "episode", 1, [rng.randint(1, 10)], None
            else:
                kind, season, episodes = "movie", None, []
        columns["release_id"].append(number + 1)
        columns["name"].append(f"{name_title.replace(' ', '.')}.{number}-GRP")
        columns["title"].append(name_title)
        columns["year"].append(year)
        columns["kind"].append(kind)
        columns["season"].append(season)
        columns["episodes"].append(episodes)
        columns["source"].append(rng.choice(SOURCES))
        truth.append(truth_id)
    table = pa.table(
        {
            "release_id": pa.array(columns["release_id"], pa.int64()),
            "name": pa.array(columns["name"], pa.string()),
            "title": pa.array(columns["title"], pa.string()),
            "year": pa.array(columns["year"], pa.int32()),
            "kind": pa.array(columns["kind"], pa.string()),
            "season": pa.array(columns["season"], pa.int32()),
            "episodes": pa.array(columns["episodes"], pa.list_(pa.int32())),
            "source": pa.array(columns["source"], pa.string()),
        }
    )
    return table, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--titles", type=int, default=50_000)
    parser.add_argument("--baseline-sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    catalog, episodes = make_catalog(rng, args.titles)
    releases, truth = make_releases(rng, catalog, args.releases)
    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    for migration in known_migrations():
        conn.execute(migration.sql)
    ensure_views(conn)  # the rule-generated views a real store opens with
    upsert_titles(conn, catalog)
    upsert_episodes(conn, episodes)
    conn.register("generated", releases)
    conn.execute(
        "INSERT INTO releases (release_id, name, title, year, kind, season, episodes, source, "
        "first_seen_at) SELECT *, now() FROM generated"
    )
    conn.unregister("generated")

    started = time.perf_counter()
    index = load_index(conn)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = match_releases(conn, index=index)
    match_seconds = time.perf_counter() - started
    rate = args.releases / match_seconds

    matched = dict(
        conn.execute(
            "SELECT release_id, title_id FROM release_matches WHERE status = 'matched'"
        ).fetchall()
    )
    correct = sum(1 for rid, tid in matched.items() if truth[rid - 1] == tid)
    in_catalog = sum(1 for t in truth if t is not None)
    found = sum(1 for rid, tid in matched.items() if truth[rid - 1] == tid)

    # Brute force: every release title against every catalog key, no blocking.
    keys = index.keys
    sample = rng.sample(range(args.releases), min(args.baseline_sample, args.releases))
    titles = releases.column("title").to_pylist()
    started = time.perf_counter()
    for row in sample:
        process.extractOne(title_key(titles[row]), keys, scorer=fuzz.WRatio)
    baseline_rate = len(sample) / (time.perf_counter() - started)

    print(
        f"catalog: {len(catalog):,} titles ({len(keys):,} keys), {len(episodes):,} episodes; "
        f"index built in {index_seconds:.2f} s"
    )
    print(
        f"releases: {args.releases:,} in {summary.groups:,} distinct (title, year, episode) groups"
    )
    print(
        f"match_releases: {match_seconds:.2f} s -> {rate:,.0f} releases/s "
        f"({summary.matched:,} matched, {summary.possible:,} possible, "
        f"{summary.unmatched:,} unmatched)"
    )
    print(
        f"brute-force rapidfuzz extractOne over all keys: {baseline_rate:,.0f} releases/s "
        f"(sample of {len(sample):,})"
    )
    print(f"ratio: {rate / baseline_rate:,.0f}x the brute-force baseline")
    print(
        f"accuracy of asserted matches: {correct / max(1, len(matched)):.4f}; "
        f"recall of in-catalog releases: {found / max(1, in_catalog):.4f}"
    )


if __name__ == "__main__":
    main()
