"""Pooling explorer: watch a pooling window slide and the pooled map fill in.

- pooling_explorer(x, mode, ...): the widget (ipywidgets)
- pooling_animation(x, mode, ...): its static twin (JavaScript animation)
- pooling_state(x, mode, ..., step): the numbers both of them draw
- draw_pooling(fig, state): the drawing both of them use
"""
import numpy as np

from .._validate import as_array, non_negative_int, positive_pair
from ..arithmetic import same_padding
from ..pooling import avg_pool2d, max_pool2d, min_pool2d, mixed_pool2d, sum_pool2d
from . import _draw

POOL_MODES = ("max", "average", "min", "sum", "mixed")
_POOLS = {"max": max_pool2d, "average": avg_pool2d, "min": min_pool2d, "sum": sum_pool2d}


def _pooled(x, mode, pool_size, strides, padding, lam):
    if mode == "mixed":
        return mixed_pool2d(x, lam, pool_size, strides, padding)
    return _POOLS[mode](x, pool_size, strides, padding)


def pooling_state(x, mode="max", pool_size=2, strides=None, padding="valid", lam=0.5, step=0):
    """Everything the explorer shows for window position ``step`` (row-major order).

    Returns a dict: x, mode, lam, padded (input with NaN where padding is), pad_mask,
    output (convlib's pooled map), i, j (the output cell), cells (padded-input cells
    under the window), window (their values, NaN on padding), value (output[i, j]) and,
    for mode 'mixed', window_max and window_mean (convlib's max and average pooling at
    the same cell).
    """
    x = as_array(x, "x")
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D (H, W) array for the explorer; got shape {x.shape}.")
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {', '.join(POOL_MODES)}; got {mode!r}.")
    ph, pw = positive_pair(pool_size, "pool_size")
    sh, sw = positive_pair((ph, pw) if strides is None else strides, "strides")
    output = _pooled(x, mode, (ph, pw), (sh, sw), padding, lam)
    if padding.lower() == "same":
        (top, bottom), (left, right) = same_padding(x.shape[0], ph, sh), same_padding(x.shape[1], pw, sw)
    else:
        top = bottom = left = right = 0
    padded = np.pad(x.astype(float), ((top, bottom), (left, right)), constant_values=np.nan)
    pad_mask = np.isnan(padded)
    step = non_negative_int(step, "step")
    if step >= output.size:
        raise ValueError(f"step must be between 0 and {output.size - 1} (one per output cell); got {step}.")
    i, j = divmod(step, output.shape[1])
    cells = _draw.window_cells(i, j, (ph, pw), (sh, sw))
    window = np.array([padded[r, c] for r, c in cells]).reshape(ph, pw)
    state = dict(x=x, mode=mode, lam=lam, pool_size=(ph, pw), strides=(sh, sw), padded=padded,
                 pad_mask=pad_mask, output=output, step=step, i=i, j=j, cells=cells, window=window,
                 value=output[i, j])
    if mode == "mixed":
        state["window_max"] = max_pool2d(x, (ph, pw), (sh, sw), padding)[i, j]
        state["window_mean"] = avg_pool2d(x, (ph, pw), (sh, sw), padding)[i, j]
    return state


def _window_title(s):
    v = _draw.format_value(s["value"])
    if s["mode"] == "mixed":
        lam = _draw.format_value(s["lam"])
        return (f"{lam}*max + (1-{lam})*mean\n= {lam}*{_draw.format_value(s['window_max'])} + "
                f"{_draw.format_value(1 - s['lam'])}*{_draw.format_value(s['window_mean'])} = {v}")
    return f"window: {s['mode']} = {v}"


def draw_pooling(fig, state):
    """Three panels: input with the window (grey: padding), the window's values and
    their pooled value, the output filled up to the current cell."""
    fig.clf()
    ax_in, ax_win, ax_out = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=[1.4, 1, 1]))
    s = state
    finite = s["padded"][~s["pad_mask"]]
    lo, hi = float(finite.min()), float(finite.max())
    _draw.draw_grid(ax_in, np.nan_to_num(s["padded"]), grey=s["pad_mask"], hidden=s["pad_mask"],
                    highlight=s["cells"], vmin=lo, vmax=hi,
                    title="input" + (" (grey: padding)" if s["pad_mask"].any() else ""))
    win_pad = np.isnan(s["window"])
    _draw.draw_grid(ax_win, np.nan_to_num(s["window"]), grey=win_pad, hidden=win_pad, vmin=lo, vmax=hi,
                    highlight=[(r, c) for r in range(s["window"].shape[0])
                                             for c in range(s["window"].shape[1])],
                    title=_window_title(s))
    out = s["output"]
    hidden = (np.arange(out.size) > s["step"]).reshape(out.shape)
    _draw.draw_grid(ax_out, out, hidden=hidden, highlight=[(s["i"], s["j"])], highlight_color=_draw.CURRENT,
                    cmap="viridis", title=f"{s['mode']} pooling: output[{s['i']}, {s['j']}]")
    fig.tight_layout()


