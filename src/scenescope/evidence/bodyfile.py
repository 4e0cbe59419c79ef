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

from scenescope.evidence.records import EARLIEST_TS, Entry, Problem, Problems

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
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            shown = raw.decode("utf-8", "replace").rstrip("\r\n")
            problems.add(
                Problem(
                    source, number, f"the name is not valid UTF-8 (byte {exc.start})", False, shown
                )
            )
            continue
        if not text.strip() or text.startswith("#"):
            continue
        fields = text.split("|")
        repaired = ""
        if len(fields) > FIELDS:
            tail = fields[-9:]
            if not _tail_ok(tail):
                problems.add(
                    Problem(source, number, f"{len(fields)} fields, expected {FIELDS}", False, text)
                )
                continue
            fields = [fields[0], "|".join(fields[1:-9]), *tail]
            repaired = "a '|' inside the name shifted the fields (rejoined)"
        elif len(fields) != FIELDS:
            problems.add(
                Problem(source, number, f"{len(fields)} fields, expected {FIELDS}", False, text)
            )
            continue
        md5, name, inode, mode, _uid, _gid, size, *times = fields
        if not size.isdigit():
            problems.add(
                Problem(source, number, f"size {size!r} is not a number of bytes", False, text)
            )
            continue
        kind = mode[:1] if mode else "-"
        if kind in ("v", "V"):  # TSK's virtual files ($MBR, $FAT1, $OrphanFiles)
            continue
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
            continue
        if " -> " in name and kind == "l":
            name = name.split(" -> ", 1)[0]
        if reasons:
            problems.add(Problem(source, number, "; ".join(reasons), True, text))
        yield Entry(
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
