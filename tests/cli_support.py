"""Run the program's own entry point in-process and capture exit code, stdout and stderr."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

from scenescope.cli import main


class Result(NamedTuple):
    code: int
    out: str
    err: str


def run(*args: str | Path) -> Result:
    """`scenescope ARGS...` as a shell would run it (usage errors included), in this process."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())
