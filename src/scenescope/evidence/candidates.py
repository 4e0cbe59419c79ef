"""Release candidates and disc items of a case's media, found from the listings alone.

The heavy lifting is SQL over the entries (millions of rows stay in DuckDB); Python only
classifies distinct folder names and the loose files outside any release folder:

- a **release folder** is the deepest folder of a path whose name reads like a release, or
  that holds an .nfo / .sfv / RAR volumes itself (Sample/, Proof/, Subs/, CD1/ and disc
  structure folders belong to the release above them);
- a **loose file** outside release folders is a release candidate when its stem reads like
  a release (P2P-renamed files, RAR sets named after the release), a **disc image** when it
  is an ISO, or a possible **work-in-progress encode** when it is an untagged video file;
- a **disc structure** (BDMV/, VIDEO_TS/) outside release folders is a disc, named after its
  parent (often the volume label); a volume-label folder holding video files is a rip folder.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa

from scenescope.engine import Engine
from scenescope.engine.core import Scratch
from scenescope.evidence import layout

# An untagged video smaller than this is no film encode (clips, .ts sources of web projects)
ENCODE_MIN_BYTES = 100_000_000
DISC_IMAGE_MIN_BYTES = 100_000_000  # firmware .bin and small .img files are no discs
# Over an entry's whole path: the patterns cannot cross a '/', so they read its base name.
_EXT = r"lower(regexp_extract(e.path, '\.([A-Za-z0-9!]+)$', 1))"
_RAR = r"regexp_matches(lower(e.path), '\.(rar|r[0-9]{2,3}|s[0-9]{2}|[0-9]{3})$')"
_VOLUME = r"regexp_matches(lower(e.path), '\.(rar|r[0-9]{2,3})$')"  # .001 numbering is no set
_DISC_PATH = r"regexp_matches(lower(e.path), '/(bdmv|video_ts)(/|$)')"


@dataclass(slots=True)
class Candidate:
    """A set of files that may be one release on one medium."""

    medium_id: int
    name: str
    path: str
    kind: str  # folder / file / rar-set
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    files: int
    size_bytes: int
    nfo: int = 0
    sfv: int = 0
    rar_volumes: int = 0
    video_files: int = 0
    sample: bool = False
    subs: bool = False
    proof: bool = False
    proof_at: dt.datetime | None = None
    disc_structure: bool = False
    deleted_files: int = 0
    parent: str = ""  # the folder it sits in


@dataclass(slots=True)
class DiscItem:
    """A disc image, disc structure, rip folder or untagged encode outside releases."""

    medium_id: int
    name: str
    path: str
    kind: str  # iso / bdmv / video_ts / rip-folder / encode
    first_at: dt.datetime | None
    files: int
    size_bytes: int


@dataclass(slots=True)
class Layout:
    """What a medium's folders look like, beyond its releases."""

    entries: int = 0
    files: int = 0
    sections: set[str] = field(default_factory=set)
    site_markers: set[str] = field(default_factory=set)
    pre_folders: set[str] = field(default_factory=set)  # group folders under _PRE/ or PRE/
    download_markers: set[str] = field(default_factory=set)
    download_files: int = 0  # .torrent, .nzb, partial downloads
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None


@dataclass(slots=True)
class Found:
    candidates: list[Candidate]
    discs: list[DiscItem]
    layouts: dict[int, Layout]


