"""Drawing what :mod:`convlib.inspection` computes: filters, feature maps, heat maps over images."""
import numpy as np

from ._validate import as_array, positive_int
from .inspection import resize_map


def _unit(x):
    """Scale an array linearly to [0, 1] (a constant array becomes 0.5)."""
    x = np.asarray(x, dtype=float)
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.full_like(x, 0.5)


def _grid(rows, cols, cell=0.75):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=(max(cols * cell, 1.5), max(rows * cell, 1.0)), dpi=75,
                             squeeze=False)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes


def plot_filters(kernel, max_filters=16, rgb=None):
    """A grid of conv filters: one row per filter, one column per input channel.

    `kernel` is (fh, fw, c_in, filters), as from :func:`convlib.inspection.conv_filters`.
    The whole kernel is scaled to [0, 1] together (grey = the middle of the range,
    not necessarily 0), so the filters can be compared. For a 3-channel kernel an
    extra first column shows each filter as a colour patch (`rgb=False` leaves it out).
    Shows the first `max_filters` filters (None: all). Returns the figure.
    """
    k = as_array(kernel, "kernel")
    if k.ndim != 4:
        raise ValueError(f"kernel must have shape (fh, fw, c_in, filters); got shape {k.shape}.")
    if max_filters is not None:
        k = k[..., :positive_int(max_filters, "max_filters")]
    rgb = k.shape[2] == 3 if rgb is None else bool(rgb)
    if rgb and k.shape[2] != 3:
        raise ValueError(f"rgb=True needs a kernel with 3 input channels; this one has {k.shape[2]}.")
    k = _unit(k)
    fig, axes = _grid(k.shape[3], k.shape[2] + rgb)
    for f in range(k.shape[3]):
        if rgb:
            axes[f, 0].imshow(k[:, :, :, f], interpolation="nearest")
        for c in range(k.shape[2]):
            axes[f, c + rgb].imshow(k[:, :, c, f], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[f, 0].set_ylabel(str(f), rotation=0, ha="right", va="center", fontsize=7)
    for c in range(k.shape[2]):
        axes[0, c + rgb].set_title(f"ch {c}", fontsize=7)
    if rgb:
        axes[0, 0].set_title("RGB", fontsize=7)
    return fig


def plot_feature_maps(maps, max_channels=16, cols=8, cmap="viridis"):
    """Feature maps as images: an (H, W, C) array in a grid, or {layer name: (H, W, C)} one block per layer.

    Each channel is scaled on its own. Shows the first `max_channels` channels
    of each layer. Returns the figure.
    """
    blocks = maps if isinstance(maps, dict) else {"": maps}
    max_channels, cols = positive_int(max_channels, "max_channels"), positive_int(cols, "cols")
    arrays = {}
    for name, m in blocks.items():
        m = as_array(m, f"maps[{name!r}]" if name else "maps")
        if m.ndim != 3:
            raise ValueError(f"feature maps must have shape (H, W, C); {name or 'maps'!r} has shape {m.shape}.")
        arrays[name] = m[..., :max_channels]
    if not arrays:
        raise ValueError("maps must not be empty.")
    cols = min(cols, max(m.shape[-1] for m in arrays.values()))
    row_counts = [-(-m.shape[-1] // cols) for m in arrays.values()]
    fig, axes = _grid(sum(row_counts), cols, cell=1.0)
    row = 0
    for (name, m), n_rows in zip(arrays.items(), row_counts):
        for c in range(n_rows * cols):
            ax = axes[row + c // cols, c % cols]
            if c < m.shape[-1]:
                ax.imshow(m[..., c], cmap=cmap)
                ax.set_title(f"{name} {c}".strip(), fontsize=6)
            else:
                ax.axis("off")
        row += n_rows
    fig.tight_layout()
    return fig


def display_image(image):
    """An image ready for imshow on [0, 1]: (H, W, 1) becomes (H, W); pixels in [0, 1] stay as
    they are, 0..255 ones are divided by 255, any others (e.g. preprocessed ones) are stretched to [0, 1]."""
    img = as_array(image, "image").astype(float)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
        raise ValueError(f"image must be (H, W), (H, W, 1) or (H, W, 3); got shape {img.shape}.")
    if img.min() >= 0 and img.max() > 1 and img.max() <= 255:
        return img / 255.0
    if img.min() < 0 or img.max() > 1:
        return _unit(img)
    return img


def plot_filter_tiles(kernel, channel=0, max_filters=32, cols=8):
    """One input channel of many filters as a compact grid of tiles (e.g. a first layer on grey images).

    `kernel` is (fh, fw, c_in, filters); tile f shows ``kernel[:, :, channel, f]``. All tiles
    share one scale (the shown slices scaled to [0, 1] together), so they can be compared.
    Returns the figure.
    """
    k = as_array(kernel, "kernel")
    if k.ndim != 4:
        raise ValueError(f"kernel must have shape (fh, fw, c_in, filters); got shape {k.shape}.")
    if not isinstance(channel, (int, np.integer)) or isinstance(channel, bool) or not 0 <= channel < k.shape[2]:
        raise ValueError(f"channel must be a whole number from 0 to {k.shape[2] - 1}; got {channel!r}.")
    k = _unit(k[:, :, channel, :positive_int(max_filters, "max_filters")])
    cols = min(positive_int(cols, "cols"), k.shape[-1])
    rows = -(-k.shape[-1] // cols)
    fig, axes = _grid(rows, cols, cell=0.6)
    for f, ax in enumerate(axes.ravel()):
        if f < k.shape[-1]:
            ax.imshow(k[:, :, f], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(str(f), fontsize=6, pad=1)
        else:
            ax.axis("off")
    return fig


def overlay_heatmap(image, heat, ax=None, alpha=0.45, cmap="jet", title=None):
    """Draw `image` with a heat map (resized to the image's size) laid over it; returns the axes.

    Pixels in [0, 1] are shown as they are, 0..255 ones divided by 255, any others
    (e.g. preprocessed ones) stretched to [0, 1].
    """
    import matplotlib.pyplot as plt

    img = display_image(image)
    if not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be a number in [0, 1] (0: only the image); got {alpha!r}.")
    heat = resize_map(heat, img.shape[:2])
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6, 2.6), dpi=75)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
    ax.imshow(heat, cmap=cmap, alpha=alpha)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    return ax
