"""Drawing primitives shared by the widgets and their static twins.

Every widget in this package is built the same way:

1. a *state* function asks convlib for the numbers (never re-computing them);
2. a *draw* function paints one state onto matplotlib axes, using the helpers below;
3. the widget calls the draw function whenever a control changes, and the static twin
   calls the same draw function once per frame through :func:`animate`.

So the interactive view and the animation in the static book cannot drift apart.

Helpers:

- draw_grid(ax, values, ...): a grid of numbers, optional highlighted cells, greyed
  cells (e.g. padding) and hidden cells (an output grid being filled)
- window_cells(i, j, ...): the (row, col) cells under output cell (i, j)
- outline_cells(ax, cells, ...): draw a rectangle around each listed cell
- animate(fig, draw_frame, n): FuncAnimation(...).to_jshtml() wrapped as HTML
- frame_indices(total, max_frames): at most max_frames evenly spread frame numbers
"""
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.patches import Rectangle

# Small defaults keep embedded animations light (a few kB per frame).
DPI = 60
HIGHLIGHT = "#d62728"   # window outline (red)
CURRENT = "#1f77b4"     # the output cell being written (blue)
PAD_FACE = "#d9d9d9"    # padding cells (light grey)


def format_value(v, decimals=2):
    """Short text for a cell: integers without a decimal point, others rounded."""
    v = float(v)
    if np.isfinite(v) and abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".")


def draw_grid(ax, values, *, title=None, highlight=(), highlight_color=HIGHLIGHT,
              grey=None, hidden=None, cmap="Greys_r", vmin=None, vmax=None,
              show_values=True, fontsize=None, decimals=2):
    """Draw a 2-D array as coloured cells, optionally with its numbers written in.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    values : array_like
        The (H, W) array.
    title : str, optional
        The title of the axes.
    highlight : iterable of (int, int)
        The (row, col) cells to outline in ``highlight_color``.
    grey : numpy.ndarray of bool, optional
        An (H, W) mask of cells painted light grey, such as padding.
    hidden : numpy.ndarray of bool, optional
        An (H, W) mask of cells left blank, such as an output not yet computed.
    cmap, vmin, vmax
        As for ``matplotlib.pyplot.imshow``; the limits default to the smallest and
        largest shown value.
    show_values : bool
        Write each number in its cell (turn it off for photos).
    fontsize : float, optional
        The size of the numbers; by default it shrinks as the grid grows.
    decimals : int
        At most this many decimals per number; whole numbers have none.

    Returns
    -------
    matplotlib.image.AxesImage
        The cells. The numbers are text artists of the axes (``ax.texts``).
    """
    values = np.asarray(values, dtype=float)
    shown = np.ma.masked_array(values, mask=hidden if hidden is not None else False)
    if vmin is None or vmax is None:
        finite = values[~np.asarray(shown.mask, dtype=bool)] if np.ma.is_masked(shown) else values.ravel()
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        vmin = lo if vmin is None else vmin
        vmax = (hi if hi > lo else lo + 1) if vmax is None else vmax
    cm = plt.get_cmap(cmap).with_extremes(bad="white")
    image = ax.imshow(shown, cmap=cm, vmin=vmin, vmax=vmax, interpolation="nearest")
    h, w = values.shape
    if grey is not None:
        for r, c in zip(*np.nonzero(grey)):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=PAD_FACE, edgecolor="none"))
    if show_values:
        size = fontsize or max(5, min(10, 60 / max(h, w)))
        mid = (vmin + vmax) / 2
        for (r, c), v in np.ndenumerate(values):
            if hidden is not None and hidden[r, c]:
                continue
            dark_cell = v < mid and not (grey is not None and grey[r, c])
            ax.text(c, r, format_value(v, decimals), ha="center", va="center", fontsize=size,
                    color="white" if dark_cell else "black")
    # thin cell borders
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="#888888", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    outline_cells(ax, highlight, highlight_color)
    if title:
        ax.set_title(title, fontsize=9)
    return image


def outline_cells(ax, cells, color=HIGHLIGHT, linewidth=2):
    """Draw a rectangle around each (row, col) in ``cells``."""
    for r, c in cells:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=linewidth))


