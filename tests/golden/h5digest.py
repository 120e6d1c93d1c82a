#!/usr/bin/python3
"""Prints a digest of one shortrun HDF5 file (run file, sweep manifest, theory file): one line per
object, sorted by path, so that two files that hold the same results give the same text and a
difference names the object that differs.

    h5digest.py FILE.h5 [--root DIR]

Lines (PATH is the HDF5 path of the object, ATTR the attribute name):
    PATH  group
    PATH  dataset DTYPE SHAPE sha256=HEX
    PATH@ATTR  attr DTYPE SHAPE sha256=HEX [= value]     (the value only for short scalars)
    PATH  softlink -> TARGET                               (not followed)
    PATH  extlink -> FILE:TARGET                           (not followed)
    PATH@ATTR  excluded (REASON)                           (present, value not compared)
    PATH@ATTR#NNN  | TEXT                                  (multi-line text attributes, e.g. the
                                                            config: line NNN, besides its hash)

The hash covers the raw bytes of numeric data (NaN payloads and -0.0 included) and the UTF-8
text of strings (each element of a string array hashed with its length, so that element
boundaries count).

Dimension scales: the attributes `DIMENSION_LIST` (on a dataset) and `REFERENCE_LIST` (on a
scale) hold object references, whose raw bytes are not results: they are written as the HDF5 paths
they refer to (`attr dimension_list = [['/dynamics/20/t'], []]`).

Excluded (they legitimately differ between two identical runs; only their presence is listed):
timestamps (`created`, `finished`, `started`, `updated`, `measured`, `written`), wall times (any
dataset or attribute named `wall_s`, `seconds`, `elapsed_s`), memory use (`train_peak_rss_mb`), `host`, `git_sha`,
`shortrun_version`, and the provenance attributes (`argv`, `hosts`, `git_dirty`, `mpi_library`,
`hdf5_version`, `eigen_version`, `compiler`, `build_flags`, `train_segments`). With --root DIR, every occurrence of DIR (the output folder the run was
written under: `run.out` in the config text and in /config, and any other string naming a path
in it) is replaced by `<OUT>` before hashing, so that the text is still compared but not the
temporary folder's name.

Needs /usr/bin/python3 (Debian's h5py and numpy).
"""
import argparse
import hashlib
import sys

import h5py
import numpy as np

EXCLUDED = {
    "created": "timestamp", "finished": "timestamp", "started": "timestamp",
    "updated": "timestamp", "measured": "timestamp", "written": "timestamp",
    "wall_s": "wall time", "seconds": "wall time", "elapsed_s": "wall time",
    "host": "host name", "git_sha": "build commit", "shortrun_version": "program version",
    # provenance: the command line names temporary folders; hosts, the dirty flag and the library
    # versions describe where and how it ran, not what it computed (machine.txt gates the build)
    "argv": "command line", "hosts": "host names", "git_dirty": "build tree state",
    "mpi_library": "library version", "hdf5_version": "library version", "eigen_version": "library version",
    "compiler": "compiler version", "build_flags": "build flags",
    "train_peak_rss_mb": "memory use",
    "train_segments": "build commit per training segment",
}

root = None  # the output folder's path, replaced by <OUT> in strings


def text(s):
    if isinstance(s, bytes):
        s = s.decode("utf-8", "surrogateescape")
    if root:
        s = s.replace(root, "<OUT>")
    return s


def digest(value, dtype):
    """(sha256 hex, short value or None) of a dataset's or attribute's value."""
    h = hashlib.sha256()
    preview = None
    if h5py.check_string_dtype(dtype) is not None or dtype.kind in ("O", "S", "U"):
        arr = np.asarray(value, dtype=object)
        for x in arr.reshape(-1):
            b = text(x).encode("utf-8", "surrogateescape")
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
        if arr.ndim == 0:
            s = text(arr[()])
            if len(s) <= 80 and "\n" not in s:
                preview = repr(s)
    else:
        arr = np.asarray(value)
        h.update(np.ascontiguousarray(arr).tobytes())
        if arr.ndim == 0 or arr.size == 1 and arr.ndim == 1:
            preview = repr(arr.reshape(-1)[0].item())
    return h.hexdigest(), preview


