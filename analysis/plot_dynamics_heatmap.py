#!/usr/bin/env python3
"""From a checkout, the tool installed as `shortrun-plot-dynamics-heatmap` (pip install ./analysis): the code is
shortrun_analysis/tools/plot_dynamics_heatmap.py; `plot_dynamics_heatmap.py --help` says what it does. See _wrapper.py for how
this file finds the package and a python3 with numpy and h5py."""
from _wrapper import run

run("plot_dynamics_heatmap")
