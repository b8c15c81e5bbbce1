"""Keras computing what convlib computes, so that a page can check one against the other.

:func:`keras_conv` runs ``x`` through a ``keras.layers.Conv2D`` layer whose weights
are ``kernel`` (and ``bias``) and returns a NumPy array of the shape that
:func:`convlib.conv2d` returns for the same arguments.
"""
import numpy as np

from ._validate import as_array, positive_pair

__all__ = ["keras_conv"]


def keras_conv(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """The output of a Keras ``Conv2D`` layer holding ``kernel`` and ``bias``, as a float32 array.

    Parameters
    ----------
    x : array_like
        The input: (H, W), (H, W, C) or a batch (N, H, W, C).
    kernel : array_like
        (fh, fw) for a 2-D ``x``; otherwise (fh, fw, C, F), F filters over C channels.
    bias : array_like, optional
        One value per filter, F values; None: zeros.
    strides, dilation_rate : int or (int, int)
        As in ``keras.layers.Conv2D``, which does not combine strides > 1 with
        dilation_rate > 1.
    padding : {'valid', 'same'}
        Keras' two paddings. For explicit amounts, pad the input first
        (``keras.layers.ZeroPadding2D`` or :func:`convlib.pad2d`).

    Returns
    -------
    numpy.ndarray
        float32, of the shape that :func:`convlib.conv2d` returns for the same
        arguments:

        ============  ==============  ==============
        x             kernel          result
        ============  ==============  ==============
        (H, W)        (fh, fw)        (H', W')
        (H, W)        (fh, fw, 1, F)  (H', W', F)
        (H, W, C)     (fh, fw, C, F)  (H', W', F)
        (N, H, W, C)  (fh, fw, C, F)  (N, H', W', F)
        ============  ==============  ==============

    Raises
    ------
    ValueError
        If a shape does not fit the table above, the channels of ``x`` and ``kernel``
        differ, ``bias`` does not hold F values, ``padding`` is not 'valid' or
        'same', or strides > 1 meet dilation_rate > 1.
    TypeError
        If ``x``, ``kernel`` or ``bias`` is not an array of numbers.

    Examples
    --------
    >>> keras_conv([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, -1]])
    array([[-4., -4.]], dtype=float32)
    """
    import keras

    x = as_array(x, "x")
    kernel = as_array(kernel, "kernel")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"x must have 2 dims (H, W), 3 dims (H, W, C) or 4 dims (N, H, W, C); got shape {x.shape}.")
    if kernel.ndim == 2:
        if x.ndim != 2:
            raise ValueError(
                f"a 2-D kernel {kernel.shape} is for a 2-D (H, W) input; x has shape {x.shape}. "
                "For channels, give the kernel as (fh, fw, in_channels, filters)."
            )
        kernel4 = kernel[:, :, None, None]
    elif kernel.ndim == 4:
        kernel4 = kernel
    else:
        raise ValueError(f"kernel must have 2 dims (fh, fw) or 4 dims (fh, fw, in_channels, filters); "
                         f"got shape {kernel.shape}.")
    x4 = {2: lambda: x[None, :, :, None], 3: lambda: x[None], 4: lambda: x}[x.ndim]()
    if x4.shape[3] != kernel4.shape[2]:
        raise ValueError(f"channel mismatch: x has {x4.shape[3]} channel(s) (shape {x.shape}) but kernel "
                         f"expects in_channels={kernel4.shape[2]} (shape {kernel.shape}).")
    filters = kernel4.shape[3]
    bias = np.zeros(filters) if bias is None else as_array(bias, "bias").reshape(-1)
    if bias.shape != (filters,):
        raise ValueError(f"bias must hold one value per filter ({filters}); got {bias.size} value(s).")
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        raise ValueError(
            f"padding for keras.layers.Conv2D must be 'valid' or 'same'; got {padding!r}. "
            "For explicit amounts pad the input first (keras.layers.ZeroPadding2D or convlib.pad2d)."
        )
    strides = positive_pair(strides, "strides")
    dilation_rate = positive_pair(dilation_rate, "dilation_rate")
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"Keras' Conv2D cannot combine strides > 1 with dilation_rate > 1; got "
                         f"strides={strides} and dilation_rate={dilation_rate}.")
    layer = keras.layers.Conv2D(filters, kernel4.shape[:2], strides=strides, padding=padding.lower(),
                                dilation_rate=dilation_rate)
    layer.build(x4.shape)
    layer.set_weights([kernel4.astype("float32"), bias.astype("float32")])
    out = keras.ops.convert_to_numpy(layer(x4.astype("float32")))
    if x.ndim == 4:
        return out
    return out[0, :, :, 0] if kernel.ndim == 2 else out[0]
