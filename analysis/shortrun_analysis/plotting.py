"""What the figure scripts share: the Agg backend, the time axis, colours, saving.

matplotlib is imported on the first call of pyplot(), once a script has checked its input files:
a bad file or --help then answers in a fraction of the time.

Time axis: every figure against sampling time t uses matplotlib's symlog scale with linthresh = 1,
linear on [0, 1] and logarithmic above, so t = 0 (the noise p0) sits at the left edge at its true
value instead of at an arbitrary offset, and t = 1, 10, 100 ... are equally spaced.
"""
from __future__ import annotations

TIME_LABEL = "t (sampler sweeps from p0; symlog axis, linear on [0, 1])"


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


def save(fig, path: str, dpi: int) -> str:
    """Writes the PNG; the bounding box takes in legends placed outside the axes."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)
    return path
