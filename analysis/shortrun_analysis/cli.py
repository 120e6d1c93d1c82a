"""What the scripts share on the command line: the one-line error with exit code 2, argument
types, the output folder, file names. No matplotlib here, so summary.py starts fast."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, List, Optional, Sequence

from .runfile import SchemaError


def run_main(prog: str, body: Callable[[], int]) -> int:
    """Calls body(); a SchemaError becomes one line `<prog>: error: <file>: <what>` on stderr and
    exit code 2 (bad input), as for the C++ commands."""
    try:
        return body()
    except SchemaError as e:
        print(f"{prog}: error: {str(e).splitlines()[0] if str(e) else 'bad input'}", file=sys.stderr)
        return 2


def step_spec(value: str) -> str:
    """argparse type of --step: 'last' or an integer update number."""
    if value != "last" and not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected last or an update number, got {value!r}")
    return value


def make_out(out: str) -> str:
    """The output folder, created if needed; SchemaError (exit 2) when it cannot be."""
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise SchemaError(f"{out}: cannot create the output folder ({e.strerror})") from None
    return out


def stem(name: str, used: set) -> str:
    """A file-name stem from a run id, unique among `used` (two files with one run id keep both)."""
    out = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"
    while out in used:
        out += "_"
    used.add(out)
    return out


def figure_path(out: str, run, suffix: str, used: set) -> str:
    """<out>/<run id>_<suffix>.png for a Run or Measurement (the file stem when it has no run id)."""
    name = stem(run.run_id or os.path.splitext(os.path.basename(run.path))[0], used)
    return os.path.join(out, f"{name}_{suffix}.png")


def print_figures(paths: Sequence[str], notes: Optional[List[str]] = None) -> None:
    for note in notes or []:
        print(f"note: {note}")
    print("figures: " + " ".join(paths))


def figure_per_run(runs, spec: str, out: str, suffix: str, check: Callable, plot: Callable) -> int:
    """One figure per measured run file at training step `spec` (last or an update number):
    check(m, step) on every file first, so a bad file stops the script before any figure is
    written; then plot(m, step, path) into <out>/<run id>_<suffix>.png. Prints the figures."""
    steps = [m.step(spec) for m in runs]
    for m, step in zip(runs, steps):
        check(m, step)
    out = make_out(out)
    used: set = set()
    print_figures([plot(m, step, figure_path(out, m, suffix, used)) for m, step in zip(runs, steps)])
    return 0
