"""What the figure scripts share: the Agg backend, the time axis, colours, saving in one or more
file formats.

matplotlib is imported on the first call of pyplot(), once a script has checked its input files:
a bad file or --help then answers in a fraction of the time.

Time axis: every figure against sampling time t uses matplotlib's symlog scale with linthresh = 1,
linear on [0, 1] and logarithmic above, so t = 0 (the noise p0) sits at the left edge at its true
value instead of at an arbitrary offset, and t = 1, 10, 100 ... are equally spaced.
"""
from __future__ import annotations

import os
from typing import Iterable, List, Sequence

TIME_LABEL = "t (sampler sweeps from p0; symlog axis, linear on [0, 1])"

# File formats every figure is written in (the tools' --format), each as <stem>.<format>. The path
# a writer returns (and summary.md links) is the PNG when PNG is written, else the first format's.
FORMATS = ("png", "pdf", "svg")
_formats: List[str] = ["png"]


def parse_formats(text: str) -> List[str]:
    """The formats of a --format value such as "png,pdf"; ValueError naming a format we do not write."""
    names = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in names if f not in FORMATS]
    if not names or unknown:
        raise ValueError(f"expected a comma-separated list of {', '.join(FORMATS)}, got {text!r}")
    return list(dict.fromkeys(names))


def set_formats(names: Sequence[str]) -> None:
    """The formats of the figures written from now on (default: png only)."""
    _formats[:] = list(names) or ["png"]


def formats() -> List[str]:
    return list(_formats)


def figure_name(path: str) -> str:
    """`path` with the extension a figure writer returns: png when written, else the first format."""
    return os.path.splitext(path)[0] + "." + ("png" if "png" in _formats else _formats[0])


def write(fig, path: str, dpi: int, **savefig) -> str:
    """Writes `fig` as path's stem in every format (set_formats), closes it and returns the path
    figure_name() gives. dpi applies to raster formats (png); pdf and svg are vector files."""
    stem = os.path.splitext(path)[0]
    for fmt in _formats:
        fig.savefig(f"{stem}.{fmt}", dpi=dpi, format=fmt, **savefig)
    pyplot().close(fig)
    return figure_name(path)


def written(paths: Iterable[str]) -> List[str]:
    """Every file behind the figure paths returned by write(): each path in each format."""
    return [os.path.splitext(p)[0] + "." + fmt for p in paths for fmt in _formats]


def pyplot():
    """matplotlib.pyplot on the Agg backend (PNG files, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def time_axis(ax, t_max: float, label: str = TIME_LABEL) -> None:
    """Symlog x axis from t = 0 to a little past t_max (see the module docstring)."""
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, max(1.0, float(t_max)) * 1.15)
    ax.set_xlabel(label)


def colour(i: int):
    return pyplot().get_cmap("tab10")(i % 10)


def save(fig, path: str, dpi: int, rect=None) -> str:
    """Writes the figure in every format (write()); the bounding box takes in legends placed
    outside the axes. rect: the part of the figure (left, bottom, right, top in figure fractions)
    the axes may fill, leaving the rest to a figure legend."""
    fig.tight_layout(rect=rect)
    return write(fig, path, dpi, bbox_inches="tight")
