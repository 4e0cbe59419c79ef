"""Seized-media listings: TSK bodyfiles, CSV exports and real disk images read through The
Sleuth Kit; bad lines are reported with file:line and the good ones are kept."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenescope.evidence import bodyfile
from scenescope.evidence.bodyfile import read_bodyfile, read_bodyfile_tables
from scenescope.evidence.records import ListingError, Problems, time_horizon
from scenescope.evidence.sources import detect_kind, open_listing

T = 1596000000  # 2020-07-29T05:20:00Z
HORIZON = time_horizon(dt.datetime(2020, 8, 25, tzinfo=dt.UTC))


def _line(name: str, mtime: int = T, crtime: int = 0, mode: str = "r/rrw-r--r--") -> bytes:
    return f"0|{name}|12|{mode}|0|0|100|{mtime}|{mtime}|{mtime}|{crtime}".encode()


def _read(lines: list[bytes]) -> tuple[list, Problems]:
    problems = Problems()
    return list(read_bodyfile(lines, "m.body", problems, HORIZON)), problems


def test_good_lines_become_entries_with_unknown_zero_times() -> None:
    entries, problems = _read(
        [_line("/a/Movie.2020.1080p.BluRay.x264-GRP/grp.r00"), _line("/a", mode="d/drwxr-xr-x")]
    )
    assert problems.count == 0
    assert entries[0].path == "/a/Movie.2020.1080p.BluRay.x264-GRP/grp.r00"
    assert entries[0].mtime == T and entries[0].crtime is None and not entries[0].is_dir
    assert entries[1].is_dir


def test_bad_lines_are_reported_with_their_line_and_the_rest_kept() -> None:
    lines = [
        _line("/ok.txt"),
        b"0|/short|12|r/rrw-r--r--|0|0",
        _line("/we|ird|name.txt"),
        b"0|/caf\xe9.txt|12|r/rrw-r--r--|0|0|5|1|1|1|1",
        _line("/zero.txt", mtime=0),
        _line("/future.txt", mtime=4102444800),
        f"0|/neg.txt|12|r/rrw-r--r--|0|0|5|{T}|-5|{T}|0".encode(),
        b"0|/size.txt|12|r/rrw-r--r--|0|0|big|1|1|1|1",
        _line("/last.txt"),
    ]
    entries, problems = _read(lines)
    by_line = {p.line: p for p in problems.items}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8]
    assert "expected 11" in by_line[2].reason and not by_line[2].kept
    assert "'|' inside the name" in by_line[3].reason and by_line[3].kept
    assert "UTF-8" in by_line[4].reason and not by_line[4].kept
    assert "mtime is 0" in by_line[5].reason and by_line[5].kept
    assert "future" in by_line[6].reason and "negative" in by_line[7].reason
    assert by_line[2].where() == "m.body:2"
    paths = [e.path for e in entries]
    assert paths == [
        "/ok.txt",
        "/we|ird|name.txt",
        "/zero.txt",
        "/future.txt",
        "/neg.txt",
        "/last.txt",
    ]
    assert entries[4].mtime is None and entries[4].atime == T  # the bad time cleared, not the line
    assert (problems.skipped, problems.repaired) == (3, 4)


def test_tsk_markers_deleted_virtual_and_ntfs_file_name_entries() -> None:
    entries, _ = _read(
        [
            _line("/gone.rar (deleted)"),
            _line("/$MBR", mode="v/v---------"),
            _line("/x.mkv ($FILE_NAME)"),
            _line("C:\\Users\\kim\\a.mkv"),
        ]
    )
    assert [(e.path, e.deleted) for e in entries] == [
        ("/gone.rar", True),
        ("/Users/kim/a.mkv", False),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
        min_size=1,
        max_size=40,
    ).filter(lambda n: not n.endswith((" (deleted)", " (deleted-realloc)", " ($FILE_NAME)")))
)
def test_any_name_survives_even_with_pipes(name: str) -> None:
    entries, problems = _read([_line("/" + name)])
    assert problems.skipped == 0
    assert entries[0].path == "/" + name
    assert problems.repaired == (1 if "|" in name else 0)


# Lines as seized listings write them, clean and odd: the column-wise reader must agree with
# the line-by-line one on every entry and every problem, across block boundaries.
_ODD_LINES = [
    _line("/a/Movie.2020.1080p.BluRay.x264-GRP/grp.r00"),
    _line("/a", mode="d/drwxr-xr-x"),
    _line("/crlf/name.nfo") + b"\r",
    _line("/trailing/slash/", mode="d/drwxr-xr-x"),
    _line("/"),
    _line("/gone.mkv (deleted)"),
    _line("/gone2.mkv (deleted-realloc)"),
    _line("/$MFT ($FILE_NAME)"),
    _line("/we|ird|name.txt"),
    b"0|/caf\xe9.txt|12|r/rrw-r--r--|0|0|5|1|1|1|1",
    f"0|/café ünïcode ✓.mkv|12|r/rrw-r--r--|0|0|5|{T}|{T}|{T}|0".encode(),
    b"",
    b"# a comment",
    b"0|/short|12|r/rrw-r--r--|0|0",
    _line("/zero.txt", mtime=0),
    _line("/zero-dir", mtime=0, mode="d/drwxr-xr-x"),
    _line("/future.txt", mtime=4102444800),
    _line("/old.txt", mtime=100),
    f"0|/neg.txt|12|r/rrw-r--r--|0|0|5|{T}|-5|{T}|0".encode(),
    f"0|/huge.txt|12|r/rrw-r--r--|0|0|{10**25}|{T}|{T}|{T}|0".encode(),
    f"0|/ctime.txt|12|r/rrw-r--r--|0|0|5|{T}|{T}|99|0".encode(),
    b"0|/size.txt|12|r/rrw-r--r--|0|0|big|1|1|1|1",
    f"0|/link -> /target|12|l/lrwxrwxrwx|0|0|5|{T}|{T}|{T}|0".encode(),
    f"0|/plain -> arrow.txt|12|r/rrw-r--r--|0|0|5|{T}|{T}|{T}|0".encode(),
    f"0|$MBR|12|v/v---------|0|0|5|{T}|{T}|{T}|0".encode(),
    f"0|C:\\Users\\x\\film.mkv|12|r/rrw-r--r--|0|0|5|{T}|{T}|{T}|0".encode(),
    f"d41d8cd98f00b204e9800998ecf8427e|/md5.txt||r/rrw-r--r--|0|0|5|{T}|{T}|{T}|{T}".encode(),
    f"|/nomd5.txt|7-128-1|r/r---------|0|0|5|{T}|{T}|{T}|0".encode(),
    f"0|/spaced.txt|12|r/rrw-r--r--|0|0|5| {T}|{T}|{T}|0".encode(),
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(_ODD_LINES), min_size=1, max_size=40),
    st.integers(min_value=40, max_value=400),
    st.booleans(),
)
def test_the_column_wise_reader_agrees_with_the_line_reader(
    lines: list[bytes], block: int, final_newline: bool
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    expected, expected_problems = _read(data.splitlines())
    problems = Problems()
    saved = bodyfile.BLOCK_BYTES
    bodyfile.BLOCK_BYTES = block  # small blocks: lines cut at every possible place
    try:
        tables = list(read_bodyfile_tables(io.BytesIO(data), "m.body", problems, HORIZON))
    finally:
        bodyfile.BLOCK_BYTES = saved
    rows = sorted(
        (tuple(row.values()) for table in tables for row in table.to_pylist()),
        key=lambda row: row[-1],
    )
    assert rows == [tuple(entry) for entry in expected]
    assert sorted(problems.items, key=lambda p: p.line) == expected_problems.items
    assert (problems.skipped, problems.repaired) == (
        expected_problems.skipped,
        expected_problems.repaired,
    )


def test_csv_listing_with_iso_and_local_times(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Full Path,Size,Modified,Created,SHA1,extra\n"
        "/d/Movie.2020.1080p.BluRay.x264-GRP/grp.rar,100,2020-07-29T07:20:00,2020-07-29T05:00:00Z,ab,x\n"
        "/d/b.mkv,xx,2020-07-29T07:20:00,,,\n"
        "/d/c.mkv,5,1596000000,,,\n",
        encoding="utf-8",
    )
    assert detect_kind(path) == "csv"
    listing = open_listing(path, timezone="Europe/Paris")
    entries = list(listing.entries)
    assert [e.path for e in entries] == ["/d/Movie.2020.1080p.BluRay.x264-GRP/grp.rar", "/d/c.mkv"]
    assert entries[0].mtime == T  # 07:20 in Paris (CEST) is 05:20 UTC
    assert entries[0].crtime == T - 20 * 60 and entries[1].mtime == T
    assert listing.problems.items[0].where().endswith("export.csv:3")
    assert "[size]" in listing.problems.items[0].reason


def test_csv_without_required_columns_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("path,size,owner\n/a,1,root\n", encoding="utf-8")
    listing = open_listing(path, kind="csv")
    with pytest.raises(ListingError, match=r"bad.csv:1: the CSV header lacks mtime"):
        list(listing.entries)


def _tree(root: Path) -> None:
    release = root / "Gentle.Runway.2020.1080p.BluRay.x264-EMBERS"
    (release / "Sample").mkdir(parents=True)
    for name in (
        "embers-gr.nfo",
        "embers-gr.sfv",
        "embers-gr.rar",
        "embers-gr.r00",
        "Sample/s.mkv",
    ):
        (release / name).write_bytes(b"x")
        os.utime(release / name, (T, T))
    (root / "weird|name.txt").write_bytes(b"y")


@pytest.mark.skipif(
    shutil.which("fls") is None
    or (shutil.which("mke2fs") is None and not Path("/usr/sbin/mke2fs").exists()),
    reason="sleuthkit / e2fsprogs missing (scripts/install-system-test-deps)",
)
def test_a_real_ext2_image_is_listed_through_the_sleuth_kit(tmp_path: Path) -> None:
    source = tmp_path / "tree"
    _tree(source)
    image = tmp_path / "drive.img"
    mke2fs = shutil.which("mke2fs") or "/usr/sbin/mke2fs"
    subprocess.run([mke2fs, "-q", "-t", "ext2", "-d", str(source), str(image), "2M"], check=True)
    assert detect_kind(image) == "image"
    listing = open_listing(image)
    entries = {e.path: e for e in listing.entries}
    assert "The Sleuth Kit" in listing.tool
    rar = entries["/Gentle.Runway.2020.1080p.BluRay.x264-EMBERS/embers-gr.r00"]
    assert rar.mtime == T and not rar.is_dir
    assert entries["/Gentle.Runway.2020.1080p.BluRay.x264-EMBERS/Sample"].is_dir
    assert "/weird|name.txt" in entries and listing.problems.repaired == 1


@pytest.mark.skipif(
    shutil.which("fls") is None or shutil.which("mcopy") is None,
    reason="sleuthkit / mtools missing",
)
def test_a_real_fat_image_keeps_creation_times(tmp_path: Path) -> None:
    source = tmp_path / "tree"
    _tree(source)
    image = tmp_path / "stick.img"
    image.write_bytes(b"\0" * 2 * 1024 * 1024)
    mkfs = shutil.which("mkfs.fat") or "/usr/sbin/mkfs.fat"
    subprocess.run([mkfs, str(image)], check=True, capture_output=True)
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "TZ": "UTC"}
    release = "Gentle.Runway.2020.1080p.BluRay.x264-EMBERS"
    subprocess.run(
        ["mcopy", "-s", "-m", "-i", str(image), str(source / release), "::/"], check=True, env=env
    )
    entries = {e.path: e for e in open_listing(image, timezone="UTC").entries}
    nfo = entries[f"/{release}/embers-gr.nfo"]
    assert nfo.mtime == T and nfo.crtime is not None and nfo.ctime is None


def test_a_listing_that_fails_leaves_the_medium_as_it_was(tmp_path: Path) -> None:
    from scenescope.evidence.store import add_media, list_media
    from scenescope.store import Store

    good = tmp_path / "drive.body"
    good.write_bytes(b"\n".join(_line(f"/f{i}.txt") for i in range(5)) + b"\n")
    broken = tmp_path / "drive.csv"
    broken.write_text("path,size,owner\n/a,1,root\n", encoding="utf-8")
    with Store.open(tmp_path / "store.duckdb") as store:
        add_media(store, "c", [good], label="drive")
        with pytest.raises(ListingError):
            add_media(store, "c", [broken], label="drive", kind="csv")
        (medium,) = list_media(store, "c")
        count = store.connection.execute("SELECT count(*) FROM evidence_entries").fetchall()
    assert medium["entries"] == 5 and medium["source_kind"] == "bodyfile" and count == [(5,)]
