"""Backward passes of the layers of a small CNN, and a finite-difference gradient checker.

Every `*_backward` function takes `dout`, the gradient of a scalar loss L with
respect to the layer's output (same shape as that output), together with what
the forward pass saw, and returns the gradient of L with respect to each input
of the layer. The shapes follow the forward functions of convlib (Keras layout).

The two facts this module is built on (for one spatial axis, stride s,
dilation d, kernel size f; `xp` is the padded input)::

    forward:   out[i]  = sum_u xp[i*s + u*d] * k[u]
    kernel:    dk[u]   = sum_i xp[i*s + u*d] * dout[i]     a correlation of xp with dout
    input:     dxp[p]  = sum_{i, u : i*s + u*d = p} dout[i] * k[u]
                       = a 'full' correlation of dout (with s - 1 zeros inserted
                         between its cells) with the flipped kernel, dilated by d

so the gradients of a convolution are themselves convolutions, and
`conv2d_backward` computes them with `conv2d`. The input gradient is the transposed
convolution of dout (`convlib.conv2d_transpose`).
"""
import numpy as np

from ._validate import as_array, float_dtype, padding_spec, positive_pair
from .activations import softmax
from .arithmetic import axis_padding, same_padding
from .conv import _prepare, conv2d
from .pooling import _windows

__all__ = [
    "conv2d_backward", "conv2d_backward_naive", "max_pool2d_backward", "avg_pool2d_backward",
    "relu_backward", "dense", "dense_backward", "softmax_cross_entropy",
    "numerical_gradient", "check_gradient", "GradientCheck",
]


# ----------------------------------------------------------------------------- helpers

def _as_4d(a):
    """(H, W) -> (1, H, W, 1), (H, W, C) -> (1, H, W, C), (N, H, W, C) unchanged."""
    return {2: lambda: a[None, :, :, None], 3: lambda: a[None], 4: lambda: a}[a.ndim]()


def _from_4d(a4, like):
    """Inverse of _as_4d for an array shaped like `like`."""
    return {2: lambda: a4[0, :, :, 0], 3: lambda: a4[0], 4: lambda: a4}[like.ndim]()


def _check_dout(dout, expected_shape, what):
    dout = as_array(dout, "dout")
    if dout.shape != tuple(expected_shape):
        raise ValueError(
            f"dout must have the shape of the {what} output, {tuple(expected_shape)}; got {dout.shape}. "
            "Pass the gradient of the loss with respect to this layer's output."
        )
    return dout


