"""Pooling over the spatial axes, channel by channel, with Keras' semantics.

x may be (H, W), (H, W, C) or (N, H, W, C); the result keeps the same layout.
`strides` defaults to `pool_size`. With padding='same' the padded cells never
win a max or min and are left out of an average (as in Keras/TensorFlow).

The examples assume ``import numpy as np`` and ``import convlib``.
"""
import numpy as np

from ._validate import as_array, float_dtype, guard_size, non_empty, positive_pair, shown
from .arithmetic import same_padding


def _checked_x(x):
    x = as_array(x, "x")
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"x must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); "
            f"got {x.ndim} dims with shape {x.shape}."
        )
    return non_empty(x, "x")


def _windows(x, pool_size, strides, padding, fill, force=False):
    """All pooling windows as an array (N, H', W', C, ph, pw), padded with `fill`."""
    x = _checked_x(x)
    ph, pw = positive_pair(pool_size, "pool_size")
    sh, sw = positive_pair(pool_size if strides is None else strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding for pooling must be 'valid' or 'same' (as in Keras); got {shown(padding)}.")
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    n, H, W, c = x4.shape
    if padding.lower() == "same":
        pads = (same_padding(H, ph, sh), same_padding(W, pw, sw))
    else:
        pads = ((0, 0), (0, 0))
        if ph > H or pw > W:
            raise ValueError(
                f"pool_size ({ph}, {pw}) is larger than the input ({H}x{W}) with padding='valid'; "
                "use a smaller pool_size or padding='same'."
            )
    dtype = float_dtype(x4)
    guard_size(f"pooling x of shape {x.shape} with pool_size={pool_size!r} and padding={padding!r}",
               nbytes=n * (H + sum(pads[0])) * (W + sum(pads[1])) * c * np.dtype(dtype).itemsize, force=force)
    xp = np.pad(x4.astype(dtype, copy=False), ((0, 0), *pads, (0, 0)), constant_values=fill)
    win = np.lib.stride_tricks.sliding_window_view(xp, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]

    def finish(out):
        return {2: lambda: out[0, :, :, 0], 3: lambda: out[0], 4: lambda: out}[x.ndim]()

    return win, finish


def max_pool2d(x, pool_size=2, strides=None, padding="valid", *, force=False):
    """Largest value in each window, as ``keras.layers.MaxPooling2D`` computes it.

    Parameters
    ----------
    x : array_like
        (H, W), (H, W, C) or (N, H, W, C), integers or floats; each channel is
        pooled on its own.
    pool_size : int or (int, int), optional
        Window size (rows, cols); default 2.
    strides : int or (int, int), optional
        Step between windows; None (the default) means ``pool_size``, so the windows
        tile the input without overlap.
    padding : {'valid', 'same'}, optional
        'valid' (default) drops cells that do not fill a window; 'same' pads as
        ``same_padding`` says, so the output has ceil(H / sh) x ceil(W / sw) cells,
        and padded cells never win.
    force : bool, optional
        Allow a padded input larger than 4 GB.

    Returns
    -------
    numpy.ndarray
        The layout of ``x`` with H' = floor((H - ph) / sh) + 1 ('valid') or
        ceil(H / sh) ('same'), and likewise W'. float32 for a float32 ``x``,
        otherwise float64.

    Raises
    ------
    ValueError
        If ``x`` does not have 2, 3 or 4 axes or has no elements, ``pool_size`` or
        ``strides`` is not a positive int or pair, ``padding`` is not 'valid' or
        'same', the window is larger than a 'valid' input, or the padded input
        would exceed 4 GB without ``force=True``.
    TypeError
        If ``x`` is not numeric.

    Notes
    -----
    NaN is skipped: each window gives the largest of its numbers, as TensorFlow's
    CPU max-pooling kernel (the one under ``keras.layers.MaxPooling2D``) does,
    whereas ``np.max`` would give NaN for any window holding one. A window with
    no number at all gives NaN here; TensorFlow starts every window at the lowest
    float32, -3.4028235e+38, and returns that for a window of only NaN (or only
    -inf).

    Examples
    --------
    >>> x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> convlib.max_pool2d(x, pool_size=2)
    array([[7., 6.],
           [9., 8.]])
    >>> convlib.max_pool2d(x, pool_size=3, strides=1)
    array([[8., 8.],
           [9., 8.]])
    """
    win, finish = _windows(x, pool_size, strides, padding, np.nan, force)
    return finish(np.fmax.reduce(win, axis=(-2, -1)))


def min_pool2d(x, pool_size=2, strides=None, padding="valid", *, force=False):
    """Smallest value in each window: ``-max_pool2d(-x)``.

    Parameters
    ----------
    x, pool_size, strides, padding, force
        As for ``max_pool2d``.

    Returns
    -------
    numpy.ndarray
        As for ``max_pool2d``.

    Raises
    ------
    ValueError
        As for ``max_pool2d``.
    TypeError
        As for ``max_pool2d``.

    Notes
    -----
    Keras has no min-pooling layer; this equals ``-MaxPooling2D(...)(-x)``, NaN
    included (it is skipped, as in ``max_pool2d``).

    Examples
    --------
    >>> x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> convlib.min_pool2d(x, pool_size=2)
    array([[1., 1.],
           [1., 3.]])
    """
    win, finish = _windows(x, pool_size, strides, padding, np.nan, force)
    return finish(np.fmin.reduce(win, axis=(-2, -1)))


def sum_pool2d(x, pool_size=2, strides=None, padding="valid", *, force=False):
    """Sum of each window (padded cells count as zeros).

    Parameters
    ----------
    x, pool_size, strides, padding, force
        As for ``max_pool2d``.

    Returns
    -------
    numpy.ndarray
        As for ``max_pool2d``.

    Raises
    ------
    ValueError
        As for ``max_pool2d``.
    TypeError
        As for ``max_pool2d``.

    Examples
    --------
    >>> x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> convlib.sum_pool2d(x, pool_size=2)
    array([[16., 12.],
           [20., 24.]])
    """
    win, finish = _windows(x, pool_size, strides, padding, 0, force)
    return finish(win.sum(axis=(-2, -1)))


def avg_pool2d(x, pool_size=2, strides=None, padding="valid", *, force=False):
    """Mean of each window's real cells, as ``keras.layers.AveragePooling2D`` computes it.

    Parameters
    ----------
    x, pool_size, strides, padding, force
        As for ``max_pool2d``.

    Returns
    -------
    numpy.ndarray
        As for ``max_pool2d``.

    Raises
    ------
    ValueError
        As for ``max_pool2d``.
    TypeError
        As for ``max_pool2d``.

    Notes
    -----
    With padding='same', a window that hangs over the border is averaged over its
    cells inside the input only (Keras and TensorFlow do the same), so a border
    window of four cells with one inside the input returns that cell. A NaN makes
    its window's average NaN, as in TensorFlow.

    Examples
    --------
    >>> x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> convlib.avg_pool2d(x, pool_size=2)
    array([[4., 3.],
           [5., 6.]])
    """
    win, finish = _windows(x, pool_size, strides, padding, 0, force)
    counts, _ = _windows(np.ones(np.shape(x), dtype=win.dtype), pool_size, strides, padding, 0, force)
    return finish(win.sum(axis=(-2, -1)) / counts.sum(axis=(-2, -1)))


def mixed_pool2d(x, lam, pool_size=2, strides=None, padding="valid", *, force=False):
    """Mixed pooling: lam * max + (1 - lam) * average of each window.

    Parameters
    ----------
    x : array_like
        As for ``max_pool2d``.
    lam : float
        Weight of the maximum, between 0 and 1: 1 is max pooling, 0 average pooling.
    pool_size, strides, padding, force
        As for ``max_pool2d``.

    Returns
    -------
    numpy.ndarray
        As for ``max_pool2d``.

    Raises
    ------
    ValueError
        If ``lam`` is not a number between 0 and 1, or as for ``max_pool2d``.
    TypeError
        As for ``max_pool2d``.

    Examples
    --------
    >>> x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    >>> convlib.mixed_pool2d(x, 0.5, pool_size=2)
    array([[5.5, 4.5],
           [7. , 7. ]])
    """
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.floating, np.integer)) or not 0 <= lam <= 1:
        raise ValueError(f"lam must be a number between 0 and 1; got {shown(lam)}.")
    return (lam * max_pool2d(x, pool_size, strides, padding, force=force)
            + (1 - lam) * avg_pool2d(x, pool_size, strides, padding, force=force))


