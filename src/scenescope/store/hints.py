"""Why a result is empty: a filter naming something the store has never seen, or a missing
step (no catalog, nothing matched). Every front end says the same thing the same way."""

from __future__ import annotations

from scenescope.engine import Engine, Source


def group_known(source: Source, group: str) -> bool:
    """Whether the store has any release by this group (any case)."""
    return (
        Engine.of(source).scalar(
            "SELECT count(*) FROM (SELECT 1 FROM releases WHERE group_key = lower(?) LIMIT 1)",
            [group],
        )
        > 0
    )


_FILTER_CHECKS = (
    ("--title", "title", "SELECT 1 FROM catalog_titles WHERE title_id = ? OR "
     "contains(lower(title), lower(?)) LIMIT 1",
     "no such title in the catalog (see `scenescope catalog list`)"),
    ("--group", "group", "SELECT 1 FROM releases WHERE group_key = lower(?) LIMIT 1",
     "no releases by this group in the store (see `scenescope groups`)"),
    ("--studio", "studio", "SELECT 1 FROM catalog_titles WHERE contains(lower(studio), "
     "lower(?)) LIMIT 1", "no such studio in the catalog"),
)  # fmt: skip


def unknown_filter(
    source: Source, *, title: str | None = None, group: str | None = None, studio: str | None = None
) -> str | None:
    """Why a leak filter can match nothing at all (a title, group or studio the store has never
    seen), as one line; None when the filters are known and there are just no leaks."""
    engine = Engine.of(source)
    given = {"title": title, "group": group, "studio": studio}
    for option, key, sql, what in _FILTER_CHECKS:
        value = given[key]
        if value and not engine.rows(sql, [value] * sql.count("?")):
            return f"{option} {value!r}: {what}"
    return None


def empty_leaks_hint(source: Source) -> str | None:
    """Why a store shows no leaks at all when the cause is a missing step, not the data."""
    engine = Engine.of(source)
    if engine.scalar("SELECT count(*) FROM catalog_titles") == 0:
        return (
            "no titles in the catalog: import them (scenescope catalog import FILE), "
            "then run scenescope match"
        )
    if engine.scalar("SELECT count(*) FROM release_matches") == 0:
        return "no releases matched to titles yet: run scenescope match"
    return None
