"""Where scenescope keeps things: the store path (flag, then SCENESCOPE_DB, then user data dir)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "scenescope"


def default_db_path() -> Path:
    """The store file used when no --db is given: $SCENESCOPE_DB, else the user data dir."""
    env = os.environ.get("SCENESCOPE_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME)) / "scenescope.duckdb"


def resolve_db_path(db: Path | str | None) -> Path:
    """The --db flag if given, else the default."""
    return Path(db).expanduser() if db else default_db_path()
