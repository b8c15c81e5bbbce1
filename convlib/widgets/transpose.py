"""Transposed-convolution explorer: watch each input cell stamp a scaled kernel into the output.

- transposed_conv_explorer(x, kernel, ...): the widget (ipywidgets)
- transposed_conv_animation(x, kernel, ...): its static twin (JavaScript animation)
- transposed_conv_state(x, kernel, ..., step): the numbers both of them draw
- draw_transposed_conv(fig, state): the drawing both of them use
- plot_stretched_input(x, kernel_size, strides): the same operation as a stride-1
  convolution over the input with zeros inserted
"""
import numpy as np

from .._validate import as_array, non_negative_int, padding_spec, positive_pair
from ..arithmetic import axis_padding
from ..transpose import conv2d_transpose
from . import _draw

EXAMPLE_X = np.array([[1.0, 2.0], [3.0, 4.0]])
EXAMPLE_KERNEL = np.arange(1.0, 10.0).reshape(3, 3)


def _as_2d(a, name):
    a = as_array(a, name)
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array for the explorer; got shape {a.shape}.")
    return a.astype(float)


def transposed_conv_state(x, kernel, strides=2, padding="valid", output_padding=None, step=0):
    """Everything the explorer shows after input cell ``step`` (row-major order) has added its copy.

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays (H, W) and (fh, fw).
    strides, padding, output_padding
        As for convlib.conv2d_transpose.
    step : int
        The input cell whose copy is added last, 0 .. H * W - 1.

    Returns
    -------
    dict
        x, kernel, strides; output (conv2d_transpose's result); i, j (the input cell)
        and value (x[i, j]); copy (value * kernel); canvas (every copy so far added up,
        before the padding is cut off; rows past the last copy are zeros); cells (canvas
        cells of the current copy); crop (top, left, rows, cols of the output inside the
        canvas) and crop_mask (True on canvas cells that are not part of the output).

    Raises
    ------
    ValueError
        If x or kernel is not a non-empty 2-D array, step is out of range, or
        conv2d_transpose refuses the arguments.
    """
    x, k = _as_2d(x, "x"), _as_2d(kernel, "kernel")
    sh, sw = positive_pair(strides, "strides")
    output = conv2d_transpose(x, k, strides=(sh, sw), padding=padding, output_padding=output_padding)
    step = non_negative_int(step, "step")
    if step >= x.size:
        raise ValueError(f"step must be between 0 and {x.size - 1} (one per input cell); got {step}.")
    i, j = divmod(step, x.shape[1])
    oh, ow = output.shape
    # Where the output sits in the canvas: below/right of what the matching convolution's padding added.
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    top, left = axis_padding(ph, oh, k.shape[0], sh)[0], axis_padding(pw, ow, k.shape[1], sw)[0]
    rows = max((x.shape[0] - 1) * sh + k.shape[0], top + oh)
    cols = max((x.shape[1] - 1) * sw + k.shape[1], left + ow)
    # The copies of the cells 0 .. step, added up by convlib on a canvas that nothing is cut from.
    done = (np.arange(x.size) <= step).reshape(x.shape)
    canvas = conv2d_transpose(x * done, k, strides=(sh, sw), padding="valid",
                              output_padding=(rows - (x.shape[0] - 1) * sh - k.shape[0],
                                              cols - (x.shape[1] - 1) * sw - k.shape[1]))
    crop_mask = np.ones(canvas.shape, dtype=bool)
    crop_mask[top: top + oh, left: left + ow] = False
    cells = [(i * sh + u, j * sw + v) for u in range(k.shape[0]) for v in range(k.shape[1])]
    return dict(x=x, kernel=k, strides=(sh, sw), output=output, step=step, i=i, j=j, value=x[i, j],
                copy=x[i, j] * k, canvas=canvas, cells=cells, crop=(top, left, oh, ow), crop_mask=crop_mask)


