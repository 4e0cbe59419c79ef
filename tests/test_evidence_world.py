"""Seized-media triage on a simulated world the triage was not tuned on (seed 777): the
releases on each medium, before/after-pre verdicts, discs before street date and each
medium's role against the world's truth; one medium read from a real ext2 image via TSK;
re-adding is idempotent; the CLI prints the same triage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_support import run
from scenescope.analysis.evidence import EvidenceTriage, TriageParams
from scenescope.analysis.evidence_world import CASE, WorldTriage, add_world_media, triage_world
from scenescope.analysis.trace_world import load_world
from scenescope.evidence.store import add_media
from scenescope.store import Store
from scenescope.world.config import load_config
from scenescope.world.seized import seized_media
from scenescope.world.simulate import simulate
from scenescope.world.truth_records import WorldTruth

UNSEEN_SEED = 777
SCALE = 0.05


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, WorldTriage]:
    folder = tmp_path_factory.mktemp("seized")
    simulate(load_config(None).with_world(seed=UNSEEN_SEED, scale=SCALE), folder / "world")
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        load_world(store, folder / "world")
        add_world_media(store, folder / "world")
        return db, folder / "world", triage_world(store, folder / "world")


def test_releases_verdicts_discs_and_roles_match_the_truth(
    world: tuple[Path, Path, WorldTriage],
) -> None:
    score = world[2].score
    figures = score.to_dict()
    assert score["release_precision"] is not None and score["release_precision"] >= 0.99, figures
    assert score["release_recall"] is not None and score["release_recall"] >= 0.99, figures
    assert score["before_after_exact"] == 1.0, figures  # the simulated listings' times are intact
    assert score["disc_recall"] is not None and score["disc_recall"] >= 0.95, figures
    assert score["role_accuracy"] is not None and score["role_accuracy"] >= 0.95, figures


def test_the_case_ties_the_raided_family_together(world: tuple[Path, Path, WorldTriage]) -> None:
    _, folder, triaged = world
    truth = WorldTruth.load(folder)
    family = next(f for f in truth.families if f.family_id == truth.events[0].family)
    groups = {g for g, _ in triaged.result.groups}
    assert set(family.members) <= groups
    tied = [members for _, members in triaged.result.families if set(family.members) & set(members)]
    assert tied and len(set(family.members) & set(tied[0])) >= 3
    assert triaged.result.shared  # workstations, the pre server and couriers hold the same releases
    pre_server = triaged.result.medium("pre-server")
    assert pre_server is not None and pre_server.median_gap_before_s is not None
    assert pre_server.median_gap_before_s < 3600 and any("_PRE/" in s for s in pre_server.structure)
    workstation = next(m for m in triaged.result.media if m.role == "group-workstation")
    assert workstation.discs_before_street > 0
    proofs = [r for r in triaged.result.releases_of(workstation.label) if r.proof]
    assert proofs and all(r.proof_at is not None for r in proofs)
    early = [d for d in triaged.result.discs if d.before_street]
    assert any(d.leaks for d in early)  # the disc on the bench is the source of a recorded leak


def test_bad_listing_lines_are_counted_as_the_world_made_them(
    world: tuple[Path, Path, WorldTriage],
) -> None:
    _, folder, triaged = world
    for medium in seized_media(WorldTruth.load(folder).raw):
        found = triaged.result.medium(medium.label)
        assert found is not None
        assert (found.skipped_lines, found.repaired_lines) == (
            medium.bad_lines,
            medium.repaired_lines,
        )
    assert any(
        p["where"].endswith(".body:" + p["where"].rsplit(":", 1)[1])
        for p in triaged.result.problems
    )


@pytest.mark.skipif(
    shutil.which("fls") is None
    or (shutil.which("mke2fs") is None and not Path("/usr/sbin/mke2fs").exists()),
    reason="sleuthkit / e2fsprogs missing (scripts/install-system-test-deps)",
)
def test_an_end_user_drive_read_from_its_real_ext2_image(
    world: tuple[Path, Path, WorldTriage], tmp_path: Path
) -> None:
    db, folder, triaged_bodies = world
    copy = tmp_path / "store.duckdb"
    shutil.copy(db, copy)
    medium = next(m for m in seized_media(WorldTruth.load(folder).raw) if m.image)
    with Store.open(copy) as store:
        added = add_media(store, "image-case", [folder / medium.image], label=medium.label)
        assert added[0].kind == "image" and "Sleuth Kit" in added[0].tool
        result = EvidenceTriage().fit(store.engine, TriageParams("image-case", families=False))
    triaged = result.medium(medium.label)
    assert triaged is not None and triaged.role == medium.role == "end-user"
    found = {r.release for r in result.releases if r.release}
    from_body = {r.release for r in triaged_bodies.result.releases_of(medium.label) if r.release}
    assert found == from_body and len(found & set(medium.releases)) >= 0.9 * len(medium.releases)
    assert all(r.verdict == "after-pre" for r in result.releases if r.release in medium.releases)


def test_adding_media_again_changes_nothing(
    world: tuple[Path, Path, WorldTriage], tmp_path: Path
) -> None:
    db, folder, triaged = world
    copy = tmp_path / "store.duckdb"
    shutil.copy(db, copy)
    with Store.open(copy) as store:
        before = store.connection.execute("SELECT count(*) FROM evidence_entries").fetchall()
        add_world_media(store, folder)
        after = store.connection.execute("SELECT count(*) FROM evidence_entries").fetchall()
        again = triage_world(store, folder, families=False)
    assert before == after
    assert [m.to_dict() | {"families": []} for m in again.result.media] == [
        m.to_dict() | {"families": []} for m in triaged.result.media
    ]


def test_cli_add_report_and_show(world: tuple[Path, Path, WorldTriage], tmp_path: Path) -> None:
    db, folder, triaged = world
    copy = tmp_path / "store.duckdb"
    shutil.copy(db, copy)
    medium = seized_media(WorldTruth.load(folder).raw)[0]
    done = run(
        "evidence",
        "add",
        "cli-case",
        folder / medium.file,
        "--label",
        "bench",
        "--seized-at",
        "2020-08-25T06:00:00Z",
        "--timezone",
        "Europe/Paris",
        "--db",
        copy,
    )
    assert done.code == 0, done.err
    assert "cli-case/bench" in done.out
    report = run(
        "evidence",
        "report",
        "cli-case",
        "--json",
        "--no-families",
        "--db",
        copy,
        "--out",
        tmp_path / "out",
    )
    assert report.code == 0, report.err
    rows = [json.loads(line) for line in report.out.splitlines()]
    media = [r for r in rows if r["record"] == "medium"]
    assert media[0]["role"] == triaged.result.medium(medium.label).role  # type: ignore[union-attr]
    assert media[0]["timezone"] == "Europe/Paris" and media[0]["seized_at"].startswith("2020-08-25")
    assert (tmp_path / "out" / "triage.json").exists()
    assert (tmp_path / "out" / "cli-case-timeline.png").stat().st_size > 1000
    shown = run("evidence", "show", "cli-case", "bench", "--db", copy)
    assert shown.code == 0 and medium.role in shown.out
    missing = run("evidence", "show", "cli-case", "nope", "--db", copy)
    assert missing.code == 2 and "no medium 'nope'" in missing.err
    unknown = run("evidence", "report", "no-such-case", "--db", copy)
    assert unknown.code == 2 and "no case" in unknown.err
    bad = run("evidence", "add", "cli-case", tmp_path / "absent.body", "--db", copy)
    assert bad.code == 2 and "no such file" in bad.err
    assert CASE in {
        m
        for (m,) in Store.open(copy, read_only=True)
        .connection.execute("SELECT DISTINCT case_id FROM evidence_media")
        .fetchall()
    }
