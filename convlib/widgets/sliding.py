"""Sliding-filter explorer: watch one output cell of a convolution being computed.

- sliding_filter_explorer(x, kernel, ...): the widget (ipywidgets)
- sliding_filter_animation(x, kernel, ...): its static twin (JavaScript animation)
- sliding_state(x, kernel, ..., step): the numbers both of them draw
- draw_sliding(fig, state): the drawing both of them use
"""
import numpy as np

from .._validate import as_array, non_negative_int, padding_spec, positive_pair
from ..arithmetic import axis_padding
from ..conv import conv2d, pad2d
from ..kernels import KERNEL_NAMES, kernel as named_kernel
from . import _draw


def _as_kernel(k):
    if isinstance(k, str):
        return named_kernel(k)
    k = as_array(k, "kernel")
    if k.ndim != 2:
        raise ValueError(f"kernel must be a 2-D (fh, fw) array or a kernel name; got shape {k.shape}.")
    return k.astype(float)


def sliding_state(x, kernel, strides=1, padding="valid", dilation_rate=1, step=0):
    """Everything the explorer shows for window position ``step`` (row-major order).

    Returns a dict: x, kernel, padded (the padded input), pad_mask (True on padding
    cells), output (conv2d's full result), i, j (the output cell), cells (padded-input
    cells under the window), patch, products (patch * kernel), value (output[i, j]).
    """
    x = as_array(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D (H, W) array for the explorer; got shape {x.shape}.")
    k = _as_kernel(kernel)
    sh, sw = positive_pair(strides, "strides")
    dh, dw = positive_pair(dilation_rate, "dilation_rate")
    output = conv2d(x, k, strides=(sh, sw), padding=padding, dilation_rate=(dh, dw))
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    (top, bottom) = axis_padding(ph, x.shape[0], k.shape[0], sh, dh)
    (left, right) = axis_padding(pw, x.shape[1], k.shape[1], sw, dw)
    padded = pad2d(x.astype(float), ((top, bottom), (left, right)))
    pad_mask = np.ones(padded.shape, dtype=bool)
    pad_mask[top:top + x.shape[0], left:left + x.shape[1]] = False
    step = non_negative_int(step, "step")
    if step >= output.size:
        raise ValueError(f"step must be between 0 and {output.size - 1} (one per output cell); got {step}.")
    i, j = divmod(step, output.shape[1])
    cells = _draw.window_cells(i, j, k.shape, (sh, sw), (dh, dw))
    patch = np.array([padded[r, c] for r, c in cells]).reshape(k.shape)
    return dict(x=x, kernel=k, padded=padded, pad_mask=pad_mask, output=output, step=step,
                i=i, j=j, cells=cells, patch=patch, products=patch * k, value=output[i, j])


def draw_sliding(fig, state):
    """Four panels: padded input with the window, kernel, products and their sum,
    the output filled up to the current cell."""
    s = state
    fig.clf()
    widths = [max(a.shape[1], 3) for a in (s["padded"], s["kernel"], s["kernel"], s["output"])]
    ax_in, ax_k, ax_prod, ax_out = fig.subplots(1, 4, gridspec_kw=dict(width_ratios=widths))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.12)
    _draw.draw_grid(ax_in, s["padded"], grey=s["pad_mask"], highlight=s["cells"],
                    title="input" + (" (grey: padding)" if s["pad_mask"].any() else ""))
    _draw.draw_grid(ax_k, s["kernel"], cmap="coolwarm", vmin=-np.abs(s["kernel"]).max() or -1,
                    vmax=np.abs(s["kernel"]).max() or 1, title="kernel")
    lim = np.abs(s["products"]).max() or 1
    _draw.draw_grid(ax_prod, s["products"], cmap="coolwarm", vmin=-lim, vmax=lim,
                    title=f"products, sum = {_draw.format_value(s['value'])}")
    out = s["output"]
    hidden = (np.arange(out.size) > s["step"]).reshape(out.shape)
    _draw.draw_grid(ax_out, out, hidden=hidden, highlight=[(s["i"], s["j"])],
                    highlight_color=_draw.CURRENT, cmap="viridis",
                    title=f"output[{s['i']}, {s['j']}] = {_draw.format_value(s['value'])}")


def _default_inputs():
    inputs = {
        "5x5 numbers": np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4],
                                 [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]]),
        "6x6 edge (10 | 0)": np.repeat([[10, 10, 10, 0, 0, 0]], 6, axis=0),
    }
    try:  # a real photo when scikit-image is installed (it is in the book's environment and in Colab)
        from skimage import data
    except ImportError:
        return inputs
    inputs["photo crop 8x8"] = data.camera()[180:188, 200:208]
    return inputs


