"""Activation functions, elementwise on NumPy arrays."""
import numpy as np

from ._validate import as_array, float_dtype


def _float(x):
    x = as_array(x, "x")
    return x.astype(float_dtype(x), copy=False)


def relu(x):
    """max(0, x)."""
    return np.maximum(_float(x), 0)


def leaky_relu(x, negative_slope=0.3):
    """x for x >= 0 and negative_slope * x for x < 0 (Keras' LeakyReLU default is 0.3)."""
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float, np.number)) or negative_slope < 0:
        raise ValueError(f"negative_slope must be a number >= 0; got {negative_slope!r}.")
    x = _float(x)
    return np.where(x >= 0, x, negative_slope * x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax(x, axis=-1):
    """exp(x_i) / sum_j exp(x_j) along `axis`.

    Subtracting the maximum first changes nothing mathematically but keeps
    exp() from overflowing for large logits.
    """
    x = _float(x)
    if x.ndim == 0:
        raise ValueError("softmax needs at least one axis of scores; got a scalar.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must be between {-x.ndim} and {x.ndim - 1} for an input of shape {x.shape}; got {axis}.")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
