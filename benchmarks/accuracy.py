"""Field-by-field accuracy of scenescope, guessit and parsett (PTT) on a labeled corpus.

Each peer's output is mapped to our vocabulary (see PEER MAPPING below and docs/corpus.md),
then scored by the same rules as tests/test_corpus.py. Prints one table: field, n, each
parser's accuracy, and scenescope's lead over guessit in percentage points.

    .venv/bin/python benchmarks/accuracy.py                     # our corpus (tests/corpus/)
    .venv/bin/python benchmarks/accuracy.py --corpus other.jsonl --misses 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "corpus"))
import corpus_scoring as cs

Output = dict[str, Any]
Parser = Callable[[str], Output]

# --- PEER MAPPING: each peer's words → our vocabulary -----------------------------------
# Only what the peer itself reported is mapped; nothing is read back from the name.
GUESSIT_SOURCE = {
    "Blu-ray": "bluray",
    "Ultra HD Blu-ray": "uhd-bluray",
    "HD-DVD": "hddvd",
    "DVD": "dvd",
    "Web": "web",
    "HDTV": "hdtv",
    "TV": "hdtv",
    "Digital TV": "hdtv",
    "Satellite": "hdtv",
    "Ultra HDTV": "hdtv",
    "Analog HDTV": "hdtv",
    "Camera": "cam",
    "HD Camera": "cam",
    "Telesync": "telesync",
    "HD Telesync": "telesync",
    "Telecine": "telecine",
    "HD Telecine": "telecine",
    "Workprint": "workprint",
    "VHS": "vhs",
    "Video on Demand": "vod",
    "Pay-per-view": "ppv",
}
GUESSIT_SERVICE = {
    "Amazon Prime": "AMZN",
    "Netflix": "NF",
    "Disney+": "DSNP",
    "HBO Max": "HMAX",
    "Max": "MAX",
    "AppleTV": "ATVP",
    "Apple TV+": "ATVP",
    "Hulu": "HULU",
    "Peacock": "PCOK",
    "Paramount+": "PMTP",
    "iTunes": "IT",
    "Crunchy Roll": "CR",
    "Showtime": "SHO",
    "Starz": "STZ",
    "BBC iPlayer": "IP",
    "Comedy Central": "CC",
    "Crave": "CRAV",
    "Stan": "STAN",
    "Channel 4": "ALL4",
    "Channel 5": "MY5",
    "AMC": "AMC",
    "NowTV": "NOW",
    "YouTube Red": "RED",
}
GUESSIT_VIDEO = {
    "H.264": "h264",
    "H.265": "h265",
    "Xvid": "xvid",
    "DivX": "divx",
    "AV1": "av1",
    "MPEG-2": "mpeg2",
    "VC-1": "vc1",
    "VP9": "vp9",
}
GUESSIT_AUDIO = {
    "AAC": "aac",
    "Dolby Digital": "ac3",
    "Dolby Digital Plus": "eac3",
    "Dolby TrueHD": "truehd",
    "Dolby Atmos": "atmos",
    "DTS": "dts",
    "DTS-HD": "dts-hd",
    "DTS:X": "dtsx",
    "FLAC": "flac",
    "Opus": "opus",
    "MP3": "mp3",
    "LPCM": "pcm",
    "PCM": "pcm",
}
GUESSIT_HDR = {"HDR10": "hdr10", "HDR10+": "hdr10+", "Dolby Vision": "dv", "HLG": "hlg"}
GUESSIT_EDITION = {
    "Extended": "extended",
    "Unrated": "unrated",
    "Director's Cut": "directors-cut",
    "Theatrical": "theatrical",
    "IMAX": "imax",
    "Remastered": "remastered",
    "Criterion": "criterion",
    "Uncut": "uncut",
    "Uncensored": "uncensored",
    "Special": "special-edition",
    "Collector": "collectors-edition",
    "Final": "final-cut",
}
# guessit reports some release flags under `edition` or `other`
GUESSIT_FLAGS = {
    "Proper": "proper",
    "Internal": "internal",
    "Read NFO": "read-nfo",
    "Limited": "limited",
    "Festival": "festival",
    "Straight to Video": "stv",
    "Sync Fixed": "syncfix",
}

PTT_SOURCE = {
    "BluRay": "bluray",
    "BluRay REMUX": "bluray",
    "REMUX": "bluray",
    "BDRip": "bluray",
    "BRRip": "bluray",
    "UHDRip": "uhd-bluray",
    "DVD": "dvd",
    "DVDRip": "dvd",
    "WEB": "web",
    "WEB-DL": "web",
    "WEBRip": "webrip",
    "WEB-DLRip": "webrip",
    "HDTV": "hdtv",
    "HDTVRip": "hdtv",
    "PDTV": "hdtv",
    "TVRip": "hdtv",
    "SATRip": "hdtv",
    "CAM": "cam",
    "TeleSync": "telesync",
    "TeleCine": "telecine",
    "SCR": "screener",
    "VHS": "vhs",
    "VHSRip": "vhs",
}
PTT_SERVICE = {
    "Amazon": "AMZN",
    "Netflix": "NF",
    "Disney": "DSNP",
    "HBO": "HMAX",
    "Apple TV": "ATVP",
    "Hulu": "HULU",
    "Peacock": "PCOK",
    "Paramount+": "PMTP",
    "iTunes": "IT",
    "Crunchyroll": "CR",
    "AMC": "AMC",
}
PTT_VIDEO = {
    "avc": "h264",
    "hevc": "h265",
    "xvid": "xvid",
    "divx": "divx",
    "av1": "av1",
    "mpeg": "mpeg2",
    "vc1": "vc1",
}
PTT_AUDIO = {
    "AAC": "aac",
    "Dolby Digital": "ac3",
    "Dolby Digital Plus": "eac3",
    "TrueHD": "truehd",
    "Atmos": "atmos",
    "DTS Lossy": "dts",
    "DTS Lossless": "dts-hd",
    "DTS:X": "dtsx",
    "FLAC": "flac",
    "OPUS": "opus",
    "Opus": "opus",
    "MP3": "mp3",
    "PCM": "pcm",
}
PTT_HDR = {"HDR": "hdr10", "HDR10": "hdr10", "HDR10+": "hdr10+", "DV": "dv", "HLG": "hlg"}
PTT_EDITION = {
    "Extended Edition": "extended",
    "Directors Cut": "directors-cut",
    "Theatrical": "theatrical",
    "IMAX": "imax",
    "Remastered": "remastered",
    "Uncut": "uncut",
    "Criterion": "criterion",
    "Anniversary Edition": "anniversary",
    "Special Edition": "special-edition",
    "Collectors Edition": "collectors-edition",
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _first(value: Any) -> Any:
    items = _as_list(value)
    return items[0] if items else None


def _language_codes(value: Any) -> list[str]:
    codes = []
    for language in _as_list(value):
        code = getattr(language, "alpha2", None) or str(language)
        codes.append("multi" if str(language) == "mul" else code)
    return codes


def _episode_shape(kind: str | None, seasons: list[Any], episodes: list[Any]) -> Output:
    """Season pack and absolute numbering, derived from what the peer reported."""
    return {
        "season_pack": kind == "episode" and bool(seasons) and not episodes,
        "absolute_episode": bool(episodes) and not seasons,
    }


def guessit_fields(raw: Mapping[str, Any]) -> Output:
    """guessit's dict → our vocabulary."""
    other = _as_list(raw.get("other"))
    editions = _as_list(raw.get("edition"))
    source = GUESSIT_SOURCE.get(_first(raw.get("source")) or "")
    if "Screener" in other:
        source = "screener"
    elif source == "web" and "Rip" in other:
        source = "webrip"
    flags = {GUESSIT_FLAGS[word] for word in other + editions if word in GUESSIT_FLAGS}
    kind = raw.get("type") if raw.get("type") in ("movie", "episode") else None
    seasons, episodes = _as_list(raw.get("season")), _as_list(raw.get("episode"))
    date = raw.get("date")
    depth = str(raw.get("color_depth") or "").removesuffix("-bit")
    return {
        "title": _first(raw.get("title")),
        "year": _first(raw.get("year")),
        "kind": kind,
        "season": seasons[0] if seasons else None,
        "episodes": episodes,
        **_episode_shape(kind, seasons, episodes),
        "date": date.isoformat() if isinstance(date, dt.date) else None,
        "episode_title": _first(raw.get("episode_title")),
        "resolution": raw.get("screen_size"),
        "source": source,
        "streaming_service": GUESSIT_SERVICE.get(_first(raw.get("streaming_service")) or ""),
        "video_codec": GUESSIT_VIDEO.get(_first(raw.get("video_codec")) or ""),
        "audio_codec": GUESSIT_AUDIO.get(_first(raw.get("audio_codec")) or ""),
        "audio_channels": _first(raw.get("audio_channels")),
        "hdr": [GUESSIT_HDR[word] for word in other if word in GUESSIT_HDR],
        "bit_depth": int(depth) if depth.isdigit() else None,
        "languages": _language_codes(raw.get("language")),
        "subtitles": _language_codes(raw.get("subtitle_language")),
        "edition": [GUESSIT_EDITION[word] for word in editions if word in GUESSIT_EDITION],
        "flags": sorted(flags),
        "group": raw.get("release_group"),
        "container": raw.get("container"),
        "website": raw.get("website"),
    }


