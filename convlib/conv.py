"""2-D cross-correlation (what Keras calls convolution) and true convolution.

Shapes (Keras layout, NHWC):

- x (H, W) with kernel (fh, fw) gives (H', W');
- x (H, W) with kernel (fh, fw, 1, F) gives (H', W', F);
- x (H, W, C) with kernel (fh, fw, C, F) gives (H', W', F);
- x (N, H, W, C) with kernel (fh, fw, C, F) gives (N, H', W', F).

Every function here computes, with ``xp`` the input padded as ``padding`` says,
``(sh, sw)`` the strides and ``(dh, dw)`` the dilation rate::

    out[n, i, j, f] = bias[f] + sum over u, v, c of
                      xp[n, i*sh + u*dh, j*sw + v*dw, c] * kernel[u, v, c, f]

The examples assume ``import numpy as np`` and ``import convlib``.
"""
import numbers

import numpy as np

from ._validate import as_array, float_dtype, guard_size, non_empty, padding_spec, positive_pair, shown
from .arithmetic import axis_padding, check_kernel_fits, same_padding


def pad2d(x, padding, value=0, *, force=False):
    """Pad the two spatial axes of an image or a batch of images with a constant.

    Parameters
    ----------
    x : array_like
        Shape (H, W), (H, W, C) or (N, H, W, C); integers, floats or booleans
        (booleans count as 0 and 1).
    padding : int or tuple
        Cells added on each side: an int ``p`` (``p`` on all four sides), a pair
        ``(p_rows, p_cols)`` (``p_rows`` at the top and at the bottom, ``p_cols``
        on the left and on the right), or ``((top, bottom), (left, right))``, the
        forms of ``keras.layers.ZeroPadding2D``. The modes 'same', 'valid' and
        'full' are not accepted: ``same_padding`` gives the amounts for 'same'.
    value : int or float, optional
        The fill value (default 0). It must fit the dtype of an integer ``x``; a
        fractional, infinite or NaN value makes the result float64.
    force : bool, optional
        Allow a result larger than 4 GB.

    Returns
    -------
    numpy.ndarray
        Shape (H + top + bottom, W + left + right), with the channel and batch axes
        unchanged; the dtype of ``x`` (uint8 for booleans), or float64 as said above.

    Raises
    ------
    ValueError
        If ``x`` does not have 2, 3 or 4 axes, ``padding`` is a mode or a negative
        amount, ``value`` does not fit an integer dtype (uint8 holds 0 to 255), or the
        result would exceed 4 GB without ``force=True``.
    TypeError
        If ``x`` or ``value`` is not numeric.

    Notes
    -----
    Amounts are per side, as in Keras and CS231n: ``padding=1`` adds one row at the
    top and one at the bottom. Some texts (d2l, for one) write p for the total
    of both sides.

    Examples
    --------
    >>> convlib.pad2d(np.array([[1, 2], [3, 4]]), 1)
    array([[0, 0, 0, 0],
           [0, 1, 2, 0],
           [0, 3, 4, 0],
           [0, 0, 0, 0]])
    >>> convlib.pad2d(np.ones((2, 28, 28, 3)), ((0, 1), (2, 3))).shape
    (2, 29, 33, 3)
    """
    x = as_array(x, "x")
    _spatial_axes(x, "x")
    spec = padding_spec(padding)
    if isinstance(spec, str):
        raise ValueError(
            f"pad2d needs explicit amounts (an int, a pair or ((top, bottom), (left, right))); "
            f"got the mode {padding!r}. Use same_padding() to find the amounts Keras uses for 'same'."
        )
    if not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number (an int or a float); got {shown(value)}.")
    if np.issubdtype(x.dtype, np.integer):
        if not float(value).is_integer():
            x = x.astype(np.float64)
        elif not np.iinfo(x.dtype).min <= value <= np.iinfo(x.dtype).max:
            # np.pad would wrap it around (-1 becomes 255 in uint8); refuse instead.
            info, wider = np.iinfo(x.dtype), np.promote_types(x.dtype, np.min_scalar_type(value))
            hint = f"x.astype(np.{wider})" if np.issubdtype(wider, np.integer) else "x.astype(float)"
            raise ValueError(
                f"value={value!r} does not fit x's dtype {x.dtype}, which holds {info.min} to {info.max}; "
                f"cast x first, e.g. pad2d({hint}, ...)."
            )
    widths = [(0, 0)] * x.ndim
    row_axis = 0 if x.ndim <= 3 else 1
    widths[row_axis], widths[row_axis + 1] = spec
    shape = [n + before + after for n, (before, after) in zip(x.shape, widths)]
    guard_size(f"pad2d with x of shape {x.shape} and padding={padding!r}",
               nbytes=int(np.prod(shape)) * x.itemsize, force=force)
    return np.pad(x, widths, mode="constant", constant_values=value)


