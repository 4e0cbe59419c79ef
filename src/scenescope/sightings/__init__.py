"""The lower tiers of the pyramid: sightings of releases on P2P, Usenet, DDL, streaming and IPTV.

`import_sightings(store, path)` reads a sightings CSV (`name, tier, site, seen_at`) into the
store, reporting bad rows as file:line [field]; `link_sightings(store)` links each sighting to
the release it is a copy of (exact name, then normalised name, then parsed fields) and to the
title. Nothing that cannot be linked is dropped: it is kept and counted.
"""

from scenescope.sightings.importer import SightingsReport, import_sightings
from scenescope.sightings.link import LinkReport, link_sightings, scene_forms

__all__ = ["LinkReport", "SightingsReport", "import_sightings", "link_sightings", "scene_forms"]
