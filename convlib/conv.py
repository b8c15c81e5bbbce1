"""2-D cross-correlation (what Keras calls convolution) and true convolution.

Shapes (Keras layout, NHWC):
    x (H, W)        with kernel (fh, fw)           -> (H', W')
    x (H, W)        with kernel (fh, fw, 1, F)     -> (H', W', F)
    x (H, W, C)     with kernel (fh, fw, C, F)     -> (H', W', F)
    x (N, H, W, C)  with kernel (fh, fw, C, F)     -> (N, H', W', F)

out[n, i, j, f] = bias[f] + sum_{u, v, c} xp[n, i*sh + u*dh, j*sw + v*dw, c] * kernel[u, v, c, f]
where xp is x padded as `padding` says.
"""
import numpy as np

from ._validate import as_array, float_dtype, padding_spec, positive_pair
from .arithmetic import axis_padding, effective_kernel_size


def pad2d(x, padding, value=0):
    """Pad the two spatial axes of x ((H, W), (H, W, C) or (N, H, W, C)) with `value`.

    `padding` is an int p (p on every side), a pair (p_rows, p_cols), or
    ((top, bottom), (left, right)).
    """
    x = as_array(x, "x")
    _spatial_axes(x, "x")
    spec = padding_spec(padding)
    if isinstance(spec, str):
        raise ValueError(
            f"pad2d needs explicit amounts (an int, a pair or ((top, bottom), (left, right))); "
            f"got the mode {padding!r}. Use same_padding() to find the amounts Keras uses for 'same'."
        )
    widths = [(0, 0)] * x.ndim
    row_axis = 0 if x.ndim <= 3 else 1
    widths[row_axis], widths[row_axis + 1] = spec
    if np.issubdtype(x.dtype, np.integer) and not float(value).is_integer():
        x = x.astype(np.float64)
    return np.pad(x, widths, mode="constant", constant_values=value)


def _spatial_axes(x, name):
    if x.ndim not in (2, 3, 4):
        raise ValueError(
            f"{name} must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); "
            f"got {x.ndim} dims with shape {x.shape}."
        )


def _prepare(x, kernel, bias, strides, padding, dilation_rate):
    """Validate the arguments; return a 4-D padded input, a 4-D kernel and how to shape the result."""
    x = as_array(x, "x")
    kernel = as_array(kernel, "kernel")
    _spatial_axes(x, "x")
    if kernel.ndim not in (2, 4):
        hint = " For one filter over C channels use kernel[..., None] (shape (fh, fw, C, 1))." if kernel.ndim == 3 else ""
        raise ValueError(
            f"kernel must have 2 dims (fh, fw) or 4 dims (fh, fw, in_channels, filters); "
            f"got shape {kernel.shape}.{hint}"
        )
    squeeze_channels = kernel.ndim == 2
    if squeeze_channels:
        if x.ndim != 2:
            raise ValueError(
                f"a 2-D kernel {kernel.shape} is for a 2-D (H, W) input; x has shape {x.shape}. "
                "For channels, give the kernel as (fh, fw, in_channels, filters)."
            )
        kernel = kernel[:, :, None, None]
    batched = x.ndim == 4
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    if x4.shape[3] != kernel.shape[2]:
        raise ValueError(
            f"channel mismatch: x has {x4.shape[3]} channel(s) (shape {x.shape}) but kernel expects "
            f"in_channels={kernel.shape[2]} (shape {kernel.shape}). The kernel's third axis must equal "
            "the input's last axis."
        )
    if kernel.shape[0] < 1 or kernel.shape[1] < 1:
        raise ValueError(f"kernel must be at least 1x1; got shape {kernel.shape}.")
    sh, sw = positive_pair(strides, "strides")
    dh, dw = positive_pair(dilation_rate, "dilation_rate")
    fh, fw, _, n_filters = kernel.shape
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    H, W = x4.shape[1:3]
    (top, bottom), (left, right) = axis_padding(ph, H, fh, sh, dh), axis_padding(pw, W, fw, sw, dw)
    kh, kw = effective_kernel_size(fh, dh), effective_kernel_size(fw, dw)
    if kh > H + top + bottom or kw > W + left + right:
        raise ValueError(
            f"the kernel ({fh}x{fw}, dilation_rate=({dh}, {dw}): span {kh}x{kw}) is larger than the "
            f"padded input ({H + top + bottom}x{W + left + right} from {H}x{W} with padding={padding!r}); "
            "use a smaller kernel or dilation, more padding, or padding='same'."
        )
    if bias is not None:
        bias = as_array(bias, "bias").reshape(-1) if np.ndim(bias) <= 1 else as_array(bias, "bias")
        if bias.ndim != 1 or bias.shape[0] != n_filters:
            raise ValueError(
                f"bias must hold one value per filter ({n_filters}); got shape {np.shape(bias)}."
            )
    dtype = float_dtype(x4, kernel, *([bias] if bias is not None else []))
    xp = np.pad(x4.astype(dtype, copy=False), ((0, 0), (top, bottom), (left, right), (0, 0)))
    geometry = dict(strides=(sh, sw), dilation=(dh, dw), span=(kh, kw))

    def finish(out):
        if bias is not None:
            out = out + bias.astype(dtype)
        if squeeze_channels:
            return out[0, :, :, 0]
        return out if batched else out[0]

    return xp, kernel.astype(dtype, copy=False), geometry, finish