def parsett_fields(raw: Mapping[str, Any]) -> Output:
    """PTT's dict → our vocabulary (PTT has no kind: a season, episode or date means episode)."""
    seasons, episodes = _as_list(raw.get("seasons")), _as_list(raw.get("episodes"))
    kind = "episode" if seasons or episodes or raw.get("date") else "movie"
    source = PTT_SOURCE.get(raw.get("quality") or "")
    if raw.get("ppv"):
        source = "ppv"
    editions = [PTT_EDITION[e] for e in _as_list(raw.get("edition")) if e in PTT_EDITION]
    for key in ("extended", "unrated", "remastered", "uncensored"):
        if raw.get(key) and key not in editions:
            editions.append(key)
    flags = [key for key in ("proper", "repack", "dubbed", "subbed") if raw.get(key)]
    depth = str(raw.get("bit_depth") or "").removesuffix("bit")
    return {
        "title": raw.get("title"),
        "year": raw.get("year"),
        "kind": kind,
        "season": seasons[0] if seasons else None,
        "episodes": episodes,
        **_episode_shape(kind, seasons, episodes),
        "date": raw.get("date"),
        "episode_title": raw.get("episode_title"),
        "resolution": raw.get("resolution"),
        "source": source,
        "streaming_service": PTT_SERVICE.get(raw.get("network") or ""),
        "video_codec": PTT_VIDEO.get(raw.get("codec") or ""),
        "audio_codec": PTT_AUDIO.get(_first(raw.get("audio")) or ""),
        "audio_channels": _first(raw.get("channels")),
        "hdr": [PTT_HDR[word] for word in _as_list(raw.get("hdr")) if word in PTT_HDR],
        "bit_depth": int(depth) if depth.isdigit() else None,
        "languages": [
            "multi" if code.startswith("multi") else code for code in _as_list(raw.get("languages"))
        ],
        "subtitles": [],
        "edition": editions,
        "flags": flags,
        "group": raw.get("group"),
        "container": raw.get("container"),
        "website": raw.get("site"),
    }


