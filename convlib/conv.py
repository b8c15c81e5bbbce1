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
import threading

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


def _prepare(x, kernel, bias, strides, padding, dilation_rate, force=False, pad=True):
    """Validate, then pad: return the padded 4-D input (unpadded if pad=False), the 4-D
    kernel, the geometry (strides, dilation, span, pads) and `finish`, which adds the bias
    and restores the layout."""
    x4, k, bias, (sh, sw), (dh, dw), spec, reshape = _conv_args(x, kernel, bias, strides, padding, dilation_rate)
    fh, fw, c, n_filters = k.shape
    (top, bottom), (left, right) = _amounts(spec, x4.shape[1:3], (fh, fw), (sh, sw), (dh, dw))
    kh, kw = dh * (fh - 1) + 1, dw * (fw - 1) + 1
    n, hp, wp = x4.shape[0], x4.shape[1] + top + bottom, x4.shape[2] + left + right
    out_cells = n * ((hp - kh) // sh + 1) * ((wp - kw) // sw + 1)
    # The padded input, one row of fh * fw * C numbers per output cell, and the output.
    guard_size(f"conv2d with x of shape {np.shape(x)}, kernel {np.shape(kernel)} and padding={padding!r}",
               nbytes=(n * hp * wp * c + out_cells * (fh * fw * c + n_filters)) * x4.itemsize, force=force)
    xp = np.pad(x4, ((0, 0), (top, bottom), (left, right), (0, 0))) if pad else x4

    def finish(out):  # out is a new array: add the bias in place
        if bias is not None:
            out += bias
        return reshape(out)

    return xp, k, dict(strides=(sh, sw), dilation=(dh, dw), span=(kh, kw),
                       pads=((top, bottom), (left, right))), finish


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
    multiplies that matrix by the kernel reshaped to (fh * fw * C, F), a block of rows
    at a time. Square 2 x 2 and 3 x 3 kernels at stride 1 with at least
    ``WINOGRAD_MIN_CHANNELS`` (8) input channels and filters go through Winograd's
    minimal filtering instead (Lavin & Gray 2016), which needs 4 multiplications per
    output for a 3 x 3 kernel instead of 9; it agrees with im2col to round-off, and
    exactly on integer inputs (inputs with infinities or NaN stay with im2col).

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
    x4, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, dilation_rate, force, pad=False)
    (sh, sw), (dh, dw), (kh, kw) = geometry["strides"], geometry["dilation"], geometry["span"]
    if _use_winograd(x4, k, (sh, sw)):
        return finish(_winograd(x4, k, geometry["pads"], (dh, dw)))
    xp = np.pad(x4, ((0, 0), *geometry["pads"], (0, 0)))
    fh, fw, c, n_filters = k.shape
    out_h, out_w = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    # windows: (N, H'', W'', C, kh, kw); keep the strided positions and the dilated taps.
    windows = windows[:, : (out_h - 1) * sh + 1: sh, : (out_w - 1) * sw + 1: sw, :, ::dh, ::dw]
    # Block by block (a few images, or a few rows of one), copy the windows into `cols`, one
    # row of fh * fw * C numbers per output cell, and multiply by the kernel straight into
    # the output; the block's columns are still in the cache when the product reads them.
    out = np.empty((xp.shape[0], out_h, out_w, n_filters), dtype=k.dtype)
    blocks = _blocks(xp.shape[0], out_h, out_w * (fh * fw * c + n_filters) * k.itemsize, IM2COL_BLOCK_BYTES)
    cols = _scratch("cols", windows[blocks[0]].size, k.dtype)
    for block in blocks:
        part = windows[block].transpose(0, 1, 2, 4, 5, 3)  # (images, rows, W', fh, fw, C)
        block_cols = cols[:part.size].reshape(part.shape)
        block_cols[...] = part
        np.matmul(block_cols.reshape(-1, fh * fw * c), k.reshape(-1, n_filters),
                  out=out[block].reshape(-1, n_filters))
    return finish(out)


