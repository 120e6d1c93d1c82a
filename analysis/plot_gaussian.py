#!/usr/bin/env python3
"""From a checkout, the tool installed as `shortrun-plot-gaussian` (pip install ./analysis): the code is
shortrun_analysis/tools/plot_gaussian.py; `plot_gaussian.py --help` says what it does. See _wrapper.py for how
this file finds the package and a python3 with numpy and h5py."""
from _wrapper import run

run("plot_gaussian")