def find_candidates(engine: Engine, pad: Scratch, case_id: str) -> Found:
    """Candidates, disc items and layouts of every medium of the case."""
    # One pass over the entries: what each folder holds directly (files and the folder's own
    # entry apart). Everything after works on these folder rows, not on millions of files.
    folders = pad.create(
        "folders",
        f"""
WITH e AS (
  SELECT e.medium_id, e.is_dir, e.size_bytes, e.deleted, least(e.mtime, e.crtime) AS t,
         CASE WHEN e.is_dir THEN e.path ELSE parse_dirpath(e.path, '/') END AS d,
         CASE WHEN e.is_dir THEN '' ELSE {_EXT} END AS ext,
         NOT e.is_dir AND {_RAR} AS rar,
         NOT e.is_dir AND {_VOLUME} AS volume,
         NOT e.is_dir AND {_EXT} IN ('jpg', 'jpeg', 'png')
           AND lower(parse_filename(e.path, false, '/')) LIKE '%proof%' AS proof
  FROM evidence_entries e JOIN evidence_media m USING (medium_id)
  WHERE m.case_id = ? AND e.path <> '/'
)
SELECT medium_id, d, is_dir, string_split(d, '/') AS parts, count(*) AS n,
       sum(size_bytes) AS size_bytes, min(t) AS first_t, max(t) AS last_t,
       count(*) FILTER (ext = 'nfo') AS nfo, count(*) FILTER (ext = 'sfv') AS sfv,
       count(*) FILTER (rar) AS rar, count(*) FILTER (volume) AS volumes,
       count(*) FILTER (ext IN ({_quoted(layout.VIDEO_EXTENSIONS)})) AS video,
       count(*) FILTER (ext IN ({_quoted(layout.IMAGE_EXTENSIONS)})) AS images,
       count(*) FILTER (ext IN ({_quoted(layout.DOWNLOAD_EXTENSIONS)})) AS downloads,
       count(*) FILTER (deleted AND NOT is_dir) AS deleted_files,
       count(*) FILTER (proof) AS proof_files, min(t) FILTER (proof) AS proof_t
FROM e GROUP BY medium_id, d, is_dir""",
        [case_id],
    )
    # Folder-name components: every component of a file's folder, and a listed folder's own
    # name (with its position and the component before it).
    comps = pad.create(
        "comps",
        f"SELECT DISTINCT medium_id, comp, pos, prev FROM ("
        f" SELECT medium_id, unnest(parts[2:]) AS comp,"
        f"  unnest(generate_series(2, len(parts))) AS pos, unnest(parts[1:len(parts) - 1]) AS prev"
        f" FROM {folders} WHERE NOT is_dir"
        f" UNION ALL SELECT medium_id, parts[-1], len(parts), parts[-2] FROM {folders}"
        f" WHERE is_dir)",
    )
    packed = {
        name
        for (name,) in engine.rows(
            # a folder holding an .nfo or .sfv, or a RAR set (.rar / .rNN, two volumes at least;
            # bare .001 / .so.100 numbering alone is no release)
            f"SELECT DISTINCT parts[-1] FROM {folders} WHERE NOT is_dir AND len(parts) > 1 "
            f"AND (nfo + sfv > 0 OR volumes >= 2)"
        )
    }
    store_names = _store_names(engine, pad, comps)
    kinds: dict[str, str] = {}
    for (name,) in engine.rows(f"SELECT DISTINCT comp FROM {comps}"):
        kinds[name] = _folder_kind(name, name.lower() in store_names, name in packed)
    roots = pad.register(
        "roots",
        pa.table(
            {"comp": [n for n, k in kinds.items() if k == "release"]},
            schema=pa.schema([("comp", pa.string())]),
        ),
    )
    layouts = _layouts(engine, folders, comps, roots, kinds)
    # The release folder a folder belongs to: its deepest component that is a release name.
    placed = pad.create(
        "placed",
        f"""
WITH dirs AS (SELECT DISTINCT medium_id, d, parts FROM {folders}),
hits AS (
  SELECT medium_id, d, max(pos) AS root_pos FROM (
    SELECT medium_id, d, unnest(parts) AS comp, unnest(generate_series(1, len(parts))) AS pos
    FROM dirs
  ) JOIN {roots} USING (comp) WHERE pos > 1 GROUP BY medium_id, d
)
SELECT f.*, h.root_pos FROM {folders} f LEFT JOIN hits h USING (medium_id, d)""",
    )
    candidates = _release_folders(engine, placed)
    loose, discs = _loose(engine, placed, case_id)
    return Found(candidates + loose, discs, layouts)


def _store_names(engine: Engine, pad: Scratch, comps: str) -> set[str]:
    """Folder names that are release names in the store (lowercased)."""
    if not engine.has_table("releases"):
        return set()
    rows = engine.rows(
        f"WITH n AS (SELECT DISTINCT lower(comp) AS low FROM {comps}) "
        "SELECT n.low FROM n JOIN releases r ON lower(r.name) = n.low"
    )
    return {row[0] for row in rows}


