"""CSV file listings other tools export: `path, size, mtime[, crtime, sha1]` with a header.
Times are unix seconds or ISO-8601 (a time without a zone is local to the medium's
`--timezone`, UTC if none). Extra columns are ignored; common spellings are accepted."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from scenescope.evidence.bodyfile import _normal_path, check_time
from scenescope.evidence.records import Entry, ListingError, Problem, Problems

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "path": ("path", "full_path", "fullpath", "filename", "file_name", "name", "file"),
    "size": ("size", "size_bytes", "bytes", "length", "file_size"),
    "mtime": ("mtime", "modified", "modified_at", "last_modified", "date_modified", "written"),
    "crtime": ("crtime", "created", "created_at", "birth", "btime", "date_created"),
    "sha1": ("sha1", "sha1_hash", "hash_sha1"),
    "md5": ("md5", "md5_hash", "hash_md5"),
    "atime": ("atime", "accessed", "last_accessed"),
    "is_dir": ("is_dir", "directory", "type"),
}


def _columns(header: list[str], source: str) -> dict[str, int]:
    lowered = [h.strip().lower().replace(" ", "_") for h in header]
    found: dict[str, int] = {}
    for key, names in COLUMN_NAMES.items():
        for name in names:
            if name in lowered:
                found[key] = lowered.index(name)
                break
    missing = [key for key in ("path", "size", "mtime") if key not in found]
    if missing:
        raise ListingError(
            f"{source}:1: the CSV header lacks {', '.join(missing)} "
            f"(need path, size, mtime[, crtime, sha1]; got {', '.join(header)})"
        )
    return found


def parse_csv_time(
    text: str, zone: ZoneInfo, field: str, horizon: int
) -> tuple[int | None, str | None]:
    text = text.strip()
    if not text or text.lstrip("-").replace(".", "", 1).isdigit():
        return check_time(text or "0", field, horizon)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None, f"{field} {text!r} is neither unix seconds nor ISO-8601"
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return check_time(str(int(when.timestamp())), field, horizon)


def read_csv_listing(
    lines: Iterable[bytes], source: str, problems: Problems, horizon: int, timezone: str | None
) -> Iterator[Entry]:
    zone = ZoneInfo(timezone or "UTC")
    decoded = _decode(lines, source, problems)
    reader = csv.reader(decoded)
    try:
        header = next(reader)
    except StopIteration:
        return
    cols = _columns(header, source)
    width = max(cols.values()) + 1
    for row in reader:
        number = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        raw = ",".join(row)
        if len(row) < width:
            problems.add(
                Problem(source, number, f"{len(row)} fields, the header needs {width}", False, raw)
            )
            continue
        path = row[cols["path"]].strip()
        size_text = row[cols["size"]].strip() or "0"
        if not path:
            problems.add(Problem(source, number, "empty path", False, raw))
            continue
        try:
            size = int(float(size_text))
        except ValueError:
            problems.add(
                Problem(source, number, f"[size] {size_text!r} is not a number", False, raw)
            )
            continue
        reasons: list[str] = []
        times: dict[str, int | None] = {}
        for key in ("mtime", "crtime", "atime"):
            if key not in cols:
                times[key] = None
                continue
            value, reason = parse_csv_time(row[cols[key]], zone, key, horizon)
            times[key] = value
            if reason:
                reasons.append(reason)
        if row[cols["mtime"]].strip() in ("", "0") and not reasons:
            reasons.append("mtime is 0 or empty")
        is_dir = path.endswith(("/", "\\"))
        if "is_dir" in cols:
            flag = row[cols["is_dir"]].strip().lower()
            is_dir = is_dir or flag in ("1", "true", "yes", "d", "dir", "directory")
        digest = row[cols["md5"]].strip() if "md5" in cols else ""
        if reasons:
            problems.add(Problem(source, number, "; ".join(reasons), True, raw))
        yield Entry(
            _normal_path(path),
            size,
            times["mtime"],
            times["atime"],
            None,
            times["crtime"],
            is_dir,
            False,
            None,
            None,
            digest or None,
            number,
        )


def _decode(lines: Iterable[bytes], source: str, problems: Problems) -> Iterator[str]:
    for number, raw in enumerate(lines, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            problems.add(
                Problem(
                    source,
                    number,
                    f"not valid UTF-8 (byte {exc.start})",
                    False,
                    raw.decode("utf-8", "replace"),
                )
            )
            yield "\n"  # keeps the csv reader's line numbers in step


def sniff_csv(head: bytes) -> bool:
    """Does this look like a CSV listing (a header with a path and a size column)?"""
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    if "|" in first and first.count("|") >= 10:
        return False
    try:
        header = next(csv.reader(io.StringIO(first)))
    except StopIteration:
        return False
    lowered = {h.strip().lower().replace(" ", "_") for h in header}
    return bool(lowered & set(COLUMN_NAMES["path"])) and bool(lowered & set(COLUMN_NAMES["size"]))