def _conv_setup(dout, x, kernel, strides, padding, dilation_rate):
    """Validate like conv2d; return 4-D padded x, 4-D kernel, 4-D dout, the geometry and the padding."""
    x = as_array(x, "x")
    kernel = as_array(kernel, "kernel")
    xp, k, geometry, finish = _prepare(x, kernel, None, strides, padding, dilation_rate)
    (sh, sw), (kh, kw) = geometry["strides"], geometry["span"]
    out_shape = finish(np.empty((xp.shape[0], (xp.shape[1] - kh) // sh + 1,
                                 (xp.shape[2] - kw) // sw + 1, k.shape[3]))).shape
    dout = _check_dout(dout, out_shape, "conv2d")
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    H, W = _as_4d(x).shape[1:3]
    pads = (axis_padding(ph, H, k.shape[0], sh, geometry["dilation"][0]),
            axis_padding(pw, W, k.shape[1], sw, geometry["dilation"][1]))
    d4 = dout if kernel.ndim == 4 and x.ndim == 4 else (
        dout[None, :, :, None] if dout.ndim == 2 else dout[None])
    return x, kernel, xp, k, d4.astype(xp.dtype, copy=False), geometry, pads


# ----------------------------------------------------------------------------- convolution

def conv2d_backward(dout, x, kernel, strides=1, padding="valid", dilation_rate=1):
    """Gradients of conv2d(x, kernel, bias, strides, padding, dilation_rate).

    - dbias: dout summed over every axis except the filters.
    - dkernel: the correlation of the padded input with dout used as a kernel (its
      stride is the layer's dilation and its dilation the layer's stride).
    - dx: the 'full' correlation of dout, with strides - 1 zeros inserted between
      neighbouring cells (and zeros for input cells that no window read), with the
      kernel flipped in both spatial axes and its in/out channel axes swapped; then
      the padding is cut off. This is the transposed convolution of dout.

    Parameters
    ----------
    dout : array_like
        (N, H', W', F), the gradient of the loss with respect to conv2d's output.
    x : array_like
        (N, H, W, C), or (H, W, C), or (H, W): the input the forward pass saw.
    kernel : array_like
        (fh, fw, C, F), or (fh, fw) for a 2-D x.
    strides, padding, dilation_rate
        As for conv2d.

    Returns
    -------
    dx, dkernel, dbias : numpy.ndarray
        Shaped like x, like kernel, and (F,).

    Raises
    ------
    ValueError
        If the arguments are invalid for conv2d, or dout does not have the shape of
        conv2d's output.

    Examples
    --------
    >>> dx, dk, db = conv2d_backward(np.ones((2, 2)), np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    >>> dx
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dk, db
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    x, kernel, xp, k, d4, geometry, pads = _conv_setup(dout, x, kernel, strides, padding, dilation_rate)
    (sh, sw), (dh, dw) = geometry["strides"], geometry["dilation"]
    fh, fw, c, n_filters = k.shape
    n, hp, wp, _ = xp.shape
    out_h, out_w = d4.shape[1:3]

    dbias = d4.sum(axis=(0, 1, 2))

    # dkernel[u, v, c, f] = sum_{n,i,j} xp[n, i*sh + u*dh, j*sw + v*dw, c] * dout[n, i, j, f]:
    # channels c play the role of the batch, the batch n the role of input channels.
    corr = conv2d(xp.transpose(3, 1, 2, 0), d4.transpose(1, 2, 0, 3),
                  strides=(dh, dw), dilation_rate=(sh, sw))
    dkernel = corr[:, :fh, :fw, :].transpose(1, 2, 0, 3)  # rows past fh would be leftover cells

    # dx: insert sh - 1 zeros between rows of dout (sw - 1 between columns); rows that no
    # window reached (when the stride does not divide evenly) stay zero.
    span_h, span_w = (fh - 1) * dh, (fw - 1) * dw
    spread = np.zeros((n, hp - span_h, wp - span_w, n_filters), dtype=xp.dtype)
    spread[:, : (out_h - 1) * sh + 1: sh, : (out_w - 1) * sw + 1: sw, :] = d4
    flipped = k[::-1, ::-1].transpose(0, 1, 3, 2)  # (fh, fw, F, C)
    dxp = conv2d(spread, flipped, padding="full", dilation_rate=(dh, dw))  # (n, hp, wp, C)
    (top, _), (left, _) = pads
    H, W = _as_4d(x).shape[1:3]
    dx4 = dxp[:, top: top + H, left: left + W, :]

    dkernel = dkernel[:, :, 0, 0] if kernel.ndim == 2 else dkernel
    return _from_4d(dx4, x), dkernel, dbias


def conv2d_backward_naive(dout, x, kernel, strides=1, padding="valid", dilation_rate=1):
    """The same gradients as conv2d_backward, as loops that mirror the forward formula (slow).

    The forward pass added xp[window] * kernel into out[i, j]; the backward pass sends
    dout[i, j] back along the same connections::

        dxp[window]  += dout[i, j] * kernel
        dkernel      += dout[i, j] * xp[window]

    Arguments, shapes and errors as for conv2d_backward.
    """
    x, kernel, xp, k, d4, geometry, pads = _conv_setup(dout, x, kernel, strides, padding, dilation_rate)
    (sh, sw), (dh, dw) = geometry["strides"], geometry["dilation"]
    fh, fw, _, n_filters = k.shape
    dxp = np.zeros_like(xp)
    dk = np.zeros_like(k)
    for n in range(d4.shape[0]):
        for i in range(d4.shape[1]):
            for j in range(d4.shape[2]):
                rows = slice(i * sh, i * sh + (fh - 1) * dh + 1, dh)
                cols = slice(j * sw, j * sw + (fw - 1) * dw + 1, dw)
                for f in range(n_filters):
                    dxp[n, rows, cols, :] += d4[n, i, j, f] * k[:, :, :, f]
                    dk[:, :, :, f] += d4[n, i, j, f] * xp[n, rows, cols, :]
    (top, _), (left, _) = pads
    H, W = _as_4d(x).shape[1:3]
    dk = dk[:, :, 0, 0] if kernel.ndim == 2 else dk
    return _from_4d(dxp[:, top: top + H, left: left + W, :], x), dk, d4.sum(axis=(0, 1, 2))


# ----------------------------------------------------------------------------- pooling

def _pool_backward(dout, x, pool_size, strides, padding, share):
    """Send each window's dout back to its cells, cell (u, v) of a window getting the
    fraction share(windows)[..., u, v] of it."""
    x = as_array(x, "x")
    win, finish = _windows(x, pool_size, strides, padding, -np.inf)  # (N, H', W', C, ph, pw)
    ph, pw = positive_pair(pool_size, "pool_size")
    sh, sw = positive_pair(pool_size if strides is None else strides, "strides")
    dout = _check_dout(dout, finish(win[..., 0, 0]).shape, "pooling")
    d4 = _as_4d(dout).astype(win.dtype, copy=False)
    weights = share(win)
    x4 = _as_4d(x)
    H, W = x4.shape[1:3]
    pads = (same_padding(H, ph, sh), same_padding(W, pw, sw)) if padding.lower() == "same" else ((0, 0), (0, 0))
    out_h, out_w = d4.shape[1:3]
    dxp = np.zeros((x4.shape[0], H + sum(pads[0]), W + sum(pads[1]), x4.shape[3]), dtype=win.dtype)
    for u in range(ph):
        for v in range(pw):  # cell (u, v) of window (i, j) is padded-input cell (i*sh + u, j*sw + v)
            dxp[:, u: u + (out_h - 1) * sh + 1: sh, v: v + (out_w - 1) * sw + 1: sw, :] += d4 * weights[..., u, v]
    (top, _), (left, _) = pads
    return _from_4d(dxp[:, top: top + H, left: left + W, :], x)


def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding="valid"):
    """Gradient of max_pool2d(x, pool_size, strides, padding) with respect to x.

    Shapes: x (N, H, W, C) (or (H, W), (H, W, C)), dout (N, H', W', C) -> dx like x.
    Each window passes its dout to the cell that won the max and nothing to the
    others; when several cells tie, the first in reading order gets it. Where
    windows overlap, a cell collects the gradient of every window it won.
    """
    def winner(win):
        flat = win.reshape(*win.shape[:4], -1)
        first = flat.argmax(axis=-1)[..., None]  # index of the first maximum
        return (np.arange(flat.shape[-1]) == first).reshape(win.shape)

    return _pool_backward(dout, x, pool_size, strides, padding, winner)


def avg_pool2d_backward(dout, x, pool_size=2, strides=None, padding="valid"):
    """Gradient of avg_pool2d(x, pool_size, strides, padding) with respect to x.

    Shapes as for max_pool2d_backward. Each window shares its dout equally among
    its real cells (padded cells are not counted, as in the forward pass).
    """
    def equal_share(win):
        real, _ = _windows(np.ones(np.shape(x)), pool_size, strides, padding, 0)
        return real / real.sum(axis=(-2, -1), keepdims=True)

    return _pool_backward(dout, x, pool_size, strides, padding, equal_share)


# ----------------------------------------------------------------------------- activations, dense, loss

def relu_backward(dout, x):
    """Gradient of relu(x): dout where x > 0, else 0 (the slope at exactly 0 is taken as 0)."""
    x = as_array(x, "x")
    dout = _check_dout(dout, x.shape, "relu (the shape of x)")
    return dout * (x > 0)


def _check_dense_shapes(x, kernel):
    if x.ndim != 2 or kernel.ndim != 2 or x.shape[1] != kernel.shape[0]:
        raise ValueError(
            f"dense needs x of shape (N, D) and kernel of shape (D, M) with the same D; "
            f"got x {x.shape} and kernel {kernel.shape}. Flatten x first with x.reshape(len(x), -1)."
        )


def dense(x, kernel, bias=None):
    """A Dense (fully connected) layer: x (N, D) @ kernel (D, M) + bias (M,) -> (N, M)."""
    x, kernel = as_array(x, "x"), as_array(kernel, "kernel")
    _check_dense_shapes(x, kernel)
    out = x @ kernel
    if bias is not None:
        bias = as_array(bias, "bias")
        if bias.shape != (kernel.shape[1],):
            raise ValueError(f"bias must have shape ({kernel.shape[1]},), one value per unit; got {bias.shape}.")
        out = out + bias
    return out


def dense_backward(dout, x, kernel):
    """Gradients of dense(x, kernel, bias).

    x (N, D), kernel (D, M), dout (N, M) -> dx (N, D) = dout @ kernel.T,
    dkernel (D, M) = x.T @ dout, dbias (M,) = dout summed over the batch.
    """
    x, kernel = as_array(x, "x"), as_array(kernel, "kernel")
    _check_dense_shapes(x, kernel)
    dout = _check_dout(dout, (x.shape[0], kernel.shape[1]), "dense")
    return dout @ kernel.T, x.T @ dout, dout.sum(axis=0)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    ``loss = mean_n -log softmax(logits[n])[labels[n]]`` and
    ``dlogits = (softmax(logits) - one_hot(labels)) / N``: the same loss as
    keras.losses.SparseCategoricalCrossentropy(from_logits=True).

    Parameters
    ----------
    logits : array_like
        (N, K): one score per class for each example, before softmax.
    labels : array_like of int
        (N,) class indices 0 .. K - 1.

    Returns
    -------
    loss : float
    dlogits : numpy.ndarray
        (N, K), the gradient of the loss with respect to the logits.

    Raises
    ------
    ValueError
        If logits is not 2-D, or labels are not N integers in 0 .. K - 1.
    """
    logits = as_array(logits, "logits")
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, classes); got shape {logits.shape}.")
    if labels.shape != (logits.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be {logits.shape[0]} integer class indices (shape ({logits.shape[0]},)); "
            f"got shape {labels.shape} and dtype {labels.dtype}. One-hot labels? Use labels.argmax(axis=1)."
        )
    n, k = logits.shape
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must lie in 0..{k - 1} for {k} classes; got values from {labels.min()} to {labels.max()}.")
    logits = logits.astype(float_dtype(logits), copy=False)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), labels].mean()
    dlogits = softmax(logits, axis=1)
    dlogits[np.arange(n), labels] -= 1
    return float(loss), dlogits / n


# ----------------------------------------------------------------------------- gradient checking

def numerical_gradient(f, x, eps=1e-6):
    """Central finite differences of a scalar function f at the array x.

    grad[idx] = (f(x + eps e_idx) - f(x - eps e_idx)) / (2 eps), one entry at a time,
    computed in float64. f receives a float64 copy of x that it must not keep.
    """
    x = as_array(x, "x").astype(np.float64)  # a copy
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool) and eps > 0):
        raise ValueError(f"eps must be a small positive number such as 1e-6; got {eps!r}.")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = _scalar(f(x))
        x[idx] = old - eps
        f_minus = _scalar(f(x))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value):
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(
            f"f must return a single number (the loss); it returned an array of shape {arr.shape}. "
            "To check a layer, return e.g. np.sum(layer(x) * dout) for a fixed random dout."
        )
    return float(arr.reshape(()))


class GradientCheck:
    """The outcome of check_gradient: `ok`, the errors, and where the worst mismatch is.

    ``relative_error = norm(analytic - numerical) / (norm(analytic) + norm(numerical))``
    (0 when they agree, 1 when one of them is zero and the other is not, up to 2).
    """

    def __init__(self, analytic, numerical, tol):
        self.analytic, self.numerical, self.tol = analytic, numerical, tol
        diff = np.abs(analytic - numerical)
        self.max_abs_error = float(diff.max()) if diff.size else 0.0
        scale = np.linalg.norm(analytic) + np.linalg.norm(numerical)
        self.relative_error = float(np.linalg.norm(analytic - numerical) / scale) if scale > 0 else 0.0
        self.worst_index = np.unravel_index(diff.argmax(), diff.shape) if diff.size else ()
        self.worst_index = tuple(int(i) for i in self.worst_index)
        self.ok = self.relative_error <= tol

    def __bool__(self):
        return self.ok

    def __repr__(self):
        if self.ok:
            return (f"GradientCheck(ok=True): relative error {self.relative_error:.1e} <= {self.tol:.0e} "
                    f"(largest |analytic - numerical| = {self.max_abs_error:.1e})")
        i = self.worst_index
        hint = ""
        if np.allclose(self.analytic, -self.numerical, rtol=1e-3, atol=1e-8):
            hint = " The two are opposite: a sign is flipped."
        elif np.allclose(self.analytic, 2 * self.numerical, rtol=1e-3, atol=1e-8) or \
                np.allclose(2 * self.analytic, self.numerical, rtol=1e-3, atol=1e-8):
            hint = " One is twice the other: a factor 2 is missing or extra."
        return (f"GradientCheck(ok=False): relative error {self.relative_error:.1e} > {self.tol:.0e}. "
                f"Largest mismatch at index {i}: analytic {self.analytic[i]:.6g}, "
                f"numerical {self.numerical[i]:.6g}.{hint}")


