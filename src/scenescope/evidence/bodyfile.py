"""The Sleuth Kit bodyfile 3.x (`fls -m`, `ils -m` and the suites that export it), streamed:

    MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime

A `|` inside a name shifts the fields; the nine fields after the name have fixed shapes, so
such a line is rejoined (and reported). Lines with the wrong field count, names that are not
UTF-8, or sizes that are not numbers are reported and skipped; a time that is negative,
before 1980 or far in the future is reported and cleared. A 0 in atime, ctime or crtime is
TSK's "unknown" (ext2 has no crtime, FAT no ctime); a 0 mtime on a file is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenescope.evidence.records import (
    EARLIEST_TS,
    ENTRY_SCHEMA,
    Entry,
    Problem,
    Problems,
    entries_table,
)

FIELDS = 11
_INODE = re.compile(r"^[0-9]+(-[0-9]+(-[0-9]+)?)?$|^<[^>]*>$")
_MODE = re.compile(r"^[-a-zA-Z]/[-a-zA-Z]?[-rwxsStTl]{9}$")
_DELETED = " (deleted)"
_REALLOC = " (deleted-realloc)"
TIME_FIELDS = ("atime", "mtime", "ctime", "crtime")


def check_time(text: str, field: str, horizon: int) -> tuple[int | None, str | None]:
    """(unix seconds or None, a problem or None) for one time field."""
    text = text.strip()
    if text in ("", "0"):
        return None, None
    try:
        value = int(text) if "." not in text else int(float(text))
    except ValueError:
        return None, f"{field} {text!r} is not unix seconds"
    if value < 0:
        return None, f"{field} {value} is negative"
    if value < EARLIEST_TS:
        return None, f"{field} {value} is before 1980"
    if value > horizon:
        return None, f"{field} {value} is in the future"
    return value, None


def _tail_ok(tail: list[str]) -> bool:
    """Do the nine fields after the name look like inode|mode|uid|gid|size|4 times?"""
    inode, mode = tail[0], tail[1]
    if not (_INODE.match(inode) and _MODE.match(mode)):
        return False
    return all(_is_int(value) for value in tail[2:])


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def read_bodyfile(
    lines: Iterable[bytes], source: str, problems: Problems, horizon: int
) -> Iterator[Entry]:
    """Entries of a bodyfile, line by line (bounded memory whatever the listing's size)."""
    earliest = EARLIEST_TS
    for number, raw in enumerate(lines, 1):
        # Fast path: the common, clean line (11 fields, numeric times in range, a plain name)
        # costs a split and four int()s; anything unusual takes the careful path below.
        try:
            fields = raw.decode("utf-8").rstrip("\r\n").split("|")
        except UnicodeDecodeError:
            fields = []
        if len(fields) == FIELDS:
            md5, name, inode, mode, _uid, _gid, size, a, m, c, cr = fields
            try:
                atime, mtime, ctime, crtime = int(a), int(m), int(c), int(cr)
            except ValueError:
                atime = -1
            if (
                (atime == 0 or earliest <= atime <= horizon)
                and earliest <= mtime <= horizon
                and (ctime == 0 or earliest <= ctime <= horizon)
                and (crtime == 0 or earliest <= crtime <= horizon)
                and size.isdigit()
                and len(size) <= 18
                and name[:1] == "/"
                and name[-1:] != ")"
                and mode[:1] in ("r", "d")
                and "\\" not in name
                and " -> " not in name
            ):
                yield Entry(
                    name if len(name) == 1 or name[-1] != "/" else name.rstrip("/") or "/",
                    int(size),
                    mtime,
                    atime or None,
                    ctime or None,
                    crtime or None,
                    mode[0] == "d",
                    False,
                    inode or None,
                    mode or None,
                    md5 if md5 and md5 != "0" else None,
                    number,
                )
                continue
        entry = read_line(number, raw, source, problems, horizon)
        if entry is not None:
            yield entry


def read_line(
    number: int, raw: bytes, source: str, problems: Problems, horizon: int
) -> Entry | None:
    """One line the careful way: every oddity is repaired and reported, or reported and the
    line skipped (None)."""
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        shown = raw.decode("utf-8", "replace").rstrip("\r\n")
        problems.add(
            Problem(source, number, f"the name is not valid UTF-8 (byte {exc.start})", False, shown)
        )
        return None
    if not text.strip() or text.startswith("#"):
        return None
    fields = text.split("|")
    repaired = ""
    if len(fields) > FIELDS:
        tail = fields[-9:]
        if not _tail_ok(tail):
            problems.add(
                Problem(source, number, f"{len(fields)} fields, expected {FIELDS}", False, text)
            )
            return None
        fields = [fields[0], "|".join(fields[1:-9]), *tail]
        repaired = "a '|' inside the name shifted the fields (rejoined)"
    elif len(fields) != FIELDS:
        problems.add(
            Problem(source, number, f"{len(fields)} fields, expected {FIELDS}", False, text)
        )
        return None
    md5, name, inode, mode, _uid, _gid, size, *times = fields
    if not size.isdigit():
        problems.add(
            Problem(source, number, f"size {size!r} is not a number of bytes", False, text)
        )
        return None
    if int(size) >= 1 << 63:
        problems.add(Problem(source, number, f"size {size} is beyond any disk", False, text))
        return None
    kind = mode[:1] if mode else "-"
    if kind in ("v", "V"):  # TSK's virtual files ($MBR, $FAT1, $OrphanFiles)
        return None
    reasons = [repaired] if repaired else []
    values: list[int | None] = []
    for field_name, value in zip(TIME_FIELDS, times, strict=True):
        parsed, reason = check_time(value, field_name, horizon)
        if reason:
            reasons.append(reason)
        values.append(parsed)
    a_time, m_time, c_time, cr_time = values
    is_dir = kind == "d"
    if not is_dir and times[1].strip() == "0" and not reasons:
        reasons.append("mtime is 0")
    deleted = False
    for marker in (_REALLOC, _DELETED):
        if name.endswith(marker):
            name, deleted = name[: -len(marker)], True
            break
    if name.endswith(" ($FILE_NAME)"):  # NTFS: the second time set of a file listed above
        return None
    if " -> " in name and kind == "l":
        name = name.split(" -> ", 1)[0]
    if reasons:
        problems.add(Problem(source, number, "; ".join(reasons), True, text))
    return Entry(
        _normal_path(name),
        int(size),
        m_time,
        a_time,
        c_time,
        cr_time,
        is_dir,
        deleted,
        inode or None,
        mode or None,
        md5 if md5 and md5 != "0" else None,
        number,
    )


def _normal_path(name: str) -> str:
    """'/'-separated with one leading '/' (Windows exports use '\\' and drive letters)."""
    if "\\" in name and "/" not in name:
        name = name.replace("\\", "/")
    if len(name) > 1 and name[1] == ":" and name[0].isalpha():
        name = name[2:]
    if not name.startswith("/"):
        name = "/" + name
    return name.rstrip("/") or "/"


BLOCK_BYTES = 16 << 20  # a bodyfile is read in blocks of whole lines this size
_N = "[0-9]{1,18}"  # digits that fit an int64: longer runs take the careful path
# A plainly clean line as one pattern: 11 fields, a file or directory mode, an absolute name
# with no '\', not ending in ')' ('(deleted)', '($FILE_NAME)') or '/', numeric size and times.
_CLEAN = (
    r"^(?P<md5>[^|]*)\|(?P<path>/(?:[^|\\]*[^|\\)/])?)\|(?P<inode>[^|]*)\|(?P<mode>[rd][^|]*)\|"
    rf"[^|]*\|[^|]*\|(?P<size>{_N})\|(?P<atime>{_N})\|(?P<mtime>{_N})\|(?P<ctime>{_N})\|"
    rf"(?P<crtime>{_N})\r*\n?$"
)
_FIELD_NAMES = ("md5", "path", "inode", "mode", "uid", "gid", "size", *TIME_FIELDS)


def read_bodyfile_tables(
    handle: BinaryIO, source: str, problems: Problems, horizon: int
) -> Iterator[pa.Table]:
    """The same entries as `read_bodyfile`, as Arrow tables of ENTRY_SCHEMA, a block of
    whole lines at a time: clean lines are matched and checked column-wise in Arrow; any
    line that is not plainly clean goes through `read_line`, so both readers agree."""
    first = 1  # the line number of the block's first line
    rest = b""
    while True:
        data = handle.read(BLOCK_BYTES)
        block = rest + data
        if not data:
            if block:
                yield _block_table(block, first, source, problems, horizon)
            return
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        rest = block[cut + 1 :]
        block = block[: cut + 1]
        yield _block_table(block, first, source, problems, horizon)
        first += block.count(b"\n")


def _lines(block: bytes) -> pa.StringArray:
    """The block's lines (each with its line break) without copying; a line that is not
    UTF-8 is null (it takes the careful path, which reports it)."""
    breaks = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
    ends = breaks + 1 if block.endswith(b"\n") else np.append(breaks + 1, len(block))
    offsets = np.zeros(len(ends) + 1, np.int32)
    offsets[1:] = ends
    lines = pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(block))
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        decoded: list[str | None] = []
        for raw in block.splitlines(keepends=True):
            try:
                decoded.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append(None)
        return pa.array(decoded, pa.string())
    return lines


