#!/usr/bin/env python3
"""From a checkout, the tool installed as `shortrun-make-figures` (pip install ./analysis): the code is
shortrun_analysis/tools/make_figures.py; `make_figures.py --help` says what it does. See _wrapper.py for how
this file finds the package and a python3 with numpy and h5py."""
from _wrapper import run

run("make_figures")
