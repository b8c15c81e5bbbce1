"""Transposed convolution (Keras' Conv2DTranspose): every input cell scatters a copy of the kernel.

conv2d slides a window over its input and sums each window into one output cell.
conv2d_transpose runs the same connections the other way: input cell (i, j) adds
its value times the kernel into the output, the copy starting at row i*sh and
column j*sw, and overlapping copies add up. With a stride s > 1 the copies start
s cells apart, so a small input becomes a larger output (upsampling).

Shapes (Keras layout, NHWC; the kernel as keras.layers.Conv2DTranspose stores it,
(fh, fw, C_out, C_in), that is output channels before input channels)::

    x (H, W)           with kernel (fh, fw)                 -> (H', W')
    x (H, W)           with kernel (fh, fw, C_out, 1)       -> (H', W', C_out)
    x (H, W, C_in)     with kernel (fh, fw, C_out, C_in)    -> (H', W', C_out)
    x (N, H, W, C_in)  with kernel (fh, fw, C_out, C_in)    -> (N, H', W', C_out)

The formula::

    full[n, i*sh + u*dh, j*sw + v*dw, o] += x[n, i, j, c] * kernel[u, v, o, c]
    out = rows top .. top + H' - 1 and columns left .. left + W' - 1 of full
          (zeros where they run past full), plus bias[o]

with H' from conv_transpose_output_size and `top` the padding that a conv2d with
input size H' would add above. The result is the gradient of that conv2d with
respect to its input: conv2d_transpose(x, kernel, ...) equals
conv2d_backward(x, z, kernel, ...)[0] for any z of shape (N, H', W', C_out),
because the kernel (fh, fw, C_out, C_in) is conv2d's kernel of a convolution
from C_out channels to C_in channels.
"""
import numpy as np

from ._validate import as_array, float_dtype, guard_size, is_int, padding_spec, positive_pair
from .arithmetic import axis_padding, effective_kernel_size
from .conv import _use_winograd, _winograd, conv2d

__all__ = ["conv2d_transpose", "conv2d_transpose_naive", "conv_transpose_output_size"]

_CHUNK_BYTES = 1 << 20  # conv2d_transpose's phases, computed together, a chunk of images this big at a time


