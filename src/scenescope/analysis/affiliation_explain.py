"""A family's evidence in words an investigator can repeat: per edge the counts, the window,
what chance alone would give, the counter-evidence, and which kinds of evidence carried it.
"""

from __future__ import annotations

from scenescope.analysis.affiliation import AffiliationEdge, Family


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def explain_edge(edge: AffiliationEdge) -> list[str]:
    """Sentences for one pair of groups."""
    lines = [
        f"{edge.group_a} and {edge.group_b}: probability {edge.weight:.2f} that they share "
        "a supply.",
        f"  They released {edge.shared_titles} of the same titles within three days; chance alone "
        f"(how many groups release those titles) would give about {edge.expected_shared:.0f}.",
        f"  {edge.together} of them came in different formats within {_duration(edge.window_s)} "
        f"of each other (mean gap {_duration(edge.mean_gap_s)}); {edge.tight} within 30 min.",
    ]
    if edge.races or edge.dupe_nukes:
        lines.append(
            f"  Against: on {edge.races} titles both released the same format (a race), and "
            f"{edge.dupe_nukes} of one's releases were nuked as dupes of the other's."
        )
    else:
        lines.append("  They never raced each other on a format and never duped each other.")
    lines.append(
        f"  Their exact formats overlap {edge.format_overlap:.2f} (partners split formats; 0 = "
        f"none in common) and their specialty (source and language) {edge.specialty_overlap:.2f}."
    )
    if edge.early_together or edge.retail_together:
        lines.append(
            f"  {edge.early_together} titles both pred before the official date within hours of "
            f"each other; {edge.retail_together} retail-disc rips close together."
        )
    activity = f"  Their active periods overlap {100 * edge.coactivity:.0f}%"
    if edge.started_together:
        activity += "; they appeared within two weeks of each other"
    if edge.ended_together:
        activity += "; they went quiet within a week of each other"
    if edge.span_mismatch:
        activity += "; but one came or went while the other carried on"
    lines.append(activity + ".")
    carried = ", ".join(edge.carried_by) or "no single kind (many small signs)"
    lines.append(
        f"  Carried by: {carried}."
        + (f" Against: {', '.join(edge.against)}." if edge.against else "")
    )
    return lines


def explain_family(family: Family) -> list[str]:
    """The family as a short report: members with their probabilities, then every edge."""
    members = ", ".join(
        f"{m} ({p:.2f})" for m, p in zip(family.members, family.memberships, strict=False)
    )
    lines = [
        f"Family {family.family_id}: probability {family.confidence:.2f} that every member "
        f"belongs. Members (probability each belongs): {members}."
    ]
    if family.single_evidence:
        kind = family.evidence_kinds[0] if family.evidence_kinds else "no strong kind"
        lines.append(f"Caution: this family rests on one kind of evidence only ({kind}).")
    else:
        lines.append(f"Evidence kinds: {', '.join(family.evidence_kinds)}.")
    for edge in family.edges:
        lines.extend(explain_edge(edge))
    return lines