def _folder_kind(name: str, in_store: bool, packed: bool) -> str:
    if layout.is_container(name):
        return "container"
    if layout.is_disc_dir(name) or name.lower() in layout.DISC_INNER:
        return "disc"
    if in_store:
        return "release"
    if layout.is_section(name):
        return "section"
    if layout.release_like(name):
        return "release"
    if layout.is_volume_label(name):
        return "label"
    if packed and name.lower() not in layout.DOWNLOAD_MARKERS | layout.SITE_MARKERS:
        return "release"
    return "other"


def _release_folders(engine: Engine, placed: str) -> list[Candidate]:
    rows = engine.rows(
        f"""
WITH x AS (
  SELECT *, array_to_string(parts[1:root_pos], '/') AS root,
         -- the folders between the release folder and the entries (a folder's own name is
         -- not among them: Proof/ itself is no proof picture, what it holds is)
         list_transform(CASE WHEN is_dir THEN parts[root_pos + 1:len(parts) - 1]
                             ELSE parts[root_pos + 1:] END, lambda x: lower(x)) AS rel
  FROM {placed} WHERE root_pos IS NOT NULL
), y AS (SELECT *, list_has_any(rel, ['proof', 'proofs']) AS in_proof FROM x)
SELECT medium_id, root, any_value(parts[root_pos]),
       any_value(array_to_string(parts[2:root_pos - 1], '/')),
       min(first_t), max(last_t), coalesce(sum(n) FILTER (NOT is_dir), 0)::BIGINT,
       coalesce(sum(size_bytes) FILTER (NOT is_dir), 0)::BIGINT,
       sum(nfo)::BIGINT, sum(sfv)::BIGINT, sum(rar)::BIGINT, sum(video)::BIGINT,
       bool_or(list_contains(rel, 'sample')),
       bool_or(list_has_any(rel, ['subs', 'sub', 'subtitles', 'vobsubs'])),
       bool_or(in_proof OR proof_files > 0),
       min(CASE WHEN in_proof THEN first_t WHEN proof_files > 0 THEN proof_t END),
       bool_or(list_has_any(rel, ['bdmv', 'video_ts'])), sum(deleted_files)::BIGINT
FROM y GROUP BY medium_id, root"""
    )
    return [
        Candidate(
            medium_id=r[0],
            path=r[1],
            name=r[2],
            parent=r[3],
            kind="folder",
            first_at=r[4],
            last_at=r[5],
            files=r[6],
            size_bytes=int(r[7] or 0),
            nfo=r[8],
            sfv=r[9],
            rar_volumes=r[10],
            video_files=r[11],
            sample=bool(r[12]),
            subs=bool(r[13]),
            proof=bool(r[14]),
            proof_at=r[15],
            disc_structure=bool(r[16]),
            deleted_files=r[17],
        )
        for r in rows
    ]


