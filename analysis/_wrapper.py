"""What the checkout wrappers analysis/<tool>.py share: they run shortrun_analysis.tools.<tool>,
the same code as the installed console scripts (shortrun-summary, ...), from the package next to
them.

No change to sys.path is needed: Python puts the folder of the script it runs first on sys.path,
so `python3 analysis/summary.py` imports analysis/shortrun_analysis (the checkout's code, even
where another version of the package is installed).

The wrappers start with `#!/usr/bin/env python3`, so run directly they use the first python3 on
PATH (an activated virtual environment's, say). When that one cannot import numpy and h5py (a
pyenv or bare virtual environment ahead of the system's python3 on PATH), the wrapper runs itself
again with the next python3 on PATH that can, or stops with one line saying what is missing
(exit 2). Called as `SOME_PYTHON analysis/<tool>.py`, it uses SOME_PYTHON the same way.
"""
import importlib
import importlib.util
import os
import subprocess
import sys

NEEDED = ("numpy", "h5py")
# Set in the environment of a wrapper started again with another python3, so that it tries once.
RELAUNCHED = "SHORTRUN_ANALYSIS_RELAUNCHED"


def _missing(modules=NEEDED):
    return [m for m in modules if importlib.util.find_spec(m) is None]


def _where(exe):
    """An interpreter's identity: its folder (symbolic links resolved) and name, not the file it
    links to. A virtual environment's python3 is a link to the system's, yet another interpreter
    (its own site-packages), so the link itself is what tells them apart."""
    return os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(exe))), os.path.basename(exe))


def _python_with_dependencies():
    """The first python3 on PATH, other than this one, that can import NEEDED; None if none."""
    probe = f"import importlib.util, sys; sys.exit(any(importlib.util.find_spec(m) is None for m in {NEEDED!r}))"
    seen = {_where(sys.executable)}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        exe = os.path.join(folder or ".", "python3")
        if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
            continue
        where = _where(exe)
        if where in seen:
            continue
        seen.add(where)
        try:
            found = subprocess.run([exe, "-c", probe], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            found = False
        if found:
            return exe
    return None


def run(tool):
    """Runs shortrun_analysis.tools.<tool>.main() and exits with its exit code."""
    missing = _missing()
    if missing:
        other = None if os.environ.get(RELAUNCHED) else _python_with_dependencies()
        if other is not None:
            os.environ[RELAUNCHED] = "1"
            os.execv(other, [other, sys.argv[0]] + sys.argv[1:])
        print(f"{os.path.basename(sys.argv[0])}: error: {sys.executable} cannot import {', '.join(missing)}, and no "
              "other python3 on PATH can: install numpy, h5py and matplotlib (Debian: apt-get install "
              "python3-numpy python3-h5py python3-matplotlib) or `pip install ./analysis` into a virtual "
              "environment", file=sys.stderr)
        sys.exit(2)
    sys.exit(importlib.import_module(f"shortrun_analysis.tools.{tool}").main())
