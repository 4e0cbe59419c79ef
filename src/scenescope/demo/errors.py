"""Errors of the demo's live leg."""

from __future__ import annotations


class LiveReplayError(RuntimeError):
    """The live leg cannot run (no ws_frames.jsonl, nothing to replay...)."""