def conv_transpose_output_size(n, f, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Number of output cells along one axis of a transposed convolution (Keras' rule).

    With k = d(f - 1) + 1 the span of the dilated kernel, s the stride and a the
    output padding:

    - 'same': n * s when `output_padding` is None, else (n - 1) s + (k mod 2) + a;
    - 'valid', 'full', an int p or a (before, after) pair, that is the padding p_b,
      p_a of the matching convolution: (n - 1) s + k - p_b - p_a + a, where a = None
      means max(s - k, 0) (so that the copies cover at least n * s cells, as Keras does).

    A convolution with stride s maps s neighbouring input sizes to the same output
    size n (the floor in its formula), so the transposed convolution cannot know which
    one to return: `output_padding` (0 .. s - 1) chooses, by adding that many rows at
    the bottom (columns at the right).

    Parameters
    ----------
    n : int
        Input size along the axis (the convolution's output size), >= 1.
    f : int
        Kernel size along the axis, >= 1.
    strides : int
        Stride s, >= 1.
    padding : {'valid', 'same', 'full'} or int or (int, int)
        The padding of the convolution that this one transposes.
    output_padding : int or None
        a, between 0 and s - 1 (for 'same' with an even span k, between 1 and s - 1).
    dilation_rate : int
        d, >= 1.

    Returns
    -------
    int
        The output size; a convolution with the same f, strides, padding and
        dilation_rate maps an input of this size back to n cells.

    Raises
    ------
    ValueError
        If an argument is not a positive whole number (n, f, strides, dilation_rate),
        `padding` is not a valid padding, `output_padding` is outside the range
        above, or the padding leaves no output cell.

    Examples
    --------
    Two input sizes, 7 and 8, give a 3-cell output with f = 3, s = 2; output_padding
    says which one to go back to:

    >>> conv_transpose_output_size(3, 3, strides=2, output_padding=0)
    7
    >>> conv_transpose_output_size(3, 3, strides=2, output_padding=1)
    8
    >>> conv_transpose_output_size(3, 3, strides=2, padding="same")
    6
    """
    n = _positive(n, "n")
    f = _positive(f, "f")
    s = _positive(strides, "strides")
    d = _positive(dilation_rate, "dilation_rate")
    k = effective_kernel_size(f, d)
    mode = padding_spec(padding) if isinstance(padding, str) else None
    if output_padding is not None and not (is_int(output_padding) and 0 <= output_padding < s):
        raise ValueError(
            f"output_padding must be None or a whole number from 0 to strides - 1 = {s - 1}; "
            f"got {output_padding!r}."
        )
    if mode == "same":
        if output_padding is None:
            return n * s
        size = (n - 1) * s + k % 2 + output_padding
        if size <= (n - 1) * s:  # a 'same' convolution with stride s would give n - 1 cells, not n
            raise ValueError(
                f"output_padding=0 with padding='same' and an even kernel span (f={f}, dilation_rate={d}: "
                f"span {k}) gives {size} cells, which a 'same' convolution with strides={s} does not map "
                f"back to n={n}; use " + ("None." if s == 1 else f"None or a value from 1 to strides - 1 = {s - 1}.")
            )
        return size
    before, after = axis_padding(padding, 1, f, s, d)
    extra = max(s - k, 0) if output_padding is None else output_padding
    size = (n - 1) * s + k - before - after + extra
    if size < 1:
        raise ValueError(
            f"padding={padding!r} removes more than the {(n - 1) * s + k + extra} cells that "
            f"n={n} input cells give with f={f}, strides={s}, dilation_rate={d}; use less padding."
        )
    return size


def _positive(value, name):
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive whole number (1, 2, ...); got {value!r}.")
    return int(value)


def _axis_pair(value, name):
    """output_padding as (rows, cols): None, an int, or a pair of ints/Nones."""
    if value is None or is_int(value):
        return value, value
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(v is None or is_int(v) for v in value):
        return value[0], value[1]
    raise ValueError(f"{name} must be None, a whole number or a pair (rows, cols) of them; got {value!r}.")


def _prepare(x, kernel, bias, strides, padding, output_padding, dilation_rate):
    """Validate; return 4-D x, 4-D kernel, strides, dilation, output size, crop offsets, finish."""
    x, kernel = as_array(x, "x"), as_array(kernel, "kernel")
    if x.ndim not in (2, 3, 4) or 0 in x.shape:
        raise ValueError(
            f"x must be a non-empty array of 2 dims (H, W), 3 dims (H, W, C_in) or 4 dims (N, H, W, C_in); "
            f"got shape {x.shape}."
        )
    if kernel.ndim not in (2, 4) or 0 in kernel.shape:
        raise ValueError(
            f"kernel must be a non-empty array of 2 dims (fh, fw) or 4 dims (fh, fw, C_out, C_in), "
            f"the layout of keras.layers.Conv2DTranspose; got shape {kernel.shape}."
        )
    squeeze = kernel.ndim == 2
    if squeeze:
        if x.ndim != 2:
            raise ValueError(
                f"a 2-D kernel {kernel.shape} is for a 2-D (H, W) input; x has shape {x.shape}. "
                "For channels, give the kernel as (fh, fw, C_out, C_in)."
            )
        kernel = kernel[:, :, None, None]
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    if x4.shape[3] != kernel.shape[3]:
        raise ValueError(
            f"channel mismatch: x has {x4.shape[3]} channel(s) (shape {x.shape}) but the kernel's last axis "
            f"(C_in) is {kernel.shape[3]} (shape {kernel.shape}). A Conv2DTranspose kernel is "
            "(fh, fw, C_out, C_in): output channels come before input channels."
        )
    fh, fw, c_out, _ = kernel.shape
    sh, sw = positive_pair(strides, "strides")
    dh, dw = positive_pair(dilation_rate, "dilation_rate")
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    oph, opw = _axis_pair(output_padding, "output_padding")
    h, w = x4.shape[1:3]
    sizes = []
    for axis, n, f, s, p, a, d in (("rows", h, fh, sh, ph, oph, dh), ("columns", w, fw, sw, pw, opw, dw)):
        try:
            sizes.append(conv_transpose_output_size(n, f, s, p, a, d))
        except ValueError as exc:
            raise ValueError(f"along the {axis} of x (shape {x.shape}, kernel {kernel.shape}): {exc}") from None
    out_h, out_w = sizes
    # The rows that the matching convolution's padding added above (left of) its input.
    top, left = axis_padding(ph, out_h, fh, sh, dh)[0], axis_padding(pw, out_w, fw, sw, dw)[0]
    if bias is not None:
        bias = as_array(bias, "bias")
        bias = bias.reshape(-1) if bias.ndim == 0 else bias
        if bias.shape != (c_out,):
            raise ValueError(f"bias must hold one value per output channel, shape ({c_out},); got shape {bias.shape}.")
    dtype = float_dtype(x4, kernel, *([bias] if bias is not None else []))

    def finish(out):
        if bias is not None:
            out = out + bias.astype(dtype)
        if squeeze:
            return out[0, :, :, 0]
        return out if x.ndim == 4 else out[0]

    geometry = dict(strides=(sh, sw), dilation=(dh, dw), out=(out_h, out_w), crop=(top, left))
    return x4.astype(dtype, copy=False), kernel.astype(dtype, copy=False), geometry, finish


def _scatter_shape(x4, k, geometry):
    """(N, rows, cols, C_out) of the array the copies are added into: every copy fits, and so
    does the cropped output, whose last rows may lie past every copy (they stay zero)."""
    (sh, sw), (dh, dw), (oh, ow), (top, left) = (geometry[key] for key in ("strides", "dilation", "out", "crop"))
    n, h, w, _ = x4.shape
    fh, fw, c_out, _ = k.shape
    rows = max((h - 1) * sh + (fh - 1) * dh + 1, top + oh)
    cols = max((w - 1) * sw + (fw - 1) * dw + 1, left + ow)
    return n, rows, cols, c_out


def conv2d_transpose_naive(x, kernel, bias=None, strides=1, padding="valid", output_padding=None,
                           dilation_rate=1, *, force=False):
    """Transposed convolution as loops that mirror the formula: each input cell scatters
    value * kernel into the output (slow; for reading).

    Parameters
    ----------
    x, kernel, bias, strides, padding, output_padding, dilation_rate, force
        As for `conv2d_transpose`: x (N, H, W, C_in), (H, W, C_in) or (H, W); kernel
        (fh, fw, C_out, C_in) or (fh, fw); bias (C_out,).

    Returns
    -------
    numpy.ndarray
        The same array as `conv2d_transpose`, (N, H', W', C_out) for a 4-D x.

    Raises
    ------
    ValueError, TypeError
        As `conv2d_transpose`; also when the loops would run more than about 10^7
        multiply-adds, unless `force=True`.

    Examples
    --------
    >>> conv2d_transpose_naive([[1, 2]], [[1, 1, 1]], strides=(1, 2))
    array([[1., 1., 3., 2., 2.]])
    """
    x4, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, output_padding, dilation_rate)
    (sh, sw), (dh, dw), (oh, ow), (top, left) = (geometry[key] for key in ("strides", "dilation", "out", "crop"))
    n, h, w, c_in = x4.shape
    fh, fw, c_out, _ = k.shape
    shape = _scatter_shape(x4, k, geometry)
    guard_size(f"conv2d_transpose_naive with x of shape {np.shape(x)} and kernel {np.shape(kernel)}",
               nbytes=int(np.prod(shape)) * x4.itemsize, loop_multiply_adds=n * h * w * c_in * fh * fw * c_out,
               force=force)
    full = np.zeros(shape, dtype=x4.dtype)
    for b in range(n):
        for i in range(h):
            for j in range(w):
                for c in range(c_in):
                    # Input cell (i, j) adds its value times the kernel; tap (u, v) lands on
                    # row i*sh + u*dh, column j*sw + v*dw, for all C_out output channels at once.
                    full[b, i * sh: i * sh + (fh - 1) * dh + 1: dh,
                            j * sw: j * sw + (fw - 1) * dw + 1: dw, :] += x4[b, i, j, c] * k[:, :, :, c]
    # Cut off what the matching convolution's padding added (top and left), keep H' x W'.
    return finish(full[:, top: top + oh, left: left + ow, :])


def conv2d_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                     *, force=False):
    """Transposed convolution, as keras.layers.Conv2DTranspose computes it before its activation.

    Every input cell adds a copy of the kernel, scaled by its value, into the output;
    copies start `strides` cells apart and add up where they overlap. Vectorised by
    phases: input row i reaches output row o through the tap u with
    i*sh + u*dh = o + top, so the rows o = a*sh + p of one phase p (0 to sh - 1;
    columns alike) receive only the taps with u*dh = p + top (mod sh), and they are an
    ordinary stride-1 ``conv2d`` of x with those taps, reversed. When every phase has
    as many taps (a kernel size that the stride divides), the sh * sw phases are one
    ``conv2d`` with a filter for each phase and output channel, whose result is then
    rearranged (as in a sub-pixel convolution); otherwise each phase is one
    ``conv2d``, written once into its slice of the output.

    Parameters
    ----------
    x : array_like
        (N, H, W, C_in), or (H, W, C_in), or (H, W) for one channel.
    kernel : array_like
        (fh, fw, C_out, C_in), the layout in which keras.layers.Conv2DTranspose stores
        its kernel (output channels first, unlike Conv2D's (fh, fw, C_in, F));
        (fh, fw) for a 2-D x.
    bias : array_like, optional
        (C_out,), added to every output cell of its channel.
    strides : int or (int, int)
        Step between the copies of neighbouring input cells (rows, cols).
    padding : {'valid', 'same', 'full'} or int or pair or ((top, bottom), (left, right))
        The padding of the convolution that this one transposes: the output loses the
        cells that padding would have added ('same' as in Keras: the output is
        H * strides when `output_padding` is None).
    output_padding : int or (int, int) or None
        Extra rows at the bottom (columns at the right), from 0 to strides - 1; chooses
        between the input sizes that a strided convolution maps to the same size. None
        means Keras' default (see conv_transpose_output_size).
    dilation_rate : int or (int, int)
        Spacing of the kernel taps inside each copy. Keras' Conv2DTranspose refuses
        dilation_rate > 1 together with strides > 1 and TensorFlow's CPU kernels refuse
        dilation_rate > 1; here every combination is the gradient of the matching conv2d.
    force : bool, keyword-only
        Compute even a result that needs more than a few GB of memory.

    Returns
    -------
    numpy.ndarray
        (N, H', W', C_out) (no N for a 3-D x; (H', W') for a 2-D x and kernel), float64
        unless every input is float32; H' = conv_transpose_output_size(H, fh, sh, ...).

    Raises
    ------
    ValueError
        Wrong number of dims, an empty array, channel counts that disagree, a bias of the
        wrong shape, invalid strides/padding/output_padding/dilation_rate, or an output
        that would need more than a few GB without `force=True`.
    TypeError
        If x, kernel or bias do not hold numbers.

    Examples
    --------
    A 2 x 2 input, a 3 x 3 kernel of ones and stride 2: the four copies overlap in
    the middle row and column.

    >>> conv2d_transpose([[1, 2], [3, 4]], np.ones((3, 3)), strides=2)
    array([[ 1.,  1.,  3.,  2.,  2.],
           [ 1.,  1.,  3.,  2.,  2.],
           [ 4.,  4., 10.,  6.,  6.],
           [ 3.,  3.,  7.,  4.,  4.],
           [ 3.,  3.,  7.,  4.,  4.]])
    """
    x4, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, output_padding, dilation_rate)
    (sh, sw), (dh, dw), (oh, ow), (top, left) = (geometry[key] for key in ("strides", "dilation", "out", "crop"))
    n, h, w, c_in = x4.shape
    fh, fw, c_out, _ = k.shape
    # The output, a copy of it in phase order, and the input with the zeros around it.
    guard_size(f"conv2d_transpose with x of shape {np.shape(x)} and kernel {np.shape(kernel)}",
               nbytes=(2 * n * oh * ow * c_out + n * (h + fh * dh) * (w + fw * dw) * c_in) * x4.itemsize,
               force=force)
    rows, cols = _phases(oh, top, sh, dh, fh), _phases(ow, left, sw, dw, fw)
    out = np.empty((n, oh, ow, c_out), dtype=x4.dtype)
    together = [_window(axis, size) for axis, size in ((rows, h), (cols, w))]
    if all(together) and len(rows) * len(cols) == min(sh, oh) * min(sw, ow):
        # Every phase has as many taps as the others (as when the stride divides the kernel
        # size): lined up on the input cell that each one reads first, the phases are one
        # conv2d, with a filter for every phase and output channel.
        (rh, pads_h, starts_h), (rw, pads_w, starts_w) = together
        taps_h, taps_w = np.array([p["taps"] for p in rows]), np.array([q["taps"] for q in cols])
        taps = k[taps_h[:, None, :, None], taps_w[None, :, None, :]]
        taps = taps.transpose(2, 3, 5, 0, 1, 4)  # (taps down, taps across, C_in, phase down, phase across, C_out)
        taps = taps.reshape(*taps.shape[:3], -1)
        # A few images at a time, so that the phases' result is never a second whole output.
        step = max(1, _CHUNK_BYTES // (oh * ow * c_out * x4.itemsize))
        for start in range(0, n, step):
            images = slice(start, start + step)
            y = conv2d(x4[images, rh, rw], taps, padding=(pads_h, pads_w),
                       dilation_rate=(rows[0]["dilation"], cols[0]["dilation"]), force=True)
            y = y.reshape(*y.shape[:3], len(rows), len(cols), c_out)
            for i, (p, a) in enumerate(zip(rows, starts_h)):
                for j, (q, b) in enumerate(zip(cols, starts_w)):
                    out[images, p["out"], q["out"]] = y[:, a: a + p["count"], b: b + q["count"], i, j]
        return finish(out)
    out[...] = 0  # for the outputs that no tap reaches, or that read zeros only
    for p in rows:
        for q in cols:
            window = [_window([axis], size) for axis, size in ((p, h), (q, w))]
            if not all(window):
                continue
            (rh, pads_h, _), (rw, pads_w, _) = window
            taps = k[np.ix_(p["taps"], q["taps"])].transpose(0, 1, 3, 2)  # conv2d's (fh, fw, C_in, C_out)
            dilation = (p["dilation"], q["dilation"])
            if _use_winograd(x4[:, rh, rw], taps, (1, 1)):  # straight into the phase's slice of the output
                _winograd(x4[:, rh, rw], taps, (pads_h, pads_w), dilation, out=out[:, p["out"], q["out"]])
            else:
                out[:, p["out"], q["out"]] = conv2d(x4[:, rh, rw], taps, padding=(pads_h, pads_w),
                                                    dilation_rate=dilation, force=True)
    return finish(out)


def _phases(n_out, before, s, d, f):
    """One axis of conv2d_transpose split by output phase: for every p in 0 .. s - 1 whose
    outputs p, p + s, ... receive some tap, a dict with the slice of the output (out), how
    many outputs it has (count), the taps in the order a correlation meets them (taps), the
    input that its output 0 reads at the first tap (first, perhaps outside x) and the
    spacing of the taps in x (dilation).

    Output o = p + s a is full row o + before, which tap u of input i reaches when
    i s + u d = o + before: i = a + (p + before - u d) / s for the taps that make it whole.
    Those taps lie s / g apart and their inputs d / g apart, with g = gcd(s, d).
    """
    phases = []
    for p in range(min(s, n_out)):
        taps = [u for u in range(f) if (p + before - u * d) % s == 0][::-1]  # nearest input first
        if taps:
            phases.append(dict(out=slice(p, None, s), count=-(-(n_out - p) // s), taps=taps,
                               first=(p + before - taps[0] * d) // s, dilation=int(d // np.gcd(s, d))))
    return phases


def _window(phases, n_in):
    """What one stride-1 correlation of x reads for these phases of an axis, which must have
    the same number of taps and spacing, each starting on the input cell it reads first:
    the slice of x, the zeros before and after it, and where each phase's outputs start.
    None when they are not alike, or when every cell they read lies outside x."""
    if len({(len(p["taps"]), p["dilation"]) for p in phases}) != 1:
        return None
    first = min(p["first"] for p in phases)
    # the input that the last output reads at the last tap
    last = max(p["first"] + p["count"] - 1 for p in phases) + (len(phases[0]["taps"]) - 1) * phases[0]["dilation"]
    if last < 0 or first > n_in - 1:
        return None
    return (slice(max(first, 0), min(last, n_in - 1) + 1), (max(-first, 0), max(last - (n_in - 1), 0)),
            [p["first"] - first for p in phases])
