"""Which groups an impact study or a what-if targets: `--groups G,G` as given, or `--family F`
resolved through the affiliation families (F is a family number as `families` prints it, or
any member's name: the family that member belongs to)."""

from __future__ import annotations

from collections.abc import Sequence

from scenescope.engine import Engine


def resolve_targets(
    engine: Engine, *, family: str | None = None, groups: Sequence[str] = ()
) -> tuple[str, ...]:
    """The targeted group names; a ValueError names what could not be resolved."""
    chosen = [g.strip() for g in groups if g.strip()]
    if family is None:
        return tuple(chosen)
    from scenescope.analysis.affiliation import infer_families

    result = infer_families(engine.connection)
    wanted = family.strip().lower()
    for fam in result.families:
        labels = {str(fam.family_id), f"f{fam.family_id}", *(k.lower() for k in fam.member_keys)}
        if wanted in labels:
            return tuple(dict.fromkeys([*fam.members, *chosen]))
    known = ", ".join(f"{f.family_id} ({'/'.join(f.members[:3])})" for f in result.families)
    raise ValueError(
        f"--family {family}: no inferred family has that number or member "
        f"(families: {known or 'none found'}); or name the groups with --groups"
    )
