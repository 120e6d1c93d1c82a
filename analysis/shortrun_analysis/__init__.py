"""Analysis of shortrun output files (docs/hdf5-schema.md): run files (load_run, load_measurement),
sweep manifests (load_sweep), theory files (load_theory); tables (Sweep.to_dataframe, pandas),
curves with named dimensions (Run.to_xarray, xarray) and averages over seeds (seeds.py).
Installed with `pip install ./analysis` (README, "Analysis package"), whose console scripts run
the tools of shortrun_analysis/tools/. pandas and xarray are imported only by to_dataframe,
seed_average and to_xarray; matplotlib only by the figures."""
from .measurement import (STATS, Dynamics, Equilibrium, ErrorSummary, Measurement, load_measurement,
                          load_measurements, summarize, summarize_unfinished)
from .runfile import Run, Theory, load_run, load_theory
from .schema import RUN_SCHEMA, SCHEMA_VERSION, SWEEP_SCHEMA, THEORY_SCHEMA, SchemaError, check_schema
from .seeds import SeedAverage, average_measurements, average_over_seeds, group_by_seed, mean_se
from .sweep import Sweep, load_sweep

__version__ = "0.1.0"

__all__ = ["RUN_SCHEMA", "SCHEMA_VERSION", "STATS", "SWEEP_SCHEMA", "THEORY_SCHEMA", "Dynamics", "Equilibrium",
           "ErrorSummary", "Measurement", "Run", "SchemaError", "SeedAverage", "Sweep", "Theory",
           "average_measurements", "average_over_seeds", "check_schema", "group_by_seed", "load_measurement",
           "load_measurements", "load_run", "load_sweep", "load_theory", "mean_se", "summarize",
           "summarize_unfinished"]
