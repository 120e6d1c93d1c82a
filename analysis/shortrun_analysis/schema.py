"""The one check every reader of a shortrun HDF5 file makes right after opening it: the root
attributes `schema` and `schema_version` (docs/hdf5-schema.md).

The C++ writer stamps each file with its schema name and version (kRunSchema/kRunSchemaVersion in
include/shortrun/io/run_file.hpp, kSweepSchema/kSweepSchemaVersion in include/shortrun/io/manifest.hpp,
"shortrun.theory" version 1 in src/app/cmd_theory.cpp). This package reads exactly the versions in
SUPPORTED_VERSIONS: a file of another version may have a different layout, so it is refused with a
SchemaError naming the file rather than read as if it were version 1. When the C++ side bumps a
version, the readers here are updated and so is the number below.
"""
from __future__ import annotations

from typing import Any, Tuple, Union

RUN_SCHEMA = "shortrun.run"
SWEEP_SCHEMA = "shortrun.sweep"
THEORY_SCHEMA = "shortrun.theory"

# The schema version this package reads; today every schema is at version 1. Should one move on
# alone, give it its own number in SUPPORTED_VERSIONS.
SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = {RUN_SCHEMA: SCHEMA_VERSION, SWEEP_SCHEMA: SCHEMA_VERSION, THEORY_SCHEMA: SCHEMA_VERSION}

# What each schema is called in an error message ("<file>: not a shortrun run file ...").
_KIND = {RUN_SCHEMA: "shortrun run file", SWEEP_SCHEMA: "shortrun sweep manifest",
         THEORY_SCHEMA: "shortrun theory file"}


class SchemaError(ValueError):
    """A file is not what the analysis needs. str(e) is one line: '<file>: <what was expected>'."""


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "ndim") and getattr(value, "ndim") == 0:
        return value.item()
    return value


def check_schema(f: Any, path: str, expected: Union[str, Tuple[str, ...]]) -> str:
    """Checks the root attributes of the open HDF5 file `f` (path `path`, for messages): `schema`
    must be `expected` (or one of them, given a tuple) and `schema_version` the version this package
    reads for that schema. Returns the file's schema; raises SchemaError naming the file, the schema,
    the file's version and the supported one otherwise."""
    names = (expected,) if isinstance(expected, str) else tuple(expected)
    schema = _text(f.attrs.get("schema", ""))
    if schema not in names:
        kind = _KIND[names[0]] if len(names) == 1 else "shortrun file"
        found = repr(schema) if schema else "missing"
        wanted = " or ".join(f"'{n}'" for n in names)
        raise SchemaError(f"{path}: not a {kind} (root attribute schema is {found}, expected {wanted})")
    supported = SUPPORTED_VERSIONS[schema]
    if "schema_version" not in f.attrs:
        raise SchemaError(f"{path}: no root attribute schema_version in a {schema} file, but this "
                          f"analysis package reads version {supported}")
    version = _text(f.attrs["schema_version"])
    if isinstance(version, bool) or not isinstance(version, int) or version != supported:
        shown = version if isinstance(version, int) and not isinstance(version, bool) else repr(version)
        raise SchemaError(f"{path}: schema_version {shown} of {schema}, but this analysis package "
                          f"reads version {supported}")
    return schema