def dtype_name(dtype):
    if h5py.check_string_dtype(dtype) is not None:
        return "str"
    return dtype.str


def shape_name(shape):
    return "()" if shape is None or shape == () else "[" + ",".join(str(n) for n in shape) + "]"


def scale_lines(obj, name, key, out):
    """The dimension-scale attributes hold object references (their bytes are addresses, not
    results): written as the paths they refer to. True when `name` was one of them."""
    if name == "DIMENSION_LIST":  # on a dataset: the scales attached to each dimension
        dims = [[scale.name for scale in dim.values()] for dim in obj.dims]
        out.append((key, f"attr dimension_list = {dims!r}"))
        return True
    if name == "REFERENCE_LIST":  # on a scale: the datasets (and dimensions) it is attached to
        refs = sorted((obj.file[r[0]].name, int(r[1])) for r in obj.attrs[name])
        out.append((key, f"attr reference_list = {refs!r}"))
        return True
    return False


def attr_lines(obj, path, out):
    for name in obj.attrs:
        key = f"{path}@{name}"
        if name in EXCLUDED:
            out.append((key, f"excluded ({EXCLUDED[name]})"))
            continue
        if scale_lines(obj, name, key, out):
            continue
        aid = h5py.h5a.open(obj.id, name.encode())
        dtype, shape = aid.dtype, aid.shape
        value = obj.attrs[name]
        hexd, preview = digest(value, dtype)
        line = f"attr {dtype_name(dtype)} {shape_name(shape)} sha256={hexd}"
        if preview is not None:
            line += f" = {preview}"
        out.append((key, line))
        # Multi-line text (the resolved config): also line by line, so that a difference shows
        # which keys changed.
        if h5py.check_string_dtype(dtype) is not None and shape == ():
            s = text(value)
            if "\n" in s:
                for i, l in enumerate(s.split("\n")):
                    out.append((f"{key}#{i:03d}", f"| {l}"))


def walk(group, path, out):
    out.append((path, "group"))
    attr_lines(group, path, out)
    for name in group:
        child = (path.rstrip("/") + "/" + name)
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.SoftLink):
            out.append((child, f"softlink -> {text(link.path)}"))
            continue
        if isinstance(link, h5py.ExternalLink):
            out.append((child, f"extlink -> {text(link.filename)}:{text(link.path)}"))
            continue
        obj = group[name]
        if isinstance(obj, h5py.Group):
            walk(obj, child, out)
        elif isinstance(obj, h5py.Dataset):
            if name in EXCLUDED:
                out.append((child, f"dataset {dtype_name(obj.dtype)} {shape_name(obj.shape)} "
                                   f"excluded ({EXCLUDED[name]})"))
            else:
                hexd, _ = digest(obj[()], obj.dtype)
                out.append((child, f"dataset {dtype_name(obj.dtype)} {shape_name(obj.shape)} "
                                   f"sha256={hexd}"))
            attr_lines(obj, child, out)
        else:
            out.append((child, f"other {type(obj).__name__}"))


def digest_file(path, out_root=None):
    """Prints the digest of one file; out_root: the output folder written as <OUT>."""
    global root
    root = out_root.rstrip("/") if out_root else None
    out = []
    with h5py.File(path, "r") as f:
        walk(f, "/", out)
    # Sorted by path (bytewise), so attributes come right after their object.
    for key, line in sorted(out, key=lambda kl: kl[0].encode()):
        print(f"{key}  {line}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file")
    p.add_argument("--root", help="output folder whose name is replaced by <OUT> in strings")
    a = p.parse_args()
    digest_file(a.file, a.root)


if __name__ == "__main__":
    sys.exit(main())
