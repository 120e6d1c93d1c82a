"""What the tools (shortrun_analysis/tools/, the console scripts shortrun-*) share on the command
line: their name, the one-line error with exit code 2, argument types, sweep folders as inputs,
the output folder and formats, file names. No matplotlib here, so the summary starts fast."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, List, Optional, Sequence

from .runfile import SchemaError

# The console scripts of analysis/pyproject.toml: tool module (shortrun_analysis/tools/) -> name.
CONSOLE_SCRIPTS = {
    "summary": "shortrun-summary",
    "make_figures": "shortrun-make-figures",
    "plot_dynamics": "shortrun-plot-dynamics",
    "plot_dynamics_heatmap": "shortrun-plot-dynamics-heatmap",
    "plot_gaussian": "shortrun-plot-gaussian",
    "plot_samples": "shortrun-plot-samples",
    "plot_theory_overlay": "shortrun-plot-theory-overlay",
}


def running(tool: str) -> str:
    """The end of every tool's --help: how it is started and what it needs."""
    return (f"Installed by `pip install ./analysis` as the command {CONSOLE_SCRIPTS[tool]}; from a checkout,\n"
            f"`python3 analysis/{tool}.py` or, in analysis/, `python3 -m shortrun_analysis.tools.{tool}`.\n"
            "Needs a python3 with numpy and h5py (and matplotlib for figures; Debian 12: python3-numpy,\n"
            "python3-h5py, python3-matplotlib).")


def prog(default: str) -> str:
    """The name the tool was started by, for --help and error lines: the console script
    (shortrun-summary), the checkout wrapper (summary.py) or the module (summary.py with -m)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("-c", "-m", "__main__.py") else default


def argv_or_default(argv: Optional[Sequence[str]]) -> List[str]:
    return list(sys.argv[1:] if argv is None else argv)


def format_list(value: str) -> List[str]:
    """argparse type of --format: comma-separated png, pdf, svg."""
    from .plotting import parse_formats

    try:
        return parse_formats(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", type=format_list, default=["png"], metavar="png,pdf,svg",
                        help="file formats of every figure, comma-separated (default: png): each figure "
                             "is written once per format, PNG at --dpi, PDF and SVG as vector files")


def positive_int(value: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def add_dpi_argument(parser: argparse.ArgumentParser, default: int = 120) -> None:
    parser.add_argument("--dpi", type=positive_int, default=default,
                        help="PNG resolution, dots per inch (default: %(default)s)")


def _is_sweep_manifest(path: str) -> bool:
    """Whether `path` is an HDF5 file whose root attribute schema is shortrun.sweep (anything
    else, unreadable files included, is left to the run-file reader to judge)."""
    if not os.path.isfile(path):
        return False
    import h5py

    from .schema import SWEEP_SCHEMA, _text

    try:
        with h5py.File(path, "r") as f:
            return _text(f.attrs.get("schema", "")) == SWEEP_SCHEMA
    except OSError:
        return False


def run_files(paths: Sequence[str], prog_name: str) -> List[str]:
    """The run files named by `paths`: a run file as it is; a sweep folder (the --out of
    `shortrun sweep`, with sweep.h5) or its manifest stands for the run files it lists, in grid
    order. A listed run without a file (pending, or moved away) is left out with a warning on
    stderr, and so is a file named twice (a sweep folder and one of its runs, say): it counts
    once. SchemaError for a folder without a readable manifest."""
    from .sweep import load_sweep

    out: List[str] = []
    named_by = {}

    def add(run: str, by: str) -> None:
        key = os.path.realpath(run)
        if key in named_by:
            print(f"{prog_name}: warning: {run}: named twice (by {named_by[key]} and by {by}); counted once",
                  file=sys.stderr)
            return
        named_by[key] = by
        out.append(run)

    for path in paths:
        if os.path.isdir(path) or _is_sweep_manifest(path):
            sweep = load_sweep(path)
            for i in range(len(sweep)):
                run = sweep.run_path(i)
                if os.path.isfile(run):
                    add(run, path)
                else:
                    print(f"{prog_name}: warning: {sweep.path}: run {sweep.runs['run_id'][i]} "
                          f"(status {sweep.runs['status'][i]}) has no run file; left out", file=sys.stderr)
        else:
            add(path, path)
    if not out:
        raise SchemaError(f"{paths[0]}: no run file in the sweep (every run is pending or missing)")
    return out


def measured_runs(paths: Sequence[str], prog_name: str):
    """The measured run files among `paths` (Measurement objects, in order): a run that diverged
    or was interrupted has no measurement and is left out with a warning on stderr; when none is
    measured, the first file's SchemaError (one line naming it)."""
    from .measurement import load_measurements

    runs = load_measurements(list(paths), unfinished_ok=True)
    if not any(m.steps for m in runs):
        load_measurements(list(paths))  # raises the one-line error of the first file
    for m in runs:
        if not m.steps:
            print(f"{prog_name}: warning: {m.path}: status {m.status}, not measured; left out", file=sys.stderr)
    return [m for m in runs if m.steps]


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
    """The notes, then `figures: ` and every file written (each figure in each --format)."""
    from .plotting import written

    for note in notes or []:
        print(f"note: {note}")
    print("figures: " + " ".join(written(paths)))


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
