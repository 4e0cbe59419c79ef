"""The triage on hand-written listings against a hand-written record (no simulator): how
scene folders, P2P renames, unpacked downloads, site trees, source discs and proof pictures
are read, and which role each medium gets."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from scenescope.analysis.evidence import EvidenceTriage, TriageParams
from scenescope.analysis.evidence_records import CaseTriage
from scenescope.evidence.store import add_media
from scenescope.store import Store
from store_support import catalog_store, utc

TITLES = """title_id,kind,title,year,original_title,aliases,studio
t1,movie,The Quiet Lighthouse,2021,,,Acme
t2,movie,Paper Harbour,2021,,,Acme
"""
DATES = """title_id,territory,window,date
t1,US,physical,2021-03-16
t2,US,physical,2021-04-20
t2,US,digital,2021-03-30
"""
EPISODES = "title_id,season,episode,air_date,territory\n"
PRE_1 = utc(2021, 3, 2, 20, 0, 0)
PRE_2 = utc(2021, 3, 30, 8, 0, 0)
PRES = {
    "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS": PRE_1,
    "The.Quiet.Lighthouse.2021.720p.BluRay.x264-OWLS": PRE_1 + dt.timedelta(minutes=3),
    "Paper.Harbour.2021.1080p.WEB.h264-FOXES": PRE_2,
    "Paper.Harbour.2021.720p.WEB.h264-FOXES": PRE_2 + dt.timedelta(minutes=1),
}


def _ts(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _body(path: Path, files: list[tuple[str, dt.datetime]]) -> Path:
    lines = [
        f"0|{name}|{i + 20}|r/rrw-r--r--|1000|1000|1000|{_ts(t)}|{_ts(t)}|{_ts(t)}|{_ts(t)}"
        for i, (name, t) in enumerate(files)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def triage(tmp_path_factory: pytest.TempPathFactory) -> CaseTriage:
    folder = tmp_path_factory.mktemp("triage")
    db = catalog_store(folder, titles=TITLES, dates=DATES, episodes=EPISODES, pres=PRES)
    owls = "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS"
    owls720 = "The.Quiet.Lighthouse.2021.720p.BluRay.x264-OWLS"
    day = dt.timedelta(days=1)
    workstation = _body(
        folder / "bench.body",
        [
            ("/home/o/rips/THE_QUIET_LIGHTHOUSE_BD50/BDMV/STREAM/00001.m2ts", PRE_1 - 6 * day),
            ("/home/o/rips/THE_QUIET_LIGHTHOUSE_BD50/BDMV/index.bdmv", PRE_1 - 6 * day),
            (f"/home/o/out/{owls}/owls-tql.nfo", PRE_1 - day),
            (f"/home/o/out/{owls}/owls-tql.rar", PRE_1 - day),
            (f"/home/o/out/{owls}/owls-tql.r00", PRE_1 - day),
            (f"/home/o/out/{owls}/Proof/owls-tql-proof.jpg", PRE_1 - 2 * day),
            (f"/home/o/out/{owls720}/owls-tql7.rar", PRE_1 - day),
            (f"/home/o/out/{owls720}/owls-tql7.sfv", PRE_1 - day),
        ],
    )
    minute = dt.timedelta(minutes=1)
    site = _body(
        folder / "site.body",
        [
            ("/glftpd/etc/glftpd.conf", PRE_1 - 100 * day),
            (f"/glftpd/site/_PRE/OWLS/{owls}/owls-tql.rar", PRE_1 - 4 * minute),
            (f"/glftpd/site/_PRE/OWLS/{owls}/owls-tql.nfo", PRE_1 - 4 * minute),
            (f"/glftpd/site/X264-HD/{owls720}/owls-tql7.rar", PRE_1 - 2 * minute),
            (
                "/glftpd/site/X264-HD/Paper.Harbour.2021.1080p.WEB.h264-FOXES/fx.rar",
                PRE_2 - 9 * minute,
            ),
        ],
    )
    downloads = "/Users/kim/Downloads"
    site_tag = "[ www.site.example ] The.Quiet.Lighthouse.2021.720p.BluRay.x264-OWLS.mkv"
    (folder / "laptop.csv").write_text(
        "Full Path,Size,Modified,Created\n"
        f"{downloads}/Paper Harbour (2021) [1080p] [WEB].mp4,9,{(PRE_2 + day).isoformat()},\n"
        f"{downloads}/{site_tag},9,{_ts(PRE_1 + 3 * day)},\n"
        f"{downloads}/Paper.Harbour.2021.720p.WEB.h264-FOXES/paper.mkv,9,{_ts(PRE_2 + 2 * day)},\n"
        f"/Users/kim/Downloads/Some.Unknown.Film.2021.1080p.WEB.h264-NOBODY/x.mkv,9,{_ts(PRE_2)},\n"
        f"/Users/kim/Downloads/sample.torrent,9,{_ts(PRE_2)},\n",
        encoding="utf-8",
    )
    office = _body(
        folder / "office.body",
        [
            ("/home/ann/Documents/budget.ods", PRE_1),
            ("/home/ann/Videos/party.mp4", PRE_1),
        ],
    )
    system = _system_tree(folder / "system.body")
    with Store.open(db) as store:
        add_media(store, "hand", [workstation, site, folder / "laptop.csv", office, system])
        return EvidenceTriage().fit(store.engine, TriageParams("hand", families=False))


def _system_tree(path: Path, limit: int = 30_000) -> Path:
    """This machine's own /usr as a bodyfile: real folder and file names (libraries, .so.100
    numbering, firmware .bin files, TypeScript .ts) that are no releases."""
    lines = []
    for root, dirs, files in os.walk("/usr"):
        for name in dirs + files:
            full = os.path.join(root, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if "|" in full or "\n" in full or not full.isprintable():
                continue
            mode = "d/drwxr-xr-x" if name in dirs else "r/rrw-r--r--"
            times = f"{int(st.st_atime)}|{int(st.st_mtime)}|{int(st.st_ctime)}|0"
            lines.append(f"0|{full}|{st.st_ino}|{mode}|0|0|{st.st_size}|{times}")
        if len(lines) >= limit:
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _release(triage: CaseTriage, label: str, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in triage.releases_of(label) if r.release == name)


def test_roles(triage: CaseTriage) -> None:
    roles = {m.label: m.role for m in triage.media}
    assert roles == {
        "bench": "group-workstation",
        "site": "pre-server",
        "laptop": "end-user",
        "office": "unrelated",
        "system": "unrelated",
    }
    system = triage.medium("system")
    assert system is not None and system.releases == 0 and system.discs == 0
    site = triage.medium("site")
    assert site is not None and "_PRE/OWLS" in site.structure
    assert any("glftpd" in line or "pre folders" in line for line in site.evidence)


def test_before_and_after_the_pre_with_the_gap(triage: CaseTriage) -> None:
    bench = _release(triage, "bench", "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS")
    assert bench.verdict == "before-pre" and bench.gap_s == 2 * 86400  # the proof is earliest
    assert bench.proof and bench.nfo and bench.rar_volumes == 2 and bench.title_id == "t1"
    on_site = _release(triage, "site", "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS")
    assert on_site.verdict == "before-pre" and on_site.gap_s == 240
    p2p = _release(triage, "laptop", "The.Quiet.Lighthouse.2021.720p.BluRay.x264-OWLS")
    assert p2p.verdict == "after-pre" and p2p.gap_s == -3 * 86400 + 180 and p2p.match == "exact"


def test_p2p_renames_match_by_fields_and_unknown_ones_stay(triage: CaseTriage) -> None:
    renamed = _release(triage, "laptop", "Paper.Harbour.2021.1080p.WEB.h264-FOXES")
    assert renamed.match.startswith("fields") and renamed.found_name.startswith(
        "Paper Harbour (2021)"
    )
    unknown = [r for r in triage.releases_of("laptop") if r.verdict == "not-in-record"]
    assert [r.found_name for r in unknown] == ["Some.Unknown.Film.2021.1080p.WEB.h264-NOBODY"]
    assert triage.shared and dict(triage.shared)[
        "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS"
    ] == ("bench", "site")


def test_the_source_disc_before_street_date(triage: CaseTriage) -> None:
    (disc,) = triage.discs_of("bench")
    assert disc.kind == "bdmv" and disc.title_id == "t1" and disc.before_street
    assert disc.street_date == dt.date(2021, 3, 16) and disc.lead_days is not None
    assert 19 < disc.lead_days < 21
    assert disc.leaks == (
        "The.Quiet.Lighthouse.2021.1080p.BluRay.x264-OWLS",
        "The.Quiet.Lighthouse.2021.720p.BluRay.x264-OWLS",
    )


def test_a_rename_goes_to_the_release_it_agrees_with_beyond_the_key(tmp_path: Path) -> None:
    """Several groups released the same episode in the same format; the P2P-renamed copy
    kept more than title, episode and resolution: the streaming service, the episode title,
    the words as the release wrote them ('h264' or 'H264')."""
    aired = utc(2021, 5, 4, 2, 0, 0)
    pres = {
        "Harbour.Lights.S01E02.Homecoming.720p.DSNP.WEB.h264-AAA": aired,
        "Harbour.Lights.S01E02.720p.PCOK.WEB.H264-BBB": aired + dt.timedelta(minutes=2),
    }
    db = catalog_store(
        tmp_path,
        titles="title_id,kind,title,year,original_title,aliases,studio\n",
        dates="title_id,territory,window,date\n",
        episodes=EPISODES,
        pres=pres,
    )
    later = aired + dt.timedelta(days=2)
    drives = {
        "service": "/home/u/Downloads/Harbour Lights S01E02 720p DSNP WEB.mkv",
        "episode-title": "/home/u/Downloads/Harbour Lights S01E02 Homecoming 720p WEB.mkv",
        "as-written": "/home/u/Downloads/Harbour Lights S01E02 720p WEB H264.mkv",
    }
    with Store.open(db) as store:
        for label, path in drives.items():
            add_media(
                store, "renames", [_body(tmp_path / f"{label}.body", [(path, later)])], label=label
            )
        result = EvidenceTriage().fit(store.engine, TriageParams("renames", families=False))
    matched = {r.label: (r.release, r.match) for r in result.releases}
    assert matched == {
        "service": ("Harbour.Lights.S01E02.Homecoming.720p.DSNP.WEB.h264-AAA", "fields-ambiguous"),
        "episode-title": (
            "Harbour.Lights.S01E02.Homecoming.720p.DSNP.WEB.h264-AAA",
            "fields-ambiguous",
        ),
        "as-written": ("Harbour.Lights.S01E02.720p.PCOK.WEB.H264-BBB", "fields-ambiguous"),
    }
