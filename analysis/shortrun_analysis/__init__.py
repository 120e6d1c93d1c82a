"""Analysis of shortrun output files (docs/hdf5-schema.md). Run with /usr/bin/python3 (Debian's
h5py, numpy, matplotlib)."""
from .measurement import (STATS, Dynamics, Equilibrium, ErrorSummary, Measurement, load_measurement,
                          load_measurements, summarize, summarize_unfinished)
from .runfile import RUN_SCHEMA, THEORY_SCHEMA, Run, SchemaError, Theory, load_run, load_theory

__all__ = ["RUN_SCHEMA", "STATS", "THEORY_SCHEMA", "Dynamics", "Equilibrium", "ErrorSummary", "Measurement",
           "Run", "SchemaError", "Theory", "load_measurement", "load_measurements", "load_run", "load_theory",
           "summarize", "summarize_unfinished"]
