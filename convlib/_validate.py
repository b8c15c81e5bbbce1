"""Argument checks shared by the public functions.

Every check raises a ValueError or TypeError whose message names the argument,
shows the value received and says what would be valid, so that a learner never
has to decode a broadcasting error from deep inside NumPy.
"""
import numbers

import numpy as np

PADDING_MODES = ("valid", "same", "full")


def as_array(x, name):
    """Return `x` as a numeric NumPy array (bools count as 0/1)."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers; could not convert it: {exc}") from None
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(
            f"{name} must hold integers or floats; got an array of dtype {arr.dtype}. "
            "Convert it first, e.g. np.asarray(..., dtype=float)."
        )
    return arr


def non_empty(arr, name):
    """Refuse an array with no elements before NumPy meets it in a reshape or a reduction."""
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); every axis needs at least one element.")
    return arr


def shown(value):
    """A received value as a message shows it: an array by its shape and dtype, anything else by repr."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def float_dtype(*arrays):
    """Floating dtype to compute in: keep float32/float64, promote integers to float64."""
    if all(np.issubdtype(a.dtype, np.floating) for a in arrays):
        return np.result_type(*arrays)
    return np.float64


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, name):
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer (1, 2, ...); got {shown(value)}.")
    return int(value)


def non_negative_int(value, name):
    if not is_int(value) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0; got {shown(value)}.")
    return int(value)


def positive_pair(value, name):
    """An int or a (rows, cols) pair of positive ints, as Keras accepts."""
    if is_int(value):
        return (positive_int(value, name),) * 2
    if isinstance(value, (tuple, list, np.ndarray)) and len(value) == 2:
        if all(is_int(v) and v >= 1 for v in value):
            return (int(value[0]), int(value[1]))
    raise ValueError(
        f"{name} must be a positive integer or a pair (rows, cols) of positive integers; got {shown(value)}."
    )


def padding_spec(padding):
    """Normalise a padding argument.

    Returns a lower-case mode string ('valid', 'same', 'full') or explicit
    per-side amounts ((top, bottom), (left, right)).
    Accepted: a mode string; an int p (p on every side); a pair (p_rows, p_cols);
    or ((top, bottom), (left, right)), the forms of keras.layers.ZeroPadding2D.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in PADDING_MODES:
            raise ValueError(
                f"padding must be one of 'valid', 'same', 'full', an int, a pair, "
                f"or ((top, bottom), (left, right)); got {shown(padding)}."
            )
        return mode
    if is_int(padding):
        p = non_negative_int(padding, "padding")
        return ((p, p), (p, p))
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(is_int(p) and p >= 0 for p in padding):
            return ((padding[0],) * 2, (padding[1],) * 2)
        if all(isinstance(p, (tuple, list)) and len(p) == 2 and all(is_int(q) and q >= 0 for q in p)
               for p in padding):
            return (tuple(int(q) for q in padding[0]), tuple(int(q) for q in padding[1]))
    raise ValueError(
        "padding must be 'valid', 'same', 'full', a whole number >= 0, a pair (rows, cols) "
        f"or ((top, bottom), (left, right)); got {shown(padding)}."
    )


# Limits of guard_size: a few GB of memory, and a loop budget that conv2d_naive gets
# through in about 1 s (16 channels, where each window product is long) to 15 s (one
# channel, 3 x 3 kernel) on one busy CPU core.
MAX_BYTES = 4 * 10**9
MAX_LOOP_MULTIPLY_ADDS = 10**7


def guard_size(what, nbytes=0, loop_multiply_adds=0, force=False):
    """Refuse a call that would allocate more than MAX_BYTES or loop over more than
    MAX_LOOP_MULTIPLY_ADDS multiply-adds, unless force=True.

    `what` describes the call for the message, e.g. "conv2d with x of shape (1, 5, 5, 1)".
    Without this, a typo such as padding=10**5 ends in NumPy's "Unable to allocate"
    (or a loop that runs for hours) instead of a message about the argument.
    """
    if force:
        return
    if nbytes > MAX_BYTES:
        raise ValueError(
            f"{what} would allocate about {nbytes / 1e9:,.1f} GB, more than the "
            f"{MAX_BYTES / 1e9:g} GB allowed without force=True. Check the shapes and the "
            "padding; if you mean it, call again with force=True."
        )
    if loop_multiply_adds > MAX_LOOP_MULTIPLY_ADDS:
        raise ValueError(
            f"{what} would run {loop_multiply_adds:,} multiply-adds in Python loops, more than the "
            f"{MAX_LOOP_MULTIPLY_ADDS:,} allowed without force=True. Use the vectorised version "
            "for inputs this large, or call again with force=True to wait for the loops."
        )