def check_gradient(f, x, grad, eps=1e-6, tol=1e-6):
    """Compare an analytic gradient `grad` of the scalar function f at x with finite differences.

    Returns a GradientCheck: `bool(result)` is True when the relative error is at
    most `tol`; printing it says where the worst mismatch is. Work in float64: with
    float32 the differences themselves are only good to about 1e-3.

    To check a backward pass, pick a random `dout` and use
    ``f = lambda x: np.sum(forward(x) * dout)`` and ``grad = backward(dout, x)``,
    because the gradient of sum(forward(x) * dout) is exactly what backward returns.

    The central difference has a truncation error that shrinks like eps**2, but each
    loss value carries a float64 round-off of about 1e-16 of its size, which the
    difference magnifies to about 1e-16 / eps; near eps = 1e-5 .. 1e-6 the two are
    smallest together.
    """
    x = as_array(x, "x")
    grad = as_array(grad, "grad")
    if grad.shape != x.shape:
        raise ValueError(f"grad must have the shape of x, {x.shape}; got {grad.shape}.")
    if not (isinstance(tol, (int, float)) and not isinstance(tol, bool) and tol > 0):
        raise ValueError(f"tol must be a positive number such as 1e-6; got {tol!r}.")
    numerical = numerical_gradient(f, x, eps)
    return GradientCheck(grad.astype(np.float64), numerical, tol)
