"""The release store: an embedded DuckDB file with versioned migrations."""