def _block_table(
    block: bytes, first: int, source: str, problems: Problems, horizon: int
) -> pa.Table:
    lines = _lines(block)
    numbers = pa.array(np.arange(first, first + len(lines), dtype=np.int64))
    # A DFA match, then a split of the matching lines only (capturing groups cost 5x more)
    shaped = pc.and_(
        pc.match_substring_regex(lines, _CLEAN), pc.invert(pc.match_substring(lines, " -> "))
    )
    shaped = pc.fill_null(shaped, False)
    parts = pc.split_pattern(pc.utf8_rtrim(lines.filter(shaped), characters="\r\n"), "|")
    column = {name: pc.list_element(parts, index) for index, name in enumerate(_FIELD_NAMES)}
    size = pc.cast(column["size"], pa.int64())
    times = {name: pc.cast(column[name], pa.int64()) for name in TIME_FIELDS}
    keep = _in_range(times["mtime"], horizon, allow_zero=False)
    for name in ("atime", "ctime", "crtime"):
        keep = pc.and_(keep, _in_range(times[name], horizon, allow_zero=True))
    fast = pa.table(
        {
            "path": column["path"].filter(keep),
            "size_bytes": size.filter(keep),
            "mtime": times["mtime"].filter(keep),
            "atime": _zero_null(times["atime"].filter(keep)),
            "ctime": _zero_null(times["ctime"].filter(keep)),
            "crtime": _zero_null(times["crtime"].filter(keep)),
            "is_dir": pc.starts_with(column["mode"].filter(keep), "d"),
            "deleted": pa.repeat(False, len(parts) - keep.false_count),
            "inode": _empty_null(column["inode"].filter(keep)),
            "mode": column["mode"].filter(keep),
            "md5": _empty_null(column["md5"].filter(keep), also="0"),
            "line": numbers.filter(shaped).filter(keep),
        },
        schema=ENTRY_SCHEMA,
    )
    careful = sorted(
        [
            *numbers.filter(pc.invert(shaped)).to_pylist(),
            *numbers.filter(shaped).filter(pc.invert(keep)).to_pylist(),
        ]
    )
    if not careful:
        return fast
    raw_lines = block.splitlines()
    slow = [
        entry
        for number in careful
        if (entry := read_line(number, raw_lines[number - first], source, problems, horizon))
    ]
    return pa.concat_tables([fast, entries_table(slow)]) if slow else fast


def _in_range(value: pa.Array, horizon: int, *, allow_zero: bool) -> pa.Array:
    inside = pc.and_(pc.greater_equal(value, EARLIEST_TS), pc.less_equal(value, horizon))
    return pc.or_(inside, pc.equal(value, 0)) if allow_zero else inside


def _zero_null(value: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(value, 0), pa.scalar(None, pa.int64()), value)


def _empty_null(value: pa.Array, also: str | None = None) -> pa.Array:
    empty = pc.equal(value, "")
    if also is not None:
        empty = pc.or_(empty, pc.equal(value, also))
    return pc.if_else(empty, pa.scalar(None, pa.string()), value)