def _default_inputs():
    from skimage import data

    return {
        "4x4 example": np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]]),
        "5x5 numbers": np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4],
                                 [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]]),
        "photo crop 8x8": data.camera()[180:188, 200:208],
    }


class PoolingExplorer(_draw.Explorer):
    """The widget returned by pooling_explorer (see there)."""

    figsize = (8.4, 2.9)

    def __init__(self, x=None, mode="max", pool_size=2, strides=None, padding="valid", lam=0.5, inputs=None):
        import ipywidgets as widgets

        self.inputs = dict(inputs or {})
        if x is not None:
            self.inputs = {"your x": as_array(x, "x"), **self.inputs}
        self.inputs.update({k: v for k, v in _default_inputs().items() if k not in self.inputs})
        ph, _ = positive_pair(pool_size, "pool_size")
        sh, sw = positive_pair(ph if strides is None else strides, "strides")
        small = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="180px"))
        self.controls = dict(
            input=widgets.Dropdown(options=list(self.inputs), description="input", layout=widgets.Layout(width="220px")),
            mode=widgets.Dropdown(options=POOL_MODES, value=mode, description="mode", **small),
            lam=widgets.FloatSlider(value=lam, min=0, max=1, step=0.1, description="lambda (mixed)", **small),
            pool_size=widgets.IntSlider(value=ph, min=1, max=4, description="pool size", **small),
            strides_rows=widgets.IntSlider(value=sh, min=1, max=4, description="stride (rows)", **small),
            strides_cols=widgets.IntSlider(value=sw, min=1, max=4, description="stride (cols)", **small),
            padding=widgets.Dropdown(options=["valid", "same"], value=padding, description="padding", **small),
            step=widgets.IntSlider(value=0, min=0, max=0, description="window position", **small),
        )
        self.play = widgets.Play(interval=700, min=0, max=0)
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        c = self.controls
        self._build([[c["input"], c["mode"], c["lam"]],
                     [c["pool_size"], c["strides_rows"], c["strides_cols"], c["padding"]],
                     [c["step"], self.play]])

    def compute_state(self):
        c = self.controls
        c["lam"].disabled = c["mode"].value != "mixed"
        args = dict(x=self.inputs[c["input"].value], mode=c["mode"].value, pool_size=c["pool_size"].value,
                    strides=(c["strides_rows"].value, c["strides_cols"].value), padding=c["padding"].value,
                    lam=c["lam"].value)
        n_cells = pooling_state(**args)["output"].size
        c["step"].max = self.play.max = n_cells - 1   # clamps step.value if needed
        return pooling_state(**args, step=c["step"].value)

    draw = staticmethod(draw_pooling)


def pooling_explorer(x=None, mode="max", pool_size=2, strides=None, padding="valid", lam=0.5, inputs=None):
    """Widget: slide a pooling window over a small input and watch the pooled map fill in.

    The numbers come from convlib's pooling functions, such as
    :func:`convlib.max_pool2d`; ``.state`` holds what is shown, as a dict.

    Parameters
    ----------
    x : array_like, optional
        A 2-D (H, W) input to start with. The widget also offers the 4 x 4 example, a
        5 x 5 grid and an 8 x 8 photo crop.
    mode : {'max', 'average', 'min', 'sum', 'mixed'}
        What each window computes; 'mixed' is ``lam * max + (1 - lam) * mean``
        (:func:`convlib.mixed_pool2d`).
    pool_size, strides, padding
        As in Keras' pooling layers: ``strides`` defaults to ``pool_size``, and
        ``padding`` is 'valid' or 'same'.
    lam : float
        The weight of the maximum in mode 'mixed', from 0 to 1.
    inputs : dict, optional
        More inputs to choose from, as {name: 2-D array}.

    Returns
    -------
    PoolingExplorer
        Display it as the last expression of a notebook cell.

    Examples
    --------
    >>> from convlib.widgets import pooling_explorer
    >>> explorer = pooling_explorer([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> explorer.state["output"]  # 2 x 2 max pooling with stride 2
    array([[7., 6.],
           [9., 8.]])
    """
    return PoolingExplorer(x, mode, pool_size, strides, padding, lam, inputs)


def pooling_animation(x, mode="max", pool_size=2, strides=None, padding="valid", lam=0.5, max_frames=16,
                      interval=800):
    """Static twin of the explorer: a JavaScript animation, one frame per window position.

    Parameters
    ----------
    x, mode, pool_size, strides, padding, lam
        As for :func:`pooling_explorer`; here ``x`` is required.
    max_frames, interval : int
        At most ``max_frames`` frames, spread evenly over the window positions and
        ``interval`` milliseconds apart; the last one shows the full output.

    Returns
    -------
    IPython.display.HTML
        The JavaScript animation.
    """
    import matplotlib.pyplot as plt

    first = pooling_state(x, mode, pool_size, strides, padding, lam)
    steps = _draw.frame_indices(first["output"].size, max_frames)
    fig = plt.figure(figsize=PoolingExplorer.figsize, dpi=_draw.DPI)

    def frame(k):
        draw_pooling(fig, pooling_state(x, mode, pool_size, strides, padding, lam, step=steps[k]))

    return _draw.animate(fig, frame, len(steps), interval=interval)