def window_cells(i, j, kernel_shape, strides=(1, 1), dilation_rate=(1, 1)):
    """Cells of the padded input read by output cell (i, j), in kernel order (row-major).

    Row i*sh + u*dh and column j*sw + v*dw for kernel tap (u, v): the formula under conv2d.
    """
    (fh, fw), (sh, sw), (dh, dw) = kernel_shape, strides, dilation_rate
    return [(i * sh + u * dh, j * sw + v * dw) for u in range(fh) for v in range(fw)]


def frame_indices(total, max_frames=30):
    """At most ``max_frames`` frame numbers spread evenly over range(total), always
    including the first and the last."""
    if total <= max_frames:
        return list(range(total))
    return sorted(set(np.linspace(0, total - 1, max_frames).round().astype(int).tolist()))


def animate(fig, draw_frame, frames, interval=700, frame_format="png", close=True, colors=True):
    """Turn a per-frame draw function into a JavaScript animation (the static twin).

    draw_frame(k) must redraw the whole figure for frame k (clear its axes first).
    ``frames`` is a count or a sequence passed to FuncAnimation. Returns an
    IPython.display.HTML object holding FuncAnimation(...).to_jshtml(); the figure
    is closed so that it does not also appear as a still image. With colors=True,
    PNG frames are re-encoded with a 64-colour palette to keep pages light (use
    frame_format="jpeg" for photos instead).
    """
    from IPython.display import HTML

    anim = FuncAnimation(fig, draw_frame, frames=frames, interval=interval, repeat=True)
    with plt.rc_context({"animation.frame_format": frame_format, "animation.embed_limit": 8}):
        html = anim.to_jshtml(default_mode="once")
    if close:
        plt.close(fig)
    if frame_format == "png" and colors:
        html = _PNG_FRAME.sub(lambda m: m.group(1) + _quantize_png(m.group(2)) + '"', html)
    return HTML(html)


_PNG_FRAME = re.compile(r'(frames\[\d+\] = "data:image/png;base64,)([^"]*)"')


def _quantize_png(b64):
    """Re-encode one embedded PNG frame with an adaptive palette (about 4x smaller;
    drawings of grids need few colours)."""
    import base64
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(b64.replace("\\\n", "")))).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=_COLORS).save(buffer, format="png", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_COLORS = 64


def count_frames(html):
    """Number of embedded frames in a to_jshtml() string (or an HTML object)."""
    text = getattr(html, "data", html)
    return len(re.findall(r'frames\[\d+\] = "data:image/', text))


class Explorer:
    """Shell shared by the widgets: controls + a figure redrawn from a state.

    Subclasses set ``self.controls`` (name -> ipywidget), then call ``self._build(rows)``.
    They implement ``compute_state()`` (ask convlib for the numbers, from the controls'
    values) and ``draw(fig, state)`` (the same function the static twin uses).
    After every change: ``self.state`` is the state shown, ``self.figure`` the figure
    drawn, and ``self.message.value`` holds an error text ('' when all is well).
    Display the explorer in a notebook as the last expression of a cell.
    """

    figsize = (8, 2.6)

    def _build(self, rows):
        import ipywidgets as widgets

        self.output = widgets.Output()
        self.message = widgets.HTML("")
        self.state, self.figure = None, None
        self._busy = False
        self.box = widgets.VBox([*(widgets.HBox(list(r)) for r in rows), self.message, self.output])
        for w in self.controls.values():
            w.observe(self.refresh, names="value")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.box._repr_mimebundle_(**kwargs)
        # What a page without a running kernel shows instead of the live controls.
        bundle["text/plain"] = (f"[{type(self).__name__}: interactive; run the notebook to use "
                                "the controls. The animation on this page shows the same drawing.]")
        return bundle

    def refresh(self, change=None):
        """Recompute the state from the controls and redraw (called on every change)."""
        if self._busy:
            return
        self._busy = True
        try:
            try:
                state = self.compute_state()
            except ValueError as exc:  # e.g. a kernel larger than the padded input
                self.message.value = f"<span style='color:#b00'>{exc}</span>"
                return
            self.message.value = ""
            self.state = state
            fig = plt.figure(figsize=self.figsize, dpi=DPI)
            self.draw(fig, state)
            self.figure = fig
            from IPython import get_ipython
            if get_ipython() is not None:  # in a notebook; elsewhere (tests) just keep the figure
                from IPython.display import display
                self.output.clear_output(wait=True)
                with self.output:
                    display(fig)
            plt.close(fig)
        finally:
            self._busy = False