def draw_transposed_conv(fig, state):
    """Four panels: the input with the current cell, the kernel, the scaled copy, and the
    canvas with every copy so far (grey: cells the padding cuts off)."""
    s = state
    fig.clf()
    widths = [max(a.shape[1], 2) for a in (s["x"], s["kernel"], s["kernel"], s["canvas"])]
    ax_in, ax_k, ax_copy, ax_out = fig.subplots(1, 4, gridspec_kw=dict(width_ratios=widths))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.80, wspace=0.15)
    _draw.draw_grid(ax_in, s["x"], highlight=[(s["i"], s["j"])], highlight_color=_draw.CURRENT, cmap="viridis",
                    title=f"input, cell ({s['i']}, {s['j']})")
    lim = np.abs(s["kernel"]).max() or 1
    _draw.draw_grid(ax_k, s["kernel"], cmap="coolwarm", vmin=-lim, vmax=lim, title="kernel")
    lim = np.abs(s["copy"]).max() or 1
    _draw.draw_grid(ax_copy, s["copy"], cmap="coolwarm", vmin=-lim, vmax=lim,
                    title=f"{_draw.format_value(s['value'])} x kernel")
    grey = s["crop_mask"] if s["crop_mask"].any() else None
    _draw.draw_grid(ax_out, s["canvas"], highlight=s["cells"], grey=grey, cmap="viridis",
                    title="output, copies added" + (" (grey: cut off)" if grey is not None else ""))
    (sh, sw), (oh, ow) = s["strides"], s["output"].shape
    fig.suptitle(f"stride ({sh}, {sw}): input cell ({s['i']}, {s['j']}) adds its copy at row {s['i'] * sh}, "
                 f"column {s['j'] * sw};  output {oh} x {ow}", fontsize=9)


class TransposedConvExplorer(_draw.Explorer):
    """The widget returned by transposed_conv_explorer (see there)."""

    figsize = (8, 2.6)

    def __init__(self, x=None, kernel=None, strides=2, padding="valid", output_padding=None):
        import ipywidgets as widgets

        self.inputs = {"2x2 example": EXAMPLE_X, "3x3 ones": np.ones((3, 3))}
        if x is not None:
            self.inputs = {"your x": _as_2d(x, "x"), **self.inputs}
        self.kernels = {"3x3 numbers 1..9": EXAMPLE_KERNEL, "3x3 ones": np.ones((3, 3)),
                        "4x4 ones": np.ones((4, 4)), "2x2 ones": np.ones((2, 2))}
        if kernel is not None:
            self.kernels = {"your kernel": _as_2d(kernel, "kernel"), **self.kernels}
        sh, _ = positive_pair(strides, "strides")
        small = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="190px"))
        self.controls = dict(
            input=widgets.Dropdown(options=list(self.inputs), description="input", **small),
            kernel=widgets.Dropdown(options=list(self.kernels), description="kernel", **small),
            strides=widgets.IntSlider(value=sh, min=1, max=max(3, sh), description="stride", **small),
            padding=widgets.Dropdown(options=["valid", "same"], value=padding, description="padding", **small),
            output_padding=widgets.Dropdown(options=[None, 0, 1, 2], value=output_padding,
                                            description="output_padding", **small),
            step=widgets.IntSlider(value=0, min=0, max=0, description="input cell", **small),
        )
        self.play = widgets.Play(interval=900, min=0, max=0)
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        c = self.controls
        self._build([[c["input"], c["kernel"], c["strides"]], [c["padding"], c["output_padding"]],
                     [c["step"], self.play]])

    def compute_state(self):
        c = self.controls
        x = self.inputs[c["input"].value]
        c["step"].max = self.play.max = x.size - 1   # clamps step if needed
        return transposed_conv_state(x, self.kernels[c["kernel"].value], c["strides"].value, c["padding"].value,
                                     c["output_padding"].value, step=c["step"].value)

    draw = staticmethod(draw_transposed_conv)


