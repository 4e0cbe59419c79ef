"""Release-name parsing: `parse(name) -> ReleaseName` and `parse_many(names)`."""

from scenescope.names.parser import parse, parse_many
from scenescope.names.record import ReleaseName

__all__ = ["ReleaseName", "parse", "parse_many"]