def _spatial_axes(x, name):
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); "
            f"got {x.ndim} dims with shape {x.shape}."
        )


def _conv_args(x, kernel, bias, strides, padding, dilation_rate):
    """Check the arguments of conv2d and conv2d_naive.

    Returns x as (N, H, W, C) and the kernel as (fh, fw, C, F) in one float dtype,
    the bias as (F,) or None, (sh, sw), (dh, dw), the padding as a mode string or
    ((top, bottom), (left, right)), and `finish`, which gives a 4-D result the
    layout that x and the kernel ask for.
    """
    x = as_array(x, "x")
    kernel = as_array(kernel, "kernel")
    _spatial_axes(x, "x")
    if kernel.ndim not in (2, 4):
        hint = " For one filter over C channels use kernel[..., None] (shape (fh, fw, C, 1))." if kernel.ndim == 3 else ""
        raise ValueError(
            f"kernel must have 2 dims (fh, fw) or 4 dims (fh, fw, in_channels, filters); "
            f"got shape {kernel.shape}.{hint}"
        )
    non_empty(x, "x")
    non_empty(kernel, "kernel")
    squeeze_channels = kernel.ndim == 2
    if squeeze_channels:
        if x.ndim != 2:
            raise ValueError(
                f"a 2-D kernel {kernel.shape} is for a 2-D (H, W) input; x has shape {x.shape}. "
                "For channels, give the kernel as (fh, fw, in_channels, filters)."
            )
        kernel = kernel[:, :, None, None]
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    if x4.shape[3] != kernel.shape[2]:
        raise ValueError(
            f"channel mismatch: x has {x4.shape[3]} channel(s) (shape {x.shape}) but kernel expects "
            f"in_channels={kernel.shape[2]} (shape {kernel.shape}). The kernel's third axis must equal "
            "the input's last axis."
        )
    strides = positive_pair(strides, "strides")
    dilation = positive_pair(dilation_rate, "dilation_rate")
    spec = padding_spec(padding)
    fh, fw, _, n_filters = kernel.shape
    check_kernel_fits((fh, fw), dilation, x4.shape[1:3], _amounts(spec, x4.shape[1:3], (fh, fw), strides, dilation),
                      padding)
    if bias is not None:
        bias = as_array(bias, "bias")
        bias = bias.reshape(-1) if bias.ndim == 0 else bias
        if bias.ndim != 1 or bias.shape[0] != n_filters:
            raise ValueError(f"bias must hold one value per filter ({n_filters}); got shape {bias.shape}.")
    dtype = float_dtype(x4, kernel, *([bias] if bias is not None else []))
    batched = x.ndim == 4

    def finish(out):
        if squeeze_channels:
            return out[0, :, :, 0]
        return out if batched else out[0]

    return (x4.astype(dtype, copy=False), kernel.astype(dtype, copy=False),
            None if bias is None else bias.astype(dtype), strides, dilation, spec, finish)


def _amounts(spec, hw, kernel_hw, strides, dilation):
    """((top, bottom), (left, right)) for a padding spec, from the one-axis rule of arithmetic."""
    per_axis = (spec, spec) if isinstance(spec, str) else spec
    return tuple(axis_padding(p, n, f, s, d) for p, n, f, s, d in zip(per_axis, hw, kernel_hw, strides, dilation))