class SlidingFilterExplorer(_draw.Explorer):
    """The widget returned by sliding_filter_explorer (see there)."""

    figsize = (8, 2.4)

    def __init__(self, x=None, kernel="vertical_edge", strides=1, padding="valid", dilation_rate=1,
                 inputs=None):
        import ipywidgets as widgets

        self.inputs = dict(inputs or {})
        if x is not None:
            self.inputs = {"your x": as_array(x, "x"), **self.inputs}
        self.inputs.update({k: v for k, v in _default_inputs().items() if k not in self.inputs})
        custom = _as_kernel(kernel) if not isinstance(kernel, str) else named_kernel("vertical_edge")
        sh, sw = positive_pair(strides, "strides")
        dh, dw = positive_pair(dilation_rate, "dilation_rate")
        paddings = ["valid", "same", "full", 1, 2]
        if padding not in paddings:
            paddings.append(padding)
        small = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="170px"))
        self.custom_cells = [[widgets.FloatText(value=float(v), layout=widgets.Layout(width="52px"))
                              for v in row] for row in custom]
        self.controls = dict(
            input=widgets.Dropdown(options=list(self.inputs), description="input", layout=widgets.Layout(width="230px")),
            kernel=widgets.Dropdown(options=[*KERNEL_NAMES, "custom"], value=kernel if isinstance(kernel, str) else "custom",
                                    description="kernel", layout=widgets.Layout(width="300px")),
            strides_rows=widgets.IntSlider(value=sh, min=1, max=3, description="stride (rows)", **small),
            strides_cols=widgets.IntSlider(value=sw, min=1, max=3, description="stride (cols)", **small),
            padding=widgets.Dropdown(options=paddings, value=padding, description="padding", **small),
            dilation_rate=widgets.IntSlider(value=dh, min=1, max=3, description="dilation", **small),
            step=widgets.IntSlider(value=0, min=0, max=0, description="window position", **small),
        )
        for row in self.custom_cells:
            for cell in row:
                self.controls[f"custom_{id(cell)}"] = cell
        self.play = widgets.Play(interval=700, min=0, max=0)
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        c = self.controls
        grid = widgets.VBox([widgets.HBox(r) for r in self.custom_cells])
        self._build([[c["input"], c["kernel"], grid],
                     [c["strides_rows"], c["strides_cols"], c["padding"], c["dilation_rate"]],
                     [c["step"], self.play]])

    def current_kernel(self):
        """The kernel the controls select: a named kernel or the editable grid."""
        if self.controls["kernel"].value == "custom":
            return np.array([[cell.value for cell in row] for row in self.custom_cells], dtype=float)
        return named_kernel(self.controls["kernel"].value)

    def compute_state(self):
        c = self.controls
        for row in self.custom_cells:
            for cell in row:
                cell.disabled = c["kernel"].value != "custom"
        args = dict(x=self.inputs[c["input"].value],
                    kernel=self.current_kernel(),
                    strides=(c["strides_rows"].value, c["strides_cols"].value),
                    padding=c["padding"].value, dilation_rate=c["dilation_rate"].value)
        n_cells = sliding_state(**args)["output"].size
        c["step"].max = self.play.max = n_cells - 1   # clamps step.value if needed
        return sliding_state(**args, step=c["step"].value)

    draw = staticmethod(draw_sliding)


def sliding_filter_explorer(x=None, kernel="vertical_edge", strides=1, padding="valid", dilation_rate=1,
                            inputs=None):
    """Widget: step a filter over a small input and watch the output fill in.

    The numbers come from :func:`convlib.conv2d`; ``.state`` holds what is shown,
    the dict that :func:`sliding_state` returns.

    Parameters
    ----------
    x : array_like, optional
        A 2-D (H, W) input to start with. The widget also offers the 5 x 5 example,
        a 6 x 6 edge picture and, where scikit-image is installed, an 8 x 8 photo crop.
    kernel : str or array_like
        A name from :data:`convlib.KERNEL_NAMES <convlib.kernels.KERNEL_NAMES>`, or a
        2-D (fh, fw) array, which the widget shows as a grid of editable numbers.
    strides, padding, dilation_rate
        As for :func:`convlib.conv2d`; the widget has one slider for the rows' stride
        and one for the columns'.
    inputs : dict, optional
        More inputs to choose from, as {name: 2-D array}.

    Returns
    -------
    SlidingFilterExplorer
        Display it as the last expression of a notebook cell.

    Examples
    --------
    >>> from convlib.widgets import sliding_filter_explorer
    >>> x = [[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]]
    >>> explorer = sliding_filter_explorer(x, "vertical_edge")
    >>> print(explorer.state["value"])  # the first window, at output[0, 0]
    6.0
    >>> explorer.state["output"]
    array([[ 6., -9., -8.],
           [-3., -2., -3.],
           [-3.,  0., -2.]])
    """
    return SlidingFilterExplorer(x, kernel, strides, padding, dilation_rate, inputs)


def sliding_filter_animation(x, kernel, strides=1, padding="valid", dilation_rate=1, max_frames=30,
                             interval=700):
    """Static twin of the explorer: a JavaScript animation, one frame per window position.

    Parameters
    ----------
    x, kernel, strides, padding, dilation_rate
        As for :func:`sliding_filter_explorer`; here ``x`` and ``kernel`` are required.
    max_frames, interval : int
        At most ``max_frames`` frames, spread evenly over the window positions and
        ``interval`` milliseconds apart; the last one shows the full output.

    Returns
    -------
    IPython.display.HTML
        The JavaScript animation.
    """
    import matplotlib.pyplot as plt

    first = sliding_state(x, kernel, strides, padding, dilation_rate)
    steps = _draw.frame_indices(first["output"].size, max_frames)
    fig = plt.figure(figsize=SlidingFilterExplorer.figsize, dpi=_draw.DPI)

    def frame(k):
        draw_sliding(fig, sliding_state(x, kernel, strides, padding, dilation_rate, step=steps[k]))

    return _draw.animate(fig, frame, len(steps), interval=interval)
