"""Learned filters: how they change during training, and which hand-made kernels they resemble.

- filter_training_animation(snapshots): the filters after every few epochs (JavaScript animation)
- closest_kernels(filters): for each filter, the named kernel with the largest absolute cosine
- plot_closest_kernels(filters, matches): each learned filter above its closest named kernel
"""
from collections import namedtuple

import numpy as np

from .._validate import as_array, positive_int
from ..kernels import KERNEL_NAMES, kernel as named_kernel
from . import _draw

KernelMatch = namedtuple("KernelMatch", "name cosine")
KernelMatch.__doc__ = "The named kernel closest to a filter, and their cosine similarity (its sign included)."


def _filters_3d(filters):
    """(fh, fw, F) from (fh, fw, F) or a one-channel kernel (fh, fw, 1, F)."""
    f = as_array(filters, "filters")
    if f.ndim == 4 and f.shape[2] == 1:
        f = f[:, :, 0, :]
    if f.ndim != 3 or 0 in f.shape:
        raise ValueError(
            f"filters must have shape (fh, fw, F) or (fh, fw, 1, F), one 2-D filter per last index; "
            f"got shape {f.shape}."
        )
    return f.astype(float)


def closest_kernels(filters, names=None):
    """For each filter, the named kernel it resembles most.

    The cosine similarity of two kernels flattened to vectors a and b is
    ``a @ b / (norm(a) * norm(b))``: 1 for the same pattern up to a positive scale, -1
    for its negative, 0 for unrelated ones. A filter and its negative detect the same edge
    with opposite polarity, so the match is the kernel with the largest absolute cosine.

    Parameters
    ----------
    filters : array_like
        (fh, fw, F) or (fh, fw, 1, F), e.g. the kernel of a Conv2D layer on a grey image.
    names : sequence of str, optional
        Names from convlib.KERNEL_NAMES to compare with; default: every named kernel of
        the filters' size except "identity".

    Returns
    -------
    list of KernelMatch
        One (name, cosine) per filter; cosine keeps its sign.

    Raises
    ------
    ValueError
        If ``filters`` has the wrong shape, a name is unknown, no named kernel has the
        filters' size, or a filter is all zeros.

    Examples
    --------
    >>> from convlib import kernel
    >>> match = closest_kernels(-2 * kernel("sobel_x")[:, :, None])[0]
    >>> match.name, round(match.cosine, 12)
    ('sobel_x', -1.0)
    """
    f = _filters_3d(filters)
    if names is None:
        names = [n for n in KERNEL_NAMES if n != "identity" and named_kernel(n).shape == f.shape[:2]]
    unknown = [n for n in names if n not in KERNEL_NAMES]
    if unknown:
        raise ValueError(f"names must come from convlib.KERNEL_NAMES; unknown: {unknown}.")
    candidates = [named_kernel(n).astype(float) for n in names]
    if not candidates or any(c.shape != f.shape[:2] for c in candidates):
        raise ValueError(
            f"filters are {f.shape[0]}x{f.shape[1]} but the named kernels to compare with are "
            f"{sorted({c.shape for c in candidates}) or 'none'}; compare filters of the same size."
        )
    flat = f.reshape(-1, f.shape[2]).T                             # one row per filter
    sizes = np.linalg.norm(flat, axis=1)
    if np.any(sizes == 0):
        raise ValueError(f"filters {np.flatnonzero(sizes == 0).tolist()} are all zeros and match no pattern.")
    named = np.stack([c.ravel() for c in candidates])
    cosine = (flat @ named.T) / np.outer(sizes, np.linalg.norm(named, axis=1))
    best = np.abs(cosine).argmax(axis=1)
    return [KernelMatch(names[b], float(cosine[i, b])) for i, b in enumerate(best)]


def _symmetric(ax, image, title, fontsize=8):
    """A filter in red (positive) and blue (negative), on a scale symmetric about 0."""
    limit = np.abs(image).max() or 1
    ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(title, fontsize=fontsize)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_closest_kernels(filters, matches):
    """Top row: each learned filter; below it the named kernel it matches, times the sign
    of their cosine.

    Parameters
    ----------
    filters : array_like
        (fh, fw, F) or (fh, fw, 1, F).
    matches : list of KernelMatch
        One per filter, as closest_kernels returns them.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows of F panels.

    Raises
    ------
    ValueError
        If filters has the wrong shape or matches the wrong length.
    """
    import matplotlib.pyplot as plt

    f = _filters_3d(filters)
    if len(matches) != f.shape[2]:
        raise ValueError(f"matches must hold one KernelMatch per filter ({f.shape[2]}); got {len(matches)}.")
    fig, axes = plt.subplots(2, f.shape[2], figsize=(f.shape[2], 2.6), squeeze=False)
    for i, (name, cosine) in enumerate(matches):
        _symmetric(axes[0, i], f[:, :, i], f"learned {i}")
        label = name.replace("_", " ").replace("horizontal", "horiz.").replace("dark to light", "d-to-l")
        _symmetric(axes[1, i], np.sign(cosine) * named_kernel(name), label if cosine > 0 else "-" + label, 7)
    fig.tight_layout()
    return fig


def filter_training_animation(snapshots, every=2, interval=600):
    """The first channel of each filter, before training and after every ``every`` epochs.

    Each frame uses one colour scale for all filters, so they can be seen growing.

    Parameters
    ----------
    snapshots : sequence of array_like
        Kernels (fh, fw, C, F): the first before training, then one after each epoch
        (what convlib.tinycnn.train records in ``history["conv_kernel"]``).
    every : int
        Show every ``every``-th epoch (the last one always).
    interval : int
        Milliseconds per frame.

    Returns
    -------
    IPython.display.HTML
        The JavaScript animation.

    Raises
    ------
    ValueError
        If snapshots is empty, a kernel has the wrong shape, or every < 1.
    """
    import matplotlib.pyplot as plt

    frames = [_filters_3d(as_array(s, "snapshots")[:, :, :1, :]) for s in snapshots]
    if not frames:
        raise ValueError("snapshots must hold at least one kernel; got none.")
    every = positive_int(every, "every")
    epochs = sorted(set(range(0, len(frames), every)) | {len(frames) - 1})
    n_filters = frames[0].shape[2]
    fig, axes = plt.subplots(1, n_filters, figsize=(0.875 * n_filters, 1.4), dpi=_draw.DPI, squeeze=False)

    def draw(k):
        epoch = epochs[k]
        limit = np.abs(frames[epoch]).max() or 1
        for f, ax in enumerate(axes[0]):
            ax.clear()
            ax.imshow(frames[epoch][:, :, f], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle("before training" if epoch == 0 else f"after epoch {epoch}", fontsize=10)

    return _draw.animate(fig, draw, len(epochs), interval=interval)