def _prepare(x, kernel, bias, strides, padding, dilation_rate, force=False):
    """Validate, then pad: return the padded 4-D input, the 4-D kernel, the geometry
    (strides, dilation, span) and `finish`, which adds the bias and restores the layout."""
    x4, k, bias, (sh, sw), (dh, dw), spec, reshape = _conv_args(x, kernel, bias, strides, padding, dilation_rate)
    fh, fw, c, n_filters = k.shape
    (top, bottom), (left, right) = _amounts(spec, x4.shape[1:3], (fh, fw), (sh, sw), (dh, dw))
    kh, kw = dh * (fh - 1) + 1, dw * (fw - 1) + 1
    n, hp, wp = x4.shape[0], x4.shape[1] + top + bottom, x4.shape[2] + left + right
    out_cells = n * ((hp - kh) // sh + 1) * ((wp - kw) // sw + 1)
    # The padded input, one row of fh * fw * C numbers per output cell, and the output.
    guard_size(f"conv2d with x of shape {np.shape(x)}, kernel {np.shape(kernel)} and padding={padding!r}",
               nbytes=(n * hp * wp * c + out_cells * (fh * fw * c + n_filters)) * x4.itemsize, force=force)
    xp = np.pad(x4, ((0, 0), (top, bottom), (left, right), (0, 0)))

    def finish(out):
        return reshape(out if bias is None else out + bias)

    return xp, k, dict(strides=(sh, sw), dilation=(dh, dw), span=(kh, kw)), finish


def conv2d_naive(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, *, force=False):
    """Cross-correlation written as loops that mirror the formula (slow; for reading).

    It computes exactly what ``conv2d`` computes, one output cell at a time.

    Parameters
    ----------
    x, kernel, bias, strides, padding, dilation_rate
        As for ``conv2d``.
    force : bool, optional
        Run the loops even when they would take more than 10,000,000 multiply-adds
        (or the padded input more than 4 GB).

    Returns
    -------
    numpy.ndarray
        As for ``conv2d``.

    Raises
    ------
    ValueError
        As for ``conv2d``, and if the loops would run more than 10,000,000
        multiply-adds without ``force=True``.
    TypeError
        As for ``conv2d``.

    Examples
    --------
    >>> x = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3],
    ...               [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    >>> k = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    >>> convlib.conv2d_naive(x, k)
    array([[12., 12., 17.],
           [10., 17., 19.],
           [ 9.,  6., 14.]])
    """
    x, kernel, bias, (sh, sw), (dh, dw), padding_mode, finish = _conv_args(
        x, kernel, bias, strides, padding, dilation_rate)
    N, H, W, C = x.shape
    fh, fw, _, F = kernel.shape
    kh, kw = dh * (fh - 1) + 1, dw * (fw - 1) + 1  # the rows and columns a dilated kernel spans

    # Padding (top, bottom) and (left, right): none for 'valid'; for 'same' Keras' rule,
    # ceil(H / sh) rows out with an odd extra padding row at the bottom; for 'full', every
    # window that overlaps the input; otherwise the amounts given.
    if padding_mode == "valid":
        (top, bottom), (left, right) = (0, 0), (0, 0)
    elif padding_mode == "same":
        (top, bottom), (left, right) = same_padding(H, fh, sh, dh), same_padding(W, fw, sw, dw)
    elif padding_mode == "full":
        (top, bottom), (left, right) = (kh - 1, kh - 1), (kw - 1, kw - 1)
    else:
        (top, bottom), (left, right) = padding_mode

    # Output size along each axis: floor((n + before + after - d(f - 1) - 1) / s) + 1.
    out_h = (H + top + bottom - dh * (fh - 1) - 1) // sh + 1
    out_w = (W + left + right - dw * (fw - 1) - 1) // sw + 1

    guard_size(f"conv2d_naive with x as (N, H, W, C) = {x.shape}, kernel {kernel.shape} and padding={padding!r}",
               nbytes=N * (H + top + bottom) * (W + left + right) * C * x.itemsize,
               loop_multiply_adds=N * out_h * out_w * F * fh * fw * C, force=force)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    b = np.zeros(F, dtype=x.dtype) if bias is None else bias
    out = np.zeros((N, out_h, out_w, F), dtype=x.dtype)
    for n in range(N):
        for i in range(out_h):
            for j in range(out_w):
                # The window under output cell (i, j): fh rows dh apart from row i * sh,
                # fw columns dw apart from column j * sw, all C channels.
                window = xp[n, i * sh: i * sh + kh: dh, j * sw: j * sw + kw: dw, :]
                for f in range(F):
                    out[n, i, j, f] = np.sum(window * kernel[:, :, :, f]) + b[f]
    return finish(out)


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, *, force=False):
    """Cross-correlation, as ``keras.layers.Conv2D`` computes it before its activation.

    Parameters
    ----------
    x : array_like
        The input: (H, W), (H, W, C) or (N, H, W, C), integers or floats.
    kernel : array_like
        (fh, fw) for a 2-D ``x``, otherwise (fh, fw, C, F): one (fh, fw, C) filter
        for each of the F output channels, the layout of Keras' Conv2D weights.
    bias : array_like, optional
        Shape (F,): one number added to each output channel. None adds nothing.
    strides : int or (int, int), optional
        How far the window moves: rows down, columns right (default 1).
    padding : str, int or tuple, optional
        'valid' (no padding, the default), 'same' (Keras' rule: the output has
        ceil(H / sh) x ceil(W / sw) cells; an odd total puts the extra row at the
        bottom and the extra column on the right), 'full' (d(f - 1) on each side:
        every window that overlaps the input), or explicit amounts per side: an int
        ``p``, a pair ``(p_rows, p_cols)``, or ``((top, bottom), (left, right))``.
    dilation_rate : int or (int, int), optional
        Spacing between the kernel's taps; 1 (the default) means none, and a rate
        d makes the kernel span d(f - 1) + 1 cells.
    force : bool, optional
        Allow a call that needs more than 4 GB of memory.

    Returns
    -------
    numpy.ndarray
        (H', W') for a 2-D ``x`` and kernel, (H', W', F) for (H, W) or (H, W, C), and
        (N, H', W', F) for a batch; H' = floor((H + top + bottom - d(fh - 1) - 1) / sh) + 1
        and likewise W'. The dtype is float32 when every input is float32,
        otherwise float64.

    Raises
    ------
    ValueError
        If an array has the wrong number of axes or no elements, the channels of
        ``x`` and ``kernel`` differ, ``bias`` does not hold F numbers, ``strides``,
        ``padding`` or ``dilation_rate`` is not one of the forms above, the dilated
        kernel is larger than the padded input, or the call would need more than
        4 GB without ``force=True``.
    TypeError
        If an input is not numeric.

    Notes
    -----
    This is cross-correlation: the kernel is not flipped. CNN layers compute it and
    call it convolution; ``convolve2d`` computes the convolution of signal
    processing. Padding amounts are per side (as in Keras and CS231n; d2l writes
    the total), and ``dilation_rate=1`` means no dilation (numpy-ml writes 0).
    ``keras.layers.Conv2D`` refuses ``strides`` > 1 together with ``dilation_rate``
    > 1; ``tf.nn.conv2d`` computes the combination, and so does conv2d, with the
    same result.

    The computation gathers every window into one row of a matrix (im2col), then
    multiplies that matrix by the kernel reshaped to (fh * fw * C, F).

    Examples
    --------
    The vertical-edge kernel on a 5 x 5 image; the top-left output is
    7 + 4 + 3 - 3 - 3 - 2 = 6:

    >>> x = np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4],
    ...               [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
    >>> k = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    >>> convlib.conv2d(x, k)
    array([[ 6., -9., -8.],
           [-3., -2., -3.],
           [-3.,  0., -2.]])

    A batch of two 28 x 28 RGB images through eight 3 x 3 filters:

    >>> convlib.conv2d(np.ones((2, 28, 28, 3)), np.ones((3, 3, 3, 8)), strides=2, padding="same").shape
    (2, 14, 14, 8)
    """
    xp, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, dilation_rate, force)
    (sh, sw), (dh, dw), (kh, kw) = geometry["strides"], geometry["dilation"], geometry["span"]
    fh, fw, c, n_filters = k.shape
    out_h, out_w = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    # windows: (N, H'', W'', C, kh, kw); keep the strided positions and the dilated taps.
    windows = windows[:, : (out_h - 1) * sh + 1: sh, : (out_w - 1) * sw + 1: sw, :, ::dh, ::dw]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, fh * fw * c)
    out = cols @ k.reshape(fh * fw * c, n_filters)
    return finish(out.reshape(xp.shape[0], out_h, out_w, n_filters))


