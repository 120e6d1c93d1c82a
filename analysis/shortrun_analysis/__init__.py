"""Analysis of shortrun output files (docs/hdf5-schema.md). Run with /usr/bin/python3 (Debian's
h5py, numpy, matplotlib)."""
from .measurement import (STATS, Dynamics, Equilibrium, ErrorSummary, Measurement, load_measurement,
                          load_measurements, summarize, summarize_unfinished)
from .runfile import Run, Theory, load_run, load_theory
from .schema import RUN_SCHEMA, SCHEMA_VERSION, SWEEP_SCHEMA, THEORY_SCHEMA, SchemaError, check_schema
from .sweep import Sweep, load_sweep

__all__ = ["RUN_SCHEMA", "SCHEMA_VERSION", "STATS", "SWEEP_SCHEMA", "THEORY_SCHEMA", "Dynamics", "Equilibrium",
           "ErrorSummary", "Measurement", "Run", "SchemaError", "Sweep", "Theory", "check_schema",
           "load_measurement", "load_measurements", "load_run", "load_sweep", "load_theory", "summarize",
           "summarize_unfinished"]
