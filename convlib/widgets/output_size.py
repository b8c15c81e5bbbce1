"""Output-size explorer: the padded grid, where the window can sit, and the formula.

    output_size_explorer(n, f, ...)    the widget (ipywidgets)
    output_size_animation(n, f, ...)   its static twin (JavaScript animation)
    output_size_state(n, f, ...)       the numbers both of them draw
    draw_output_size(fig, state)       the drawing both of them use

The picture is square (n x n input, f x f kernel, the same padding, stride and
dilation on both axes); the arithmetic is per axis, exactly as convlib.output_size.
"""
import numpy as np

from .._validate import non_negative_int, positive_int
from ..arithmetic import axis_padding, effective_kernel_size, output_size
from . import _draw


def output_size_state(n, f, padding=0, strides=1, dilation_rate=1, position=0):
    """Everything the explorer shows for window ``position`` (row-major order).

    Returns a dict: n, f, s, d, before, after (padding per side), padded (n + both),
    span (d(f - 1) + 1), out (convlib.output_size), starts (first padded index of each
    window along an axis), reach (last padded index any window reads), i, j (the
    current output cell), cells (padded cells under the current window), formula (text).
    """
    out = output_size(n, f, padding, strides, dilation_rate)   # validates everything
    n, f = positive_int(n, "n"), positive_int(f, "f")
    s, d = positive_int(strides, "strides"), positive_int(dilation_rate, "dilation_rate")
    before, after = axis_padding(padding, n, f, s, d)
    span = effective_kernel_size(f, d)
    position = non_negative_int(position, "position")
    if position >= out * out:
        raise ValueError(f"position must be between 0 and {out * out - 1} (one per output cell); got {position}.")
    i, j = divmod(position, out)
    starts = [k * s for k in range(out)]
    padded = n + before + after
    dil = f"{d}({f} - 1) - 1" if d > 1 else f"{f}"
    pads = f" + {before} + {after}" if before or after else ""
    formula = rf"$\lfloor ({n}{pads} - {dil}) / {s} \rfloor + 1 = {out}$"
    return dict(n=n, f=f, s=s, d=d, before=before, after=after, padded=padded, span=span, out=out,
                starts=starts, reach=starts[-1] + span - 1, position=position, i=i, j=j,
                cells=_draw.window_cells(i, j, (f, f), (s, s), (d, d)), formula=formula)


def draw_output_size(fig, state):
    """Left: the padded input (grey: padding; dots: where windows start; red: the current
    window; hatched: cells no window reaches). Right: the output, filled so far."""
    s = state
    fig.clf()
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[s["padded"], max(s["out"], 2)]))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.78, wspace=0.15)
    grid = np.zeros((s["padded"], s["padded"]))
    pad_mask = np.ones_like(grid, dtype=bool)
    pad_mask[s["before"]:s["before"] + s["n"], s["before"]:s["before"] + s["n"]] = False
    _draw.draw_grid(ax_in, grid, grey=pad_mask, show_values=False, vmin=-1, vmax=0,
                    highlight=s["cells"],
                    title=f"input {s['n']}x{s['n']}, padding {s['before']}+{s['after']}, "
                          f"kernel {s['f']}x{s['f']} (span {s['span']})")
    lo, size = s["reach"] + 1, s["padded"]
    if lo < size:   # rows and columns after the last window: never read
        from matplotlib.patches import Rectangle
        for xy, w, h in (((lo - 0.5, -0.5), size - lo, size), ((-0.5, lo - 0.5), size, size - lo)):
            ax_in.add_patch(Rectangle(xy, w, h, hatch="//", fill=False, edgecolor="#999999", linewidth=0))
    r0, c0 = np.meshgrid(s["starts"], s["starts"], indexing="ij")
    ax_in.plot(c0.ravel(), r0.ravel(), "o", color=_draw.CURRENT, markersize=3)
    out = np.arange(s["out"] * s["out"]).reshape(s["out"], s["out"])
    _draw.draw_grid(ax_out, np.ones_like(out), hidden=out > s["position"], show_values=False,
                    cmap="Blues", vmin=0, vmax=3, highlight=[(s["i"], s["j"])], highlight_color=_draw.CURRENT,
                    title=f"output {s['out']}x{s['out']}")
    fig.suptitle(f"stride {s['s']}, dilation {s['d']}:   " + s["formula"], fontsize=10)


class OutputSizeExplorer(_draw.Explorer):
    """The widget returned by output_size_explorer (see there)."""

    figsize = (6.4, 3.4)

    def __init__(self, n=7, f=3, padding=0, strides=1, dilation_rate=1):
        import ipywidgets as widgets

        paddings = [0, 1, 2, 3, "same", "full"]
        if padding not in paddings:
            paddings.append(padding)
        small = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="190px"))
        self.controls = dict(
            n=widgets.IntSlider(value=n, min=1, max=max(32, n), description="input n", **small),
            f=widgets.IntSlider(value=f, min=1, max=max(7, f), description="kernel f", **small),
            padding=widgets.Dropdown(options=paddings, value=padding, description="padding p", **small),
            strides=widgets.IntSlider(value=strides, min=1, max=max(4, strides), description="stride s", **small),
            dilation_rate=widgets.IntSlider(value=dilation_rate, min=1, max=max(3, dilation_rate),
                                            description="dilation d", **small),
            position=widgets.IntSlider(value=0, min=0, max=0, description="window position", **small),
        )
        self.play = widgets.Play(interval=600, min=0, max=0)
        widgets.jslink((self.play, "value"), (self.controls["position"], "value"))
        c = self.controls
        self._build([[c["n"], c["f"], c["padding"]], [c["strides"], c["dilation_rate"]],
                     [c["position"], self.play]])

    def compute_state(self):
        c = self.controls
        args = {k: c[k].value for k in ("n", "f", "padding", "strides", "dilation_rate")}
        cells = output_size(**args) ** 2
        c["position"].max = self.play.max = cells - 1   # clamps position if needed
        return output_size_state(**args, position=c["position"].value)

    draw = staticmethod(draw_output_size)


def output_size_explorer(n=7, f=3, padding=0, strides=1, dilation_rate=1):
    """Widget: choose n, f, padding, stride and dilation; see the padded grid, every
    window position and the output-size formula with the numbers filled in
    (convlib.output_size does the arithmetic; ``.state`` holds what is shown)."""
    return OutputSizeExplorer(n, f, padding, strides, dilation_rate)


def output_size_animation(n, f, padding=0, strides=1, dilation_rate=1, max_frames=30, interval=600):
    """Static twin: the window visiting its positions (at most ``max_frames``)."""
    import matplotlib.pyplot as plt

    total = output_size(n, f, padding, strides, dilation_rate) ** 2
    positions = _draw.frame_indices(total, max_frames)
    fig = plt.figure(figsize=OutputSizeExplorer.figsize, dpi=_draw.DPI)

    def frame(k):
        draw_output_size(fig, output_size_state(n, f, padding, strides, dilation_rate, position=positions[k]))

    return _draw.animate(fig, frame, len(positions), interval=interval)
