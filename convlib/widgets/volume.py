"""Volume view: how a stack of filters turns a multi-channel input into output channels.

One filter has one 2-D slice per input channel. Each slice is cross-correlated with
its channel; the per-channel maps are added, the filter's bias is added, and the
result is one output channel. Each filter of the stack gives one output channel.

- volume_explorer(x, kernel, bias): the widget (ipywidgets)
- volume_animation(x, kernel, bias): its static twin (JavaScript animation)
- volume_state(x, kernel, bias, filter_index, step): the numbers both draw
- draw_volume(fig, state): the drawing both use
"""
import numpy as np

from .._validate import as_array, non_negative_int
from ..conv import conv2d
from . import _draw


def default_example():
    """A 6x6x3 input of small integers, two 4x4x3 filters and their biases (fixed seed)."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, size=(6, 6, 3))
    kernel = rng.integers(-1, 2, size=(4, 4, 3, 2))
    return x, kernel, np.array([1, -2])


def volume_state(x, kernel, bias=None, filter_index=0, step=0):
    """What the view shows for filter ``filter_index`` after ``step`` channels.

    step = 0 .. C-1 shows the correlation of input channel ``step`` with the matching
    slice of the filter (and those before it); step = C shows their sum plus the bias,
    which is output channel ``filter_index``.
    Returns a dict: x, kernel, bias, f, step, channels (C), filters (F), slices
    (kernel[:, :, c, f] for each c), per_channel (convlib.conv2d of each channel with
    its slice), output (convlib.conv2d(x, kernel, bias), H' x W' x F), out_map
    (output[:, :, f]) and done (step == C).
    """
    x = as_array(x, "x")
    kernel = as_array(kernel, "kernel")
    if x.ndim != 3:
        raise ValueError(f"x must be a 3-D (H, W, C) volume for the volume view; got shape {x.shape}.")
    if kernel.ndim != 4:
        raise ValueError(f"kernel must be 4-D (fh, fw, in_channels, filters); got shape {kernel.shape}.")
    n_filters = kernel.shape[3]
    bias = np.zeros(n_filters) if bias is None else as_array(bias, "bias")
    output = conv2d(x, kernel, bias)   # also validates shapes and the bias
    f = non_negative_int(filter_index, "filter_index")
    if f >= n_filters:
        raise ValueError(f"filter_index must be between 0 and {n_filters - 1}; got {f}.")
    c_in = x.shape[2]
    step = non_negative_int(step, "step")
    if step > c_in:
        raise ValueError(f"step must be between 0 and {c_in} (one per channel, then the sum); got {step}.")
    slices = [kernel[:, :, c, f] for c in range(c_in)]
    per_channel = [conv2d(x[:, :, c], slices[c]) for c in range(c_in)]
    return dict(x=x, kernel=kernel, bias=bias, f=f, step=step, channels=c_in, filters=n_filters,
                slices=slices, per_channel=per_channel, output=output, out_map=output[:, :, f],
                done=step == c_in)


def draw_volume(fig, state):
    """A (3 x C+1) grid of panels: input channels, the filter's slices, each channel's
    map; the last column holds the bias and the output channel (sum + bias)."""
    fig.clf()
    s = state
    c_in = s["channels"]
    axes = fig.subplots(3, c_in + 1)
    lim_k = float(np.abs(s["kernel"]).max()) or 1.0
    maps = np.stack(s["per_channel"] + [s["out_map"]])
    lo_m, hi_m = float(maps.min()), float(maps.max())
    names = ("red", "green", "blue") if c_in == 3 else tuple(f"channel {c}" for c in range(c_in))
    for c in range(c_in):
        current = not s["done"] and c == s["step"]
        active = s["done"] or c <= s["step"]
        _draw.draw_grid(axes[0, c], s["x"][:, :, c], title=f"input {names[c]} (x[..., {c}])")
        _draw.draw_grid(axes[1, c], s["slices"][c], cmap="coolwarm", vmin=-lim_k, vmax=lim_k,
                        title=f"filter {s['f']}, slice {c}")
        hidden = np.zeros(s["per_channel"][c].shape, dtype=bool) | (not active)
        _draw.draw_grid(axes[2, c], s["per_channel"][c], cmap="viridis", vmin=lo_m, vmax=hi_m,
                        hidden=hidden, title=f"x[..., {c}] with slice {c}")
        if current or s["done"]:
            for ax in axes[:, c]:
                for spine in ax.spines.values():
                    spine.set_edgecolor(_draw.HIGHLIGHT)
                    spine.set_linewidth(2.5)
    axes[0, c_in].axis("off")
    axes[0, c_in].text(0.5, 0.5, f"input\n{' x '.join(map(str, s['x'].shape))}\n\noutput\n"
                       f"{' x '.join(map(str, s['output'].shape))}", ha="center", va="center", fontsize=9,
                       transform=axes[0, c_in].transAxes)
    axes[1, c_in].axis("off")
    axes[1, c_in].text(0.5, 0.5, f"bias of filter {s['f']}\nb = {_draw.format_value(s['bias'][s['f']])}",
                       ha="center", va="center", fontsize=9, transform=axes[1, c_in].transAxes)
    hidden = np.zeros(s["out_map"].shape, dtype=bool) | (not s["done"])
    _draw.draw_grid(axes[2, c_in], s["out_map"], cmap="viridis", vmin=lo_m, vmax=hi_m, hidden=hidden,
                    title=f"sum + b = output[..., {s['f']}]")
    if s["done"]:
        for spine in axes[2, c_in].spines.values():
            spine.set_edgecolor(_draw.CURRENT)
            spine.set_linewidth(2.5)
    what = "sum of the channel maps plus the bias" if s["done"] else f"channel {s['step']}"
    fig.suptitle(f"filter {s['f']} (filters 0 to {s['filters'] - 1}) makes output channel {s['f']}: {what}",
                 fontsize=10)
    fig.tight_layout()


class VolumeExplorer(_draw.Explorer):
    """The widget returned by volume_explorer (see there)."""

    def __init__(self, x=None, kernel=None, bias=None):
        import ipywidgets as widgets

        if x is None and kernel is None:
            x, kernel, bias = default_example()
        elif x is None or kernel is None:
            raise ValueError("give both x and kernel, or neither (for the built-in 6x6x3 example).")
        self.x, self.kernel, self.bias = x, kernel, bias
        first = volume_state(x, kernel, bias)
        self.figsize = (1.9 * (first["channels"] + 1), 5.4)
        small = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="260px"))
        self.controls = dict(
            filter_index=widgets.IntSlider(value=0, min=0, max=first["filters"] - 1, description="filter", **small),
            step=widgets.IntSlider(value=0, min=0, max=first["channels"],
                                   description=f"channel ({first['channels']} = sum + bias)", **small),
        )
        self.play = widgets.Play(interval=900, min=0, max=first["channels"])
        widgets.jslink((self.play, "value"), (self.controls["step"], "value"))
        c = self.controls
        self._build([[c["filter_index"], c["step"], self.play]])

    def compute_state(self):
        c = self.controls
        return volume_state(self.x, self.kernel, self.bias, c["filter_index"].value, c["step"].value)

    draw = staticmethod(draw_volume)


def volume_explorer(x=None, kernel=None, bias=None):
    """Widget: step through the filters of a convolution layer and the channels of its input.

    For each filter, the view shows each input channel's correlation with the filter's
    matching slice, then their sum plus the bias: one output channel. The numbers come
    from :func:`convlib.conv2d`; ``.state`` holds what is shown, as a dict.

    Parameters
    ----------
    x : array_like, optional
        The (H, W, C) input volume.
    kernel : array_like, optional
        The (fh, fw, C, F) filters. Give both ``x`` and ``kernel``, or neither for a
        6 x 6 x 3 input of small integers with two 4 x 4 x 3 filters.
    bias : array_like, optional
        One value per filter, shape (F,); None: zeros.

    Returns
    -------
    VolumeExplorer
        Display it as the last expression of a notebook cell.

    Raises
    ------
    ValueError
        If only one of ``x`` and ``kernel`` is given, or their shapes do not fit
        together.

    Examples
    --------
    >>> from convlib.widgets import volume_explorer
    >>> explorer = volume_explorer()
    >>> explorer.state["output"].shape  # 6 x 6 input, 4 x 4 filters, two of them
    (3, 3, 2)
    """
    return VolumeExplorer(x, kernel, bias)


def volume_animation(x=None, kernel=None, bias=None, interval=1000):
    """Static twin of the volume view: a JavaScript animation of F * (C + 1) frames.

    Each filter gets one frame per input channel, then one for the sum plus the bias.

    Parameters
    ----------
    x, kernel, bias
        As for :func:`volume_explorer`.
    interval : int
        Milliseconds per frame.

    Returns
    -------
    IPython.display.HTML
        The JavaScript animation.
    """
    import matplotlib.pyplot as plt

    if x is None and kernel is None:
        x, kernel, bias = default_example()
    first = volume_state(x, kernel, bias)
    frames = [(f, step) for f in range(first["filters"]) for step in range(first["channels"] + 1)]
    fig = plt.figure(figsize=(1.9 * (first["channels"] + 1), 5.4), dpi=_draw.DPI)

    def frame(k):
        draw_volume(fig, volume_state(x, kernel, bias, *frames[k]))

    return _draw.animate(fig, frame, len(frames), interval=interval)