def _out_hw(xp, geometry):
    (sh, sw), (kh, kw) = geometry["strides"], geometry["span"]
    return (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1


def conv2d_naive(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """Cross-correlation written as loops that mirror the formula (slow; for reading)."""
    xp, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, dilation_rate)
    (sh, sw), (dh, dw) = geometry["strides"], geometry["dilation"]
    fh, fw, _, n_filters = k.shape
    out_h, out_w = _out_hw(xp, geometry)
    out = np.zeros((xp.shape[0], out_h, out_w, n_filters), dtype=xp.dtype)
    for n in range(xp.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                # The window under output cell (i, j): every dh-th row, every dw-th column.
                patch = xp[n, i * sh: i * sh + (fh - 1) * dh + 1: dh,
                              j * sw: j * sw + (fw - 1) * dw + 1: dw, :]
                for f in range(n_filters):
                    out[n, i, j, f] = np.sum(patch * k[:, :, :, f])
    return finish(out)


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """Cross-correlation, as keras.layers.Conv2D computes it before its activation.

    Vectorised with im2col: gather every window into a row of a matrix, then
    one matrix product with the kernel reshaped to (fh * fw * C, F).
    """
    xp, k, geometry, finish = _prepare(x, kernel, bias, strides, padding, dilation_rate)
    (sh, sw), (dh, dw), (kh, kw) = geometry["strides"], geometry["dilation"], geometry["span"]
    fh, fw, c, n_filters = k.shape
    out_h, out_w = _out_hw(xp, geometry)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    # windows: (N, H'', W'', C, kh, kw); keep the strided positions and the dilated taps.
    windows = windows[:, : (out_h - 1) * sh + 1: sh, : (out_w - 1) * sw + 1: sw, :, ::dh, ::dw]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, fh * fw * c)
    out = cols @ k.reshape(fh * fw * c, n_filters)
    return finish(out.reshape(xp.shape[0], out_h, out_w, n_filters))


def convolve2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """True convolution: flip the kernel in both spatial axes, then cross-correlate.

    Equals scipy.signal.convolve2d for 2-D inputs. CNN layers compute conv2d
    (no flip); with learned kernels the difference is only a relabelling.
    """
    k = as_array(kernel, "kernel")
    flipped = k[::-1, ::-1] if k.ndim >= 2 else k  # conv2d explains a kernel of the wrong shape
    return conv2d(x, flipped, bias, strides, padding, dilation_rate)
