"""Pooling over the spatial axes, channel by channel, with Keras' semantics.

x may be (H, W), (H, W, C) or (N, H, W, C); the result keeps the same layout.
`strides` defaults to `pool_size`. With padding='same' the padded cells never
win a max or min and are left out of an average (as in Keras/TensorFlow).
"""
import numpy as np

from ._validate import as_array, float_dtype, positive_pair
from .arithmetic import same_padding


def _windows(x, pool_size, strides, padding, fill):
    """All pooling windows as an array (N, H', W', C, ph, pw), padded with `fill`."""
    x = as_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"x must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); "
            f"got {x.ndim} dims with shape {x.shape}."
        )
    ph, pw = positive_pair(pool_size, "pool_size")
    sh, sw = positive_pair(pool_size if strides is None else strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding for pooling must be 'valid' or 'same' (as in Keras); got {padding!r}.")
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    H, W = x4.shape[1:3]
    if padding.lower() == "same":
        pads = (same_padding(H, ph, sh), same_padding(W, pw, sw))
    else:
        pads = ((0, 0), (0, 0))
        if ph > H or pw > W:
            raise ValueError(
                f"pool_size ({ph}, {pw}) is larger than the input ({H}x{W}) with padding='valid'; "
                "use a smaller pool_size or padding='same'."
            )
    xp = np.pad(x4.astype(float_dtype(x4), copy=False), ((0, 0), *pads, (0, 0)), constant_values=fill)
    win = np.lib.stride_tricks.sliding_window_view(xp, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]

    def finish(out):
        return {2: lambda: out[0, :, :, 0], 3: lambda: out[0], 4: lambda: out}[x.ndim]()

    return win, finish


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Largest value in each window (keras.layers.MaxPooling2D)."""
    win, finish = _windows(x, pool_size, strides, padding, -np.inf)
    return finish(win.max(axis=(-2, -1)))


def min_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Smallest value in each window."""
    win, finish = _windows(x, pool_size, strides, padding, np.inf)
    return finish(win.min(axis=(-2, -1)))


def sum_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Sum of each window (padding counts as zeros)."""
    win, finish = _windows(x, pool_size, strides, padding, 0)
    return finish(win.sum(axis=(-2, -1)))


def avg_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Mean of each window's real (unpadded) cells (keras.layers.AveragePooling2D)."""
    win, finish = _windows(x, pool_size, strides, padding, 0)
    ones = np.ones(np.shape(x), dtype=win.dtype)
    counts, _ = _windows(ones, pool_size, strides, padding, 0)
    return finish(win.sum(axis=(-2, -1)) / counts.sum(axis=(-2, -1)))


def mixed_pool2d(x, lam, pool_size=2, strides=None, padding="valid"):
    """lam * max + (1 - lam) * average; lam = 1 is max pooling, lam = 0 average pooling."""
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.floating, np.integer)) or not 0 <= lam <= 1:
        raise ValueError(f"lam must be a number between 0 and 1; got {lam!r}.")
    return lam * max_pool2d(x, pool_size, strides, padding) + (1 - lam) * avg_pool2d(x, pool_size, strides, padding)


def _global(x, reduce):
    x = as_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"x must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); got shape {x.shape}."
        )
    axes = {2: (0, 1), 3: (0, 1), 4: (1, 2)}[x.ndim]
    return reduce(x.astype(float_dtype(x), copy=False), axis=axes)


def global_max_pool2d(x):
    """Largest value of each channel: (H, W, C) -> (C,), (N, H, W, C) -> (N, C)."""
    return _global(x, np.max)


def global_avg_pool2d(x):
    """Mean of each channel: (H, W, C) -> (C,), (N, H, W, C) -> (N, C)."""
    return _global(x, np.mean)