def _global(x, reduce):
    x = _checked_x(x)
    axes = {2: (0, 1), 3: (0, 1), 4: (1, 2)}[x.ndim]
    return reduce(x.astype(float_dtype(x), copy=False), axis=axes)


def global_max_pool2d(x):
    """Largest value of each channel, as ``keras.layers.GlobalMaxPooling2D`` computes it.

    Parameters
    ----------
    x : array_like
        (H, W), (H, W, C) or (N, H, W, C), integers or floats.

    Returns
    -------
    numpy.ndarray or numpy.floating
        A number for (H, W), shape (C,) for (H, W, C), (N, C) for a batch; float32
        for a float32 ``x``, otherwise float64.

    Raises
    ------
    ValueError
        If ``x`` does not have 2, 3 or 4 axes, or has no elements.
    TypeError
        If ``x`` is not numeric.

    Notes
    -----
    Unlike ``max_pool2d``, a NaN makes its channel's result NaN: Keras' layer
    reduces with ``max`` over the whole map, and that keeps NaN.

    Examples
    --------
    >>> volume = np.arange(8).reshape(2, 2, 2)  # channel 0: 0, 2, 4, 6; channel 1: 1, 3, 5, 7
    >>> convlib.global_max_pool2d(volume)
    array([6., 7.])
    """
    return _global(x, np.max)


def global_avg_pool2d(x):
    """Mean of each channel, as ``keras.layers.GlobalAveragePooling2D`` computes it.

    Parameters
    ----------
    x : array_like
        (H, W), (H, W, C) or (N, H, W, C), integers or floats.

    Returns
    -------
    numpy.ndarray or numpy.floating
        As for ``global_max_pool2d``.

    Raises
    ------
    ValueError
        As for ``global_max_pool2d``.
    TypeError
        As for ``global_max_pool2d``.

    Examples
    --------
    >>> convlib.global_avg_pool2d(np.arange(8).reshape(2, 2, 2))
    array([3., 4.])
    """
    return _global(x, np.mean)