# Below this many input channels or filters, conv2d keeps the im2col product for 2 x 2 and
# 3 x 3 kernels: Winograd's transforms would cost about as much as the products they save.
WINOGRAD_MIN_CHANNELS = 8
# Scratch memory per block: conv2d works on a few images (or a few rows of one) at a time.
# Winograd's tiles go through several passes, so its blocks are sized for the processor's
# cache; im2col's columns are read once, and larger blocks make fewer, larger products
# (each multi-threaded BLAS call can wait for a busy core).
WINOGRAD_BLOCK_BYTES = 1 << 21
IM2COL_BLOCK_BYTES = 1 << 24

# Winograd's minimal filtering F(2 x 2, r x r), Y = A^T [(G g G^T) * (B^T d B)] A: for each
# kernel size r, G and A^T (x) A^T, which maps the products of a tile to its 2 x 2 outputs.
# B^T is spelt out in the row pass of _winograd. F(2, 3) is Lavin & Gray's (2016); F(2, 2)
# is built the same way from the points 0, 1 and infinity, its last row of B^T and G negated.
_WINOGRAD = {
    3: (np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),
        np.kron([[1, 1, 1, 0], [0, 1, -1, -1]], [[1, 1, 1, 0], [0, 1, -1, -1]])),
    2: (np.array([[1, 0], [1, 1], [0, -1]]),
        np.kron([[1, 1, 0], [0, 1, 1]], [[1, 1, 0], [0, 1, 1]])),
}


_SCRATCH = threading.local()


def _scratch(name, size, dtype):
    """A 1-D array of `size` elements to compute in, kept for the next call (one per name,
    dtype and thread): memory that a process touches for the first time costs page faults,
    which here took as long as the arithmetic of a layer."""
    key = (name, np.dtype(dtype).char)
    buffer = _SCRATCH.__dict__.get(key)
    if buffer is None or buffer.size < size:
        buffer = _SCRATCH.__dict__[key] = np.empty(size, dtype)
    return buffer[:size]


def _use_winograd(x, kernel, strides):
    """Whether conv2d computes x (N, H, W, C) with kernel (fh, fw, C, F) by `_winograd`: square
    2 x 2 or 3 x 3 kernels at stride 1, enough channels and filters, and finite numbers only
    (its transforms would turn an infinity into NaN, also in outputs that do not read it)."""
    fh, fw, c, f = kernel.shape
    if not (fh == fw and fh in _WINOGRAD and tuple(strides) == (1, 1) and min(c, f) >= WINOGRAD_MIN_CHANNELS):
        return False
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf, or a sum too large: im2col
        return bool(np.isfinite(np.sum(x)) and np.isfinite(np.sum(kernel)))


