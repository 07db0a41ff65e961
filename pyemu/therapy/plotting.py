"""matplotlib, an optional dependency (``pip install 'pyemu[plot]'``), imported only here.

Figures are :class:`matplotlib.figure.Figure` objects drawn by the Agg canvas
directly: no pyplot, no global backend switch, no display. So a plot works
headless (CI, a server) and pyemu changes nothing in a program that uses
matplotlib itself. Without matplotlib, everything but the plots works, and
asking for a plot raises :class:`PlotUnavailable` naming the extra to install.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PLOT_EXTRA", "PlotUnavailable", "require_matplotlib", "new_figure"]

#: What to run to get the plots.
PLOT_EXTRA = "pip install 'pyemu[plot]'"


class PlotUnavailable(ImportError):
    """A plot was asked for and matplotlib is not installed."""


def require_matplotlib(what: str = "plotting") -> None:
    """Raise :class:`PlotUnavailable` ("``what`` needs matplotlib ... pip install ...") without it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise PlotUnavailable(f"{what} needs matplotlib, which is not installed: {PLOT_EXTRA}") from exc


def new_figure(**kwargs: Any) -> "Figure":
    """A Figure (``kwargs`` as for Figure: figsize, dpi...) with an Agg canvas attached."""
    require_matplotlib()
    # deferred: matplotlib is an optional extra, loaded only to draw
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig
