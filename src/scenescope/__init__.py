"""scenescope: release intelligence over public Scene metadata (never content).

The parser is the public entry point most users need first: `parse` and `parse_many`.
"""

from scenescope.names import ReleaseName, parse, parse_many

__version__ = "0.1.0"
__all__ = ["ReleaseName", "__version__", "parse", "parse_many"]