def _blocks(n, rows, row_bytes, budget):
    """(images, rows) slices that cover n images of `rows` rows each, about `budget` bytes at a
    time at `row_bytes` per row: whole images when one fits, otherwise runs of rows of one image.
    Either way a block of a C-contiguous (n, rows, ...) array is contiguous."""
    if rows * row_bytes <= budget:
        step = max(1, budget // (rows * row_bytes))
        return [(slice(b, min(n, b + step)), slice(0, rows)) for b in range(0, n, step)]
    step = max(1, budget // row_bytes)
    return [(slice(b, b + 1), slice(a, min(rows, a + step))) for b in range(n) for a in range(0, rows, step)]


def _winograd(x, kernel, pads, dilation, out=None):
    """r x r cross-correlation (r = 2 or 3) at stride 1 of x (N, H, W, C), padded with
    ((top, bottom), (left, right)) zeros, with kernel (r, r, C, F), by Winograd's minimal
    filtering F(2 x 2, r x r) (Lavin & Gray 2016).

    Each 2 x 2 block of outputs is made from the (r + 1) x (r + 1) input tile d under it as

        Y = A^T [(G g G^T) * (B^T d B)] A,   * the product cell by cell,

    with g the kernel and B^T, G, A^T holding only 0, 1, -1 (and 1/2 for r = 3). The
    (r + 1)^2 products replace 4 r^2 (2 x 2 outputs times r^2 taps); summed over the channels,
    each cell of the tile is one matrix product (tiles, C) @ (C, F), so the multiplications
    per output drop from 9 to 4 for r = 3 and from 4 to 2.25 for r = 2. The transforms are
    additions and halvings, exact in binary: integer inputs give exact results, others differ
    from im2col by round-off. With dilation d the cells of a tile lie d apart, and the tiles
    of the d x d interleaved sub-grids go through together. The result goes into `out` (any
    array of the output's shape, a strided view too) or a new array.
    """
    n, h, w, c = x.shape
    (top, bottom), (left, right) = pads
    hp, wp = h + top + bottom, w + left + right
    r, f = kernel.shape[0], kernel.shape[3]
    a = r + 1  # tile size
    dh, dw = dilation
    out_h, out_w = hp - (r - 1) * dh, wp - (r - 1) * dw
    dtype = x.dtype
    g, a_kron = (m.astype(dtype) for m in _WINOGRAD[r])  # a_kron[2p + q, a i + j] = A[i, p] A[j, q]
    u = np.matmul(g, (g @ kernel.reshape(r, -1)).reshape(a, r, c * f)).reshape(a, a, 1, c, f)  # G g G^T
    # Output rows come in groups of 2 dh: row 2 dh t + dh p + s is row p of tile (t, s), which
    # reads input rows 2 dh t + s + dh * (0 .. r); columns likewise, in groups of 2 dw. One
    # column group more than the output needs makes every row of tiles equally long.
    groups_h, groups_w = -(-out_h // (2 * dh)), -(-out_w // (2 * dw))
    wb = 2 * dw * (groups_w + 1)  # input columns that the tiles read: the padded input's wp, then zeros
    group_tiles = dh * dw * (groups_w + 1)
    blocks = _blocks(n, groups_h, group_tiles * (9 * a * c + (a * a + 4) * f) * x.itemsize, WINOGRAD_BLOCK_BYTES)
    most = max((b.stop - b.start) * (rows.stop - rows.start) for b, rows in blocks)  # row groups
    row_t = _scratch("rows", a * most * 2 * dh * wb * c, dtype)
    col_t = _scratch("columns", (3 if r == 3 else 1) * row_t.size, dtype)
    m = _scratch("products", a * a * most * group_tiles * f, dtype)
    y = _scratch("outputs", 4 * most * group_tiles * f, dtype)
    out = np.empty((n, out_h, out_w, f), dtype) if out is None else out
    for images, groups in blocks:
        bn, ga = images.stop - images.start, groups.stop - groups.start
        t = dh * bn * ga * (groups_w + 1)  # tiles of each column offset s in this block
        first, span = 2 * dh * groups.start, 2 * dh * (ga + 1)  # the block's rows of the padded input
        lo, hi = min(max(top - first, 0), span), max(min(top + h - first, span), 0)  # those inside x
        if (lo, hi, left, right) == (0, span, 0, 0):
            d = x[images, first - top: first - top + span]
        else:  # copy into zeros
            d = _scratch("padded", bn * span * wp * c, dtype).reshape(bn, span, wp, c)
            d[:, :lo] = 0
            d[:, hi:] = 0
            d[:, lo:max(hi, lo), :left] = 0
            d[:, lo:max(hi, lo), left + w:] = 0
            d[:, lo:max(hi, lo), left: left + w] = x[images, first - top + lo: first - top + hi]
        # Row pass, B^T d: input row 2 dh t + dh p + s is q[:, t, p, s]; rt[i] holds row i of
        # every tile, ordered (s, image, t).
        q = d.reshape(bn, ga + 1, 2, dh, wp * c)
        here, below = q[:, :ga], q[:, 1:]
        rt = row_t[:a * dh * bn * ga * wb * c].reshape(a, dh, bn, ga, wb * c)
        rt[..., wp * c:] = 0  # the columns past the padded input's last one
        tile_rows = [rt[i].transpose(1, 2, 0, 3)[..., :wp * c] for i in range(a)]
        if r == 3:  # B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
            np.subtract(here[:, :, 0], below[:, :, 0], out=tile_rows[0])
            np.add(here[:, :, 1], below[:, :, 0], out=tile_rows[1])
            np.subtract(below[:, :, 0], here[:, :, 1], out=tile_rows[2])
            np.subtract(here[:, :, 1], below[:, :, 1], out=tile_rows[3])
        else:  # B^T = [[1, -1, 0], [0, 1, 0], [0, 1, -1]]
            np.subtract(here[:, :, 0], here[:, :, 1], out=tile_rows[0])
            tile_rows[1][...] = here[:, :, 1]
            np.subtract(here[:, :, 1], below[:, :, 0], out=tile_rows[2])
        # Column pass, (B^T d) B, as long operations over every column j, which NumPy runs much
        # faster than operations over every other tile. For r = 3, col j - col (j + 2 dw) is
        # cell 0 of a tile at its first column and cell 3 at its second, and the two others
        # give cells 1 and 2 at the first column; for r = 2, col j - col (j + dw) is cell 0 at
        # the first column and cell 2 at the second, and cell 1 is rt itself at the second.
        # Columns near a row's end mix two rows: they feed the unused tiles only.
        rt = rt.reshape(a, -1)
        size, k = rt.shape[1], dw * c
        if r == 3:
            ct = col_t[:3 * rt.size].reshape(3, 4, size)
            np.subtract(rt[:, :size - 2 * k], rt[:, 2 * k:], out=ct[0, :, :size - 2 * k])
            np.add(rt[:, k:size - k], rt[:, 2 * k:], out=ct[1, :, :size - 2 * k])
            np.subtract(rt[:, 2 * k:], rt[:, k:size - k], out=ct[2, :, :size - 2 * k])
            ct[:, :, size - 2 * k:] = 0  # read by unused tiles only; zero, not what memory held
        else:
            ct = col_t[:rt.size].reshape(1, 3, size)
            np.subtract(rt[:, :size - k], rt[:, k:], out=ct[0, :, :size - k])
            ct[0, :, size - k:] = 0
        # The products M[i, j] = V[i, j] @ U[i, j], over (tiles, C) views of ct (and of rt for
        # r = 2), one for each column offset s: column 2 dw b + dw p + s of row (s', image, t)
        # is cell p of tile (t, b).
        def tiles(arr):
            v = arr.reshape(-1, a, dh, bn, ga, groups_w + 1, 2, dw, c).transpose(0, 1, 6, 7, 2, 3, 4, 5, 8)
            return v.reshape(-1, a, 2, dw, t, c)
        v = tiles(ct)
        mm = m[:a * a * dw * t * f].reshape(a, a, dw, t, f)
        if r == 3:
            np.matmul(v[0], u[:, 0::3], out=mm[:, 0::3])
            np.matmul(v[1, :, 0], u[:, 1], out=mm[:, 1])
            np.matmul(v[2, :, 0], u[:, 2], out=mm[:, 2])
        else:
            np.matmul(v[0], u[:, 0::2], out=mm[:, 0::2])
            np.matmul(tiles(rt)[0, :, 1], u[:, 1], out=mm[:, 1])
        # Output transform A^T M A as one product, then every tile's 2 x 2 into place.
        yy = y[:4 * dw * t * f].reshape(4, -1)
        np.matmul(a_kron, mm.reshape(a * a, -1), out=yy)
        yy = yy.reshape(2, 2, dw, dh, bn, ga, groups_w + 1, f)[..., :groups_w, :].transpose(4, 5, 0, 3, 6, 1, 2, 7)
        dst = out[images, first: first + 2 * dh * ga]
        if dst.shape[1:3] == (2 * dh * ga, 2 * dw * groups_w):
            dst.reshape(bn, ga, 2, dh, groups_w, 2, dw, f)[...] = yy
        else:  # the last tiles hang over the output: through the whole grid of tiles
            grid = _scratch("grid", yy.size, dtype).reshape(yy.shape)
            grid[...] = yy
            dst[...] = grid.reshape(bn, 2 * dh * ga, 2 * dw * groups_w, f)[:, :dst.shape[1], :out_w]
    return out


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