def available_parsers() -> dict[str, Parser]:
    """scenescope plus whichever peers are installed (`pip install -e '.[bench]'`)."""
    import scenescope

    parsers: dict[str, Parser] = {"scenescope": lambda name: scenescope.parse(name).to_dict()}
    try:
        import guessit

        parsers["guessit"] = lambda name: guessit_fields(guessit.guessit(name))
    except ImportError:
        print("guessit is not installed: skipped", file=sys.stderr)
    try:
        from PTT import parse_title

        parsers["parsett"] = lambda name: parsett_fields(parse_title(name))
    except ImportError:
        print("parsett is not installed: skipped", file=sys.stderr)
    return parsers


def run_parser(label: str, parse: Parser, names: list[str], progress: Progress) -> list[Output]:
    """Parse every name; a peer that raises on a name scores nothing on it (counted)."""
    task = progress.add_task(label, total=len(names))
    outputs: list[Output] = []
    failures = 0
    for name in names:
        try:
            outputs.append(parse(name))
        except Exception:  # a peer's crash on one name is a miss, not the end of the run
            failures += 1
            outputs.append({})
        progress.advance(task)
    if failures:
        progress.console.print(f"{label}: raised on {failures} names (scored as misses)")
    return outputs


def build_table(cards: dict[str, cs.Scorecard], title: str) -> Table:
    table = Table(title=title)
    table.add_column("field", no_wrap=True)
    table.add_column("n", justify="right")
    for label in cards:
        table.add_column(f"{label} %", justify="right")
    has_lead = "scenescope" in cards and "guessit" in cards
    if has_lead:
        table.add_column("vs guessit pp", justify="right")
    first = next(iter(cards.values()))
    for key in sorted(first.fields, key=lambda k: -first.fields[k].asserted):
        row = [key, str(first.fields[key].asserted)]
        row += [f"{card.fields[key].accuracy * 100:.1f}" for card in cards.values()]
        if has_lead:
            lead = cards["scenescope"].fields[key].accuracy - cards["guessit"].fields[key].accuracy
            row.append(f"{lead * 100:+.1f}")
        table.add_row(*row)
    overall = ["overall", str(first.asserted)]
    overall += [f"{card.accuracy * 100:.2f}" for card in cards.values()]
    if has_lead:
        overall.append(f"{(cards['scenescope'].accuracy - cards['guessit'].accuracy) * 100:+.1f}")
    table.add_row(*overall, style="bold")
    fully = ["names fully right", str(first.cases)]
    fully += [f"{card.fully_right * 100:.2f}" for card in cards.values()]
    if has_lead:
        lead = cards["scenescope"].fully_right - cards["guessit"].fully_right
        fully.append(f"{lead * 100:+.1f}")
    table.add_row(*fully, style="bold")
    return table


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="JSON Lines corpus (repeatable); default: tests/corpus/*.jsonl",
    )
    parser.add_argument("--limit", type=int, default=0, help="score only the first N cases")
    parser.add_argument("--only", default="", help="comma-separated parsers to run")
    parser.add_argument(
        "--misses", type=int, default=0, help="show up to N scenescope misses per field"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    console = Console()
    try:
        cases = cs.load_corpus(args.corpus or cs.DEFAULT_FILES)
    except (OSError, cs.CorpusError) as exc:
        console.print(f"cannot load corpus: {exc}", markup=False, soft_wrap=True)
        return 2
    if args.limit:
        cases = cases[: args.limit]
    parsers = available_parsers()
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")}
        parsers = {label: fn for label, fn in parsers.items() if label in wanted}
    names = [case.name for case in cases]
    columns = (
        TextColumn("{task.description:>10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    cards: dict[str, cs.Scorecard] = {}
    with Progress(*columns, console=console) as progress:
        for label, parse in parsers.items():
            cards[label] = cs.score(cases, run_parser(label, parse, names, progress))
    sources = ", ".join(str(p) for p in (args.corpus or cs.DEFAULT_FILES))
    console.print(build_table(cards, f"Field accuracy on {len(cases)} names ({sources})"))
    if "scenescope" in cards and "guessit" in cards:
        ours, theirs = cards["scenescope"], cards["guessit"]
        ahead = sum(ours.fields[k].accuracy >= theirs.fields[k].accuracy for k in ours.fields)
        console.print(
            f"scenescope at or above guessit on {ahead}/{len(ours.fields)} fields; "
            f"overall {ours.accuracy:.3f} vs {theirs.accuracy:.3f} "
            f"(ratio {ours.accuracy / max(theirs.accuracy, 1e-9):.2f}x)"
        )
    if args.misses and "scenescope" in cards:
        for key in cards["scenescope"].fields:
            shown = [m for m in cards["scenescope"].misses if m.field == key][: args.misses]
            for miss in shown:
                console.print(
                    f"miss {key}: {miss.case.name!r} expected {miss.expected!r} "
                    f"got {miss.actual!r}",
                    markup=False,
                    highlight=False,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
