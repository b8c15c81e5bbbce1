"""Static figures of convolution arithmetic, drawn with matplotlib.

    plot_receptive_field(kernel_sizes, strides)   which cells one output cell depends on,
                                                  layer by layer (1-D)
    plot_same_padding(n, f, s)                    the grid Keras pads for padding='same'

Both return the matplotlib Figure. Every cell is a Rectangle whose gid says what it is
(e.g. 'layer1-cell4', 'padding', 'input'), so a test can read what was drawn.
"""
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from ._validate import positive_int
from .arithmetic import output_size, receptive_field, same_padding
from .widgets._draw import CURRENT, HIGHLIGHT, PAD_FACE

MARKED = "#f4a582"     # cells the chosen output cell depends on
EDGE = "#555555"


def _figure(ax, size):
    if ax is None:
        return plt.subplots(figsize=size, dpi=75)
    return ax.figure, ax


def _layer_list(values, name, length=None):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of positive integers, one per layer; got {values!r}.")
    if length is not None and len(values) != length:
        raise ValueError(
            f"{name} must have one entry per layer ({length}, as kernel_sizes); got {len(values)}: {values!r}."
        )
    return [positive_int(v, f"{name}[{i}]") for i, v in enumerate(values)]


def _layers(kernel_sizes, strides):
    sizes = _layer_list(kernel_sizes, "kernel_sizes")
    return sizes, [1] * len(sizes) if strides is None else _layer_list(strides, "strides", len(sizes))


def receptive_field_rows(kernel_sizes, strides=None, outputs=3):
    """The rows that :func:`plot_receptive_field` draws, bottom (input) first.

    The input is just long enough for `outputs` cells at the top after 'valid'
    convolutions. Returns a list of dicts, one per row: ``length`` (cells),
    ``marked`` (first, last) cells the middle top cell depends on, and ``x`` (the
    centre of each cell, in input cells: a cell sits above the middle of its field).
    """
    sizes, steps = _layers(kernel_sizes, strides)
    outputs = positive_int(outputs, "outputs")
    jump, total = 1, 1
    for s in steps:
        jump *= s
    n = receptive_field(list(zip(sizes, steps))) + (outputs - 1) * jump
    lengths = [n]
    for f, s in zip(sizes, steps):
        lengths.append((lengths[-1] - f) // s + 1)
    # Walk down from the middle top cell: cells a..b of a layer read a*s .. b*s + f - 1 below.
    marked = [(outputs // 2, outputs // 2)]
    for f, s in zip(reversed(sizes), reversed(steps)):
        a, b = marked[0]
        marked.insert(0, (a * s, b * s + f - 1))
    rows, field = [], 1
    for level, length in enumerate(lengths):
        if level:
            f, s = sizes[level - 1], steps[level - 1]
            field += (f - 1) * total
            total *= s
        rows.append(dict(length=length, marked=marked[level],
                         x=[j * total + (field - 1) / 2 for j in range(length)]))
    return rows


def plot_receptive_field(kernel_sizes, strides=None, ax=None):
    """One output cell and every cell it depends on, in a stack of 1-D convolutions.

    The input is the bottom row and each layer ('valid' padding) is a row above it;
    `kernel_sizes` and `strides` (default: all 1) list the layers from the first.
    Shaded cells are those the middle cell of the top row depends on; lines join each
    of them to the cells it reads. The title gives the receptive field that
    :func:`convlib.receptive_field` computes, which equals the shaded input cells.

    >>> plot_receptive_field([3, 2, 3], strides=[1, 2, 1])  # doctest: +SKIP
    """
    rows = receptive_field_rows(kernel_sizes, strides)
    sizes, steps = _layers(kernel_sizes, strides)
    field = receptive_field(list(zip(sizes, steps)))
    width = rows[0]["length"]
    fig, ax = _figure(ax, (0.42 * width + 2.6, 0.62 * len(rows) + 0.7))
    for level, row in enumerate(rows):
        a, b = row["marked"]
        for j, x in enumerate(row["x"]):
            rect = Rectangle((x - 0.4, level - 0.3), 0.8, 0.6, facecolor=MARKED if a <= j <= b else "white",
                             edgecolor=EDGE, linewidth=0.8)
            rect.set_gid(f"layer{level}-cell{j}")
            ax.add_patch(rect)
        if level:   # each marked cell reads f cells of the row below, from j * s
            f, s, below = sizes[level - 1], steps[level - 1], rows[level - 1]["x"]
            for j in range(a, b + 1):
                for u in range(f):
                    ax.plot([row["x"][j], below[j * s + u]], [level - 0.3, level - 0.7], color=EDGE,
                            linewidth=0.6, alpha=0.6)
        ax.text(width - 0.2, level, f"{b - a + 1} of {row['length']}", va="center", fontsize=8)
    labels = ["input"] + [f"layer {i + 1}: f={f}, s={s}" for i, (f, s) in enumerate(zip(sizes, steps))]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xticks([])
    ax.set_xlim(-0.7, width + 1.3)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(f"receptive field of one output cell: {field} input cells", fontsize=10)
    fig.tight_layout()
    return fig


def plot_same_padding(n, f, s, ax=None):
    """The padded grid that Keras uses for ``padding='same'`` on an n x n input.

    Both axes get :func:`convlib.same_padding` (n, f, s): when the total padding is odd
    the extra row and column go on the bottom and the right. Grey cells are padding
    (zeros), dots mark where the f x f windows start (every s cells), the first window is
    outlined in red and the last in blue, and the title gives the output size.
    """
    n, f, s = positive_int(n, "n"), positive_int(f, "f"), positive_int(s, "s")
    before, after = same_padding(n, f, s)
    out = output_size(n, f, "same", s)
    size = n + before + after
    fig, ax = _figure(ax, (0.34 * size + 1.2, 0.34 * size + 0.9))
    for r in range(size):
        for c in range(size):
            inside = before <= r < before + n and before <= c < before + n
            rect = Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="white" if inside else PAD_FACE,
                             edgecolor=EDGE, linewidth=0.6)
            rect.set_gid("input" if inside else "padding")
            ax.add_patch(rect)
            if not inside:
                ax.text(c, r, "0", ha="center", va="center", fontsize=8, color="#666666")
    starts = [k * s for k in range(out)]
    rows_, cols_ = zip(*[(r, c) for r in starts for c in starts])
    ax.plot(cols_, rows_, "o", color=CURRENT, markersize=4, gid="starts")
    for name, corner, colour in (("first", 0, HIGHLIGHT), ("last", starts[-1], CURRENT)):
        ax.add_patch(Rectangle((corner - 0.5, corner - 0.5), f, f, fill=False, edgecolor=colour,
                               linewidth=2, gid=f"window-{name}"))
    ax.set_xlim(-0.6, size - 0.4)
    ax.set_ylim(size - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    sides = f"{before} top/left, {after} bottom/right"
    ax.set_title(f"n={n}, f={f}, stride {s}, padding='same'\npadding {sides}; output {out}x{out}", fontsize=10)
    fig.tight_layout()
    return fig


__all__ = ["plot_receptive_field", "plot_same_padding", "receptive_field_rows"]
