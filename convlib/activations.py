"""Activation functions, elementwise on NumPy arrays.

Each one takes an array of any shape (or a number), integers or floats, and
returns floats of the same shape: float32 for float32 input, otherwise float64.
The examples assume ``import convlib``.
"""
import numbers

import numpy as np

from ._validate import as_array, float_dtype, is_int, shown


def _float(x):
    x = as_array(x, "x")
    return x.astype(float_dtype(x), copy=False)


def relu(x):
    """Rectified linear unit: max(0, x), elementwise.

    Parameters
    ----------
    x : array_like
        Any shape; integers or floats.

    Returns
    -------
    numpy.ndarray
        The shape of ``x``; float32 for a float32 ``x``, otherwise float64.

    Raises
    ------
    TypeError
        If ``x`` is not numeric.

    Examples
    --------
    >>> convlib.relu([-2, -0.5, 0, 1.5])
    array([0. , 0. , 0. , 1.5])
    """
    return np.maximum(_float(x), 0)


def leaky_relu(x, negative_slope=0.3):
    """Leaky ReLU: x for x >= 0 and negative_slope * x for x < 0.

    Parameters
    ----------
    x : array_like
        Any shape; integers or floats.
    negative_slope : float, optional
        Slope for negative inputs, >= 0; 0.3 by default, as in
        ``keras.layers.LeakyReLU``.

    Returns
    -------
    numpy.ndarray
        The shape of ``x``; float32 for a float32 ``x``, otherwise float64.

    Raises
    ------
    ValueError
        If ``negative_slope`` is not a number >= 0.
    TypeError
        If ``x`` is not numeric.

    Examples
    --------
    >>> convlib.leaky_relu([-2, 0, 3])
    array([-0.6,  0. ,  3. ])
    """
    if (isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real)
            or not negative_slope >= 0):
        raise ValueError(f"negative_slope must be a number >= 0; got {shown(negative_slope)}.")
    x = _float(x)
    return np.where(x >= 0, x, negative_slope * x)


def sigmoid(x):
    """Logistic sigmoid, 1 / (1 + exp(-x)), elementwise.

    Parameters
    ----------
    x : array_like
        Any shape; integers or floats.

    Returns
    -------
    numpy.ndarray
        Values in [0, 1], the shape of ``x``; float32 for a float32 ``x``,
        otherwise float64.

    Raises
    ------
    TypeError
        If ``x`` is not numeric.

    Notes
    -----
    For x < 0 it computes exp(x) / (1 + exp(x)), which is the same number, so
    that exp() never overflows for large ``|x|``.

    Examples
    --------
    >>> convlib.sigmoid([-1000, 0, 1000])
    array([0. , 0.5, 1. ])
    """
    x = _float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax(x, axis=-1):
    """Softmax: exp(x_i) / sum_j exp(x_j) along one axis.

    Parameters
    ----------
    x : array_like
        Scores (logits) of any shape with at least one axis; integers or floats.
    axis : int, optional
        The axis that holds one example's scores; the last one by default, as for
        a batch of shape (N, classes).

    Returns
    -------
    numpy.ndarray
        The shape of ``x``; each slice along ``axis`` is positive and sums to 1.
        float32 for a float32 ``x``, otherwise float64.

    Raises
    ------
    ValueError
        If ``x`` is a single number, ``axis`` is not an axis of ``x``, or that axis
        is empty.
    TypeError
        If ``x`` is not numeric.

    Notes
    -----
    Subtracting each slice's maximum first changes nothing mathematically but
    keeps exp() from overflowing for large scores.

    Examples
    --------
    >>> convlib.softmax([1, 2, 3]).round(3)
    array([0.09 , 0.245, 0.665])
    >>> convlib.softmax([1000, 1000])
    array([0.5, 0.5])
    """
    x = _float(x)
    if x.ndim == 0:
        raise ValueError("softmax needs at least one axis of scores; got a scalar.")
    if not is_int(axis) or not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"axis must be an integer between {-x.ndim} and {x.ndim - 1} for an input of shape {x.shape}; "
            f"got {shown(axis)}."
        )
    if x.shape[axis] == 0:
        raise ValueError(f"softmax needs at least one score along axis {axis}; x has shape {x.shape}.")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