def transposed_conv_explorer(x=None, kernel=None, strides=2, padding="valid", output_padding=None):
    """Widget: step through the input cells of a transposed convolution and watch each one
    add value * kernel into the output.

    The numbers come from convlib.conv2d_transpose; ``.state`` holds what is shown.

    Parameters
    ----------
    x, kernel : array_like, optional
        2-D arrays to start with; also offered: the 2x2 example and kernels of ones,
        whose sums count how many copies reach each output cell.
    strides, padding, output_padding
        As for convlib.conv2d_transpose.

    Returns
    -------
    TransposedConvExplorer
        Display it as the last expression of a notebook cell.
    """
    return TransposedConvExplorer(x, kernel, strides, padding, output_padding)


def transposed_conv_animation(x=EXAMPLE_X, kernel=EXAMPLE_KERNEL, strides=2, padding="valid", output_padding=None,
                              interval=1000):
    """Static twin of the explorer: one frame per input cell, the last one showing the output.

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays; by default the 2 x 2 example and the kernel of the numbers 1 .. 9.
    strides, padding, output_padding
        As for convlib.conv2d_transpose.
    interval : int
        Milliseconds per frame.

    Returns
    -------
    IPython.display.HTML
        The JavaScript animation.
    """
    import matplotlib.pyplot as plt

    first = transposed_conv_state(x, kernel, strides, padding, output_padding)
    fig = plt.figure(figsize=TransposedConvExplorer.figsize, dpi=_draw.DPI)

    def frame(step):
        draw_transposed_conv(fig, transposed_conv_state(x, kernel, strides, padding, output_padding, step=step))

    return _draw.animate(fig, frame, first["x"].size, interval=interval)


def stretched_input(x, kernel_size, strides):
    """x with strides - 1 zeros inserted between neighbouring cells and kernel_size - 1 zeros
    around it.

    It is the input of the stride-1 convolution, with the kernel flipped, that equals
    ``conv2d_transpose(x, kernel, strides, output_padding=0)``.

    Returns
    -------
    grid : numpy.ndarray
        The stretched input.
    inserted, border : numpy.ndarray of bool
        Masks of the inserted zeros and of the border.
    """
    x = _as_2d(x, "x")
    fh, fw = positive_pair(kernel_size, "kernel_size")
    sh, sw = positive_pair(strides, "strides")
    h, w = x.shape
    grid = np.zeros((2 * (fh - 1) + (h - 1) * sh + 1, 2 * (fw - 1) + (w - 1) * sw + 1))
    real = np.zeros(grid.shape, dtype=bool)
    real[fh - 1: fh - 1 + (h - 1) * sh + 1: sh, fw - 1: fw - 1 + (w - 1) * sw + 1: sw] = True
    grid[real] = x.ravel()
    border = np.ones(grid.shape, dtype=bool)
    border[fh - 1: grid.shape[0] - fh + 1, fw - 1: grid.shape[1] - fw + 1] = False
    return grid, ~real & ~border, border


def plot_stretched_input(x=EXAMPLE_X, kernel_size=3, strides=2):
    """Left: x. Right: x stretched for the equivalent stride-1 convolution (white: the
    inserted zeros, grey: the border of kernel_size - 1 zeros).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    grid, inserted, border = stretched_input(x, kernel_size, strides)
    (fh, fw), (sh, sw) = positive_pair(kernel_size, "kernel_size"), positive_pair(strides, "strides")
    fig, (ax_x, ax_grid) = plt.subplots(1, 2, figsize=(6, 2.6),
                                        gridspec_kw=dict(width_ratios=[np.shape(x)[1], grid.shape[1]]))
    _draw.draw_grid(ax_x, _as_2d(x, "x"), cmap="viridis", title="input x")
    _draw.draw_grid(ax_grid, grid, grey=border, hidden=inserted, cmap="viridis",
                    title=f"{sh - 1} zero(s) between cells, a border of {fh - 1} zero(s)")
    for r, c in zip(*np.nonzero(inserted)):
        ax_grid.text(c, r, "0", ha="center", va="center", fontsize=8, color="#888888")
    fig.tight_layout()
    return fig