def convolve2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, *, force=False):
    """True convolution: cross-correlation with the kernel turned by 180 degrees.

    For a 2-D ``x`` and kernel and ``strides=1`` it equals
    ``scipy.signal.convolve2d`` with the same mode ('valid', 'same' or 'full').

    Parameters
    ----------
    x, kernel, bias, strides, padding, dilation_rate, force
        As for ``conv2d``.

    Returns
    -------
    numpy.ndarray
        The shape and dtype that ``conv2d`` gives.

    Raises
    ------
    ValueError
        As for ``conv2d``.
    TypeError
        As for ``conv2d``.

    Notes
    -----
    Turning the kernel turns its padding too: when 'same' needs an odd total, the
    extra row goes at the top and the extra column on the left, the mirror image of
    ``conv2d``'s rule. That is what centres the result on the full convolution as
    SciPy does; for odd kernels at ``strides=1`` the two rules coincide. CNN layers
    compute ``conv2d`` (no flip); with learned kernels the difference is only a
    relabelling of the kernel's cells.

    Examples
    --------
    Along one row: correlating with (1, 10) weighs the right neighbour by 10,
    convolving weighs the left one.

    >>> x = np.array([[1, 2, 3, 4]])
    >>> k = np.array([[1, 10]])
    >>> convlib.conv2d(x, k)
    array([[21., 32., 43.]])
    >>> convlib.convolve2d(x, k)
    array([[12., 23., 34.]])
    >>> convlib.convolve2d(x, k, padding="same")  # scipy.signal.convolve2d(x, k, mode="same")
    array([[ 1., 12., 23., 34.]])
    """
    x4, k4, _, s, d, spec, _ = _conv_args(x, kernel, bias, strides, padding, dilation_rate)
    if spec == "same":
        (top, bottom), (left, right) = _amounts(spec, x4.shape[1:3], k4.shape[:2], s, d)
        padding = ((bottom, top), (right, left))
    return conv2d(x, np.asarray(kernel)[::-1, ::-1], bias, strides, padding, dilation_rate, force=force)