def _quoted(values: frozenset[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def _loose(engine: Engine, placed: str, case_id: str) -> tuple[list[Candidate], list[DiscItem]]:
    """Files outside release folders: P2P-renamed files, RAR sets, ISOs, disc structures,
    rip folders and untagged encodes."""
    interesting = layout.VIDEO_EXTENSIONS | layout.IMAGE_EXTENSIONS | {"rar"}
    rows = engine.rows(
        f"""
WITH outside AS (
  SELECT medium_id, d FROM {placed}
  WHERE root_pos IS NULL AND NOT is_dir
    AND (video + images + rar > 0 OR list_has_any(list_transform(parts, lambda x: lower(x)),
                                                 ['bdmv', 'video_ts']))
), e AS (
  SELECT e.medium_id, string_split(e.path, '/') AS parts, e.size_bytes,
         least(e.mtime, e.crtime) AS t, e.deleted
  FROM evidence_entries e JOIN evidence_media m USING (medium_id)
  JOIN outside o ON o.medium_id = e.medium_id AND o.d = parse_dirpath(e.path, '/')
  WHERE m.case_id = ? AND NOT e.is_dir
    AND ({_EXT} IN ({_quoted(frozenset(interesting))}) OR {_RAR} OR {_DISC_PATH})
)
SELECT medium_id, parts, size_bytes, t, deleted,
       list_position(list_transform(parts, lambda x: lower(x)), 'bdmv') AS bdmv,
       list_position(list_transform(parts, lambda x: lower(x)), 'video_ts') AS video_ts
FROM e""",
        [case_id],
    )
    groups: dict[tuple[int, str, str, str], list[tuple[int, dt.datetime | None]]] = defaultdict(
        list
    )
    for medium_id, parts, size, t, _deleted, bdmv, video_ts in rows:
        base = parts[-1]
        ext = layout.extension(base)
        if bdmv or video_ts:
            pos = (bdmv or video_ts) if not (bdmv and video_ts) else min(bdmv, video_ts)
            if pos > 2:
                key = (
                    medium_id,
                    "/".join(parts[: pos - 1]),
                    parts[pos - 2],
                    "bdmv" if bdmv else "video_ts",
                )
                groups[key].append((size, t))
            continue
        folder = "/".join(parts[:-1])
        stem = base.rsplit(".", 1)[0] if "." in base else base
        rar = layout.archive_stem(base)
        if ext in layout.IMAGE_EXTENSIONS and size >= DISC_IMAGE_MIN_BYTES:
            kind = "file" if layout.release_like(stem) else "iso"
            groups[(medium_id, f"{folder}/{base}", stem, kind)].append((size, t))
        elif rar is not None:
            if layout.release_like(rar):
                groups[(medium_id, f"{folder}/{rar}", rar, "rar-set")].append((size, t))
        elif ext in layout.VIDEO_EXTENSIONS:
            parent = parts[-2] if len(parts) > 2 else ""
            if layout.release_like(stem):
                groups[(medium_id, f"{folder}/{base}", stem, "file")].append((size, t))
            elif layout.is_volume_label(parent):
                groups[(medium_id, folder, parent, "rip-folder")].append((size, t))
            elif size >= ENCODE_MIN_BYTES:
                groups[(medium_id, f"{folder}/{base}", stem, "encode")].append((size, t))
    candidates: list[Candidate] = []
    discs: list[DiscItem] = []
    for (medium_id, path, name, kind), members in groups.items():
        times = [t for _, t in members if t is not None]
        first = min(times) if times else None
        size = sum(s for s, _ in members)
        if kind in ("file", "rar-set"):
            parent = path.rsplit("/", 1)[0]
            candidates.append(
                Candidate(
                    medium_id,
                    name,
                    path,
                    kind,
                    first,
                    max(times) if times else None,
                    len(members),
                    size,
                    rar_volumes=len(members) if kind == "rar-set" else 0,
                    video_files=len(members) if kind == "file" else 0,
                    parent=parent.lstrip("/"),
                    disc_structure=layout.extension(path) in layout.IMAGE_EXTENSIONS,
                )
            )
        else:
            discs.append(DiscItem(medium_id, name, path, kind, first, len(members), size))
    return candidates, discs


def _layouts(
    engine: Engine, folders: str, comps: str, roots: str, kinds: dict[str, str]
) -> dict[int, Layout]:
    layouts: dict[int, Layout] = {}
    for medium_id, entries, files, first, last, downloads in engine.rows(
        f"SELECT medium_id, sum(n)::BIGINT, coalesce(sum(n) FILTER (NOT is_dir), 0)::BIGINT, "
        f"min(first_t), max(last_t), sum(downloads)::BIGINT FROM {folders} GROUP BY medium_id"
    ):
        layouts[medium_id] = Layout(
            entries, files, first_at=first, last_at=last, download_files=downloads
        )
    for medium_id, comp, _pos, prev in engine.rows(
        # release folders and what sits inside them say nothing about the layout: left in SQL
        f"SELECT DISTINCT medium_id, comp, 0, prev FROM {comps} "
        f"WHERE comp NOT IN (SELECT comp FROM {roots}) AND prev NOT IN (SELECT comp FROM {roots})"
    ):
        info = layouts.setdefault(medium_id, Layout())
        low = comp.lower()
        kind = kinds.get(comp, "other")
        if prev is not None and prev.lower() in ("_pre", "pre") and kind != "release":
            info.pre_folders.add(comp)
        if kind == "section":
            info.sections.add(comp)
        if low in layout.SITE_MARKERS:
            info.site_markers.add(low)
        if low in layout.DOWNLOAD_MARKERS:
            info.download_markers.add(low)
    return layouts
