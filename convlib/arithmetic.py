"""Convolution arithmetic: output sizes, padding amounts, parameter and multiply counts.

Conventions follow Keras: `padding` is per side, `strides` and `dilation_rate`
are (rows, cols), and `dilation_rate=1` means no dilation.

The examples assume ``import convlib``.
"""
import math

import numpy as np

from ._validate import is_int, non_negative_int, padding_spec, positive_int, positive_pair, shown


def effective_kernel_size(f, dilation_rate=1):
    """Number of cells a dilated kernel spans along one axis: d(f - 1) + 1.

    Parameters
    ----------
    f : int
        Kernel size along the axis (>= 1).
    dilation_rate : int, optional
        Spacing between taps; 1 (the default) means no dilation.

    Returns
    -------
    int
        The span, d(f - 1) + 1.

    Raises
    ------
    ValueError
        If ``f`` or ``dilation_rate`` is not a positive integer.

    Notes
    -----
    Keras and TensorFlow write no dilation as 1; numpy-ml writes it as 0 (its
    ``dilation`` counts the zeros inserted between taps).

    Examples
    --------
    >>> convlib.effective_kernel_size(3, dilation_rate=2)
    5
    >>> convlib.effective_kernel_size(3, dilation_rate=3)
    7
    """
    f = positive_int(f, "f")
    d = positive_int(dilation_rate, "dilation_rate")
    return d * (f - 1) + 1


def same_padding(n, f, strides=1, dilation_rate=1):
    """Padding (before, after) that Keras and TensorFlow use for padding='same' on one axis.

    Parameters
    ----------
    n : int
        Input size along the axis.
    f : int
        Kernel (or pooling window) size along the axis.
    strides : int, optional
        Step along the axis (default 1).
    dilation_rate : int, optional
        Spacing between the kernel's taps; 1 (the default) means none.

    Returns
    -------
    tuple of int
        ``(before, after)``: rows at the top and the bottom, or columns on the left
        and the right. The output then has ceil(n / strides) cells.

    Raises
    ------
    ValueError
        If an argument is not a positive integer.

    Notes
    -----
    The total is max((ceil(n / s) - 1) s + d(f - 1) + 1 - n, 0). When it is odd,
    the extra cell goes after (bottom or right). A hand computation that pads
    both sides equally therefore disagrees with Keras for even kernels and for
    some strides > 1.

    Examples
    --------
    >>> convlib.same_padding(5, 3)
    (1, 1)
    >>> convlib.same_padding(5, 2)
    (0, 1)
    >>> convlib.same_padding(64, 3, strides=2)
    (0, 1)
    """
    n = positive_int(n, "n")
    s = positive_int(strides, "strides")
    k = effective_kernel_size(f, dilation_rate)
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def axis_padding(padding, n, f, strides=1, dilation_rate=1):
    """(before, after) for one axis, for padding given as a mode string or an int/pair."""
    if isinstance(padding, str):
        mode = padding_spec(padding)
        if mode == "valid":
            return 0, 0
        if mode == "same":
            return same_padding(n, f, strides, dilation_rate)
        full = effective_kernel_size(f, dilation_rate) - 1
        return full, full
    if is_int(padding):
        p = non_negative_int(padding, "padding")
        return p, p
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(is_int(p) and p >= 0 for p in padding):
        return int(padding[0]), int(padding[1])
    raise ValueError(
        "padding for one axis must be 'valid', 'same', 'full', a whole number >= 0 "
        f"or a (before, after) pair; got {shown(padding)}."
    )


def check_kernel_fits(kernel_hw, dilation, input_hw, pads, padding):
    """Refuse a dilated kernel that spans more rows or columns than the padded input has."""
    (fh, fw), (dh, dw), (h, w), ((top, bottom), (left, right)) = kernel_hw, dilation, input_hw, pads
    kh, kw = dh * (fh - 1) + 1, dw * (fw - 1) + 1
    if kh > h + top + bottom or kw > w + left + right:
        raise ValueError(
            f"the kernel ({fh}x{fw}, dilation_rate=({dh}, {dw}): span {kh}x{kw}) is larger than the "
            f"padded input ({h + top + bottom}x{w + left + right} from {h}x{w} with padding={shown(padding)}); "
            "use a smaller kernel or dilation, more padding, or padding='same'."
        )


def output_size(n, f, padding=0, strides=1, dilation_rate=1):
    """Number of output cells along one axis of a convolution or a pooling.

    Parameters
    ----------
    n : int
        Input size along the axis.
    f : int
        Kernel (or pooling window) size along the axis.
    padding : str, int or (int, int), optional
        'valid' (none), 'same' (Keras' rule, see ``same_padding``), 'full'
        (d(f - 1) on each side), an int ``p`` on each side (default 0), or a
        ``(before, after)`` pair.
    strides : int, optional
        Step along the axis (default 1).
    dilation_rate : int, optional
        Spacing between the kernel's taps; 1 (the default) means none.

    Returns
    -------
    int
        floor((n + before + after - d(f - 1) - 1) / s) + 1.

    Raises
    ------
    ValueError
        If a size is not a positive integer, ``padding`` is not one of the forms
        above, or the dilated kernel is larger than the padded input.

    Notes
    -----
    ``padding`` is per side, as in Keras and CS231n. With a total padding P (the
    convention of d2l), pass ``(P // 2, P - P // 2)``. For a symmetric p and no
    dilation the formula is the familiar floor((n + 2p - f) / s) + 1.

    Examples
    --------
    >>> convlib.output_size(7, 3, padding=1, strides=2)
    4
    >>> convlib.output_size(25, 5, strides=2)
    11
    >>> convlib.output_size(28, 5, padding="same")
    28
    >>> convlib.output_size(20, 3, dilation_rate=3)
    14
    """
    n = positive_int(n, "n")
    before, after = axis_padding(padding, n, f, strides, dilation_rate)
    k = effective_kernel_size(f, dilation_rate)
    s = positive_int(strides, "strides")
    padded = n + before + after
    if k > padded:
        raise ValueError(
            f"the kernel (f={f}, dilation_rate={dilation_rate}: span {k}) is larger than the "
            f"padded input (n={n} plus padding {before}+{after} = {padded}); "
            "use a smaller kernel, more padding, or padding='same'."
        )
    return (padded - k) // s + 1


def _use_bias(use_bias):
    if not isinstance(use_bias, (bool, np.bool_)):
        raise TypeError(f"use_bias must be True or False; got {shown(use_bias)}.")
    return 1 if use_bias else 0


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Trainable parameters of a Conv2D layer: (fh * fw * c_in + 1) * c_out.

    Parameters
    ----------
    kernel_size : int or (int, int)
        (fh, fw), or one int for a square kernel.
    in_channels : int
        Channels of the layer's input, c_in.
    filters : int
        Number of filters (output channels), c_out.
    use_bias : bool, optional
        Whether each filter has a bias (default True, as in Keras).

    Returns
    -------
    int
        The number of weights plus biases.

    Raises
    ------
    ValueError
        If a size is not a positive integer (or a pair of them for ``kernel_size``).
    TypeError
        If ``use_bias`` is not a bool.

    Examples
    --------
    Two 3 x 3 filters over 3 channels, and six 5 x 5 filters over an RGB image:

    >>> convlib.conv_params(3, 3, 2)
    56
    >>> convlib.conv_params(5, 3, 6)
    456
    """
    fh, fw = positive_pair(kernel_size, "kernel_size")
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(filters, "filters")
    return (fh * fw * c_in + _use_bias(use_bias)) * c_out


def dense_params(in_features, units, use_bias=True):
    """Trainable parameters of a Dense layer: (n_in + 1) * n_out.

    Parameters
    ----------
    in_features : int
        Length of the input vector, n_in (for a flattened H x W x C volume, H * W * C).
    units : int
        Number of output units, n_out.
    use_bias : bool, optional
        Whether each unit has a bias (default True).

    Returns
    -------
    int
        The number of weights plus biases.

    Raises
    ------
    ValueError
        If a size is not a positive integer.
    TypeError
        If ``use_bias`` is not a bool.

    Examples
    --------
    A flattened 32 x 32 x 3 image into ten units:

    >>> convlib.dense_params(32 * 32 * 3, 10)
    30730
    """
    n_in = positive_int(in_features, "in_features")
    n_out = positive_int(units, "units")
    return (n_in + _use_bias(use_bias)) * n_out


def _input_shape(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {shown(input_shape)}.")
    return tuple(positive_int(size, f"input_shape[{i}] ({name})")
                 for i, (size, name) in enumerate(zip(input_shape, ("height", "width", "channels"))))


def conv_output_shape(input_shape, kernel_size, filters, strides=1, padding="valid", dilation_rate=1):
    """Output shape (H', W', filters) of a Conv2D layer applied to an (H, W, C) input.

    Parameters
    ----------
    input_shape : tuple of int
        (H, W, C), without the batch axis.
    kernel_size : int or (int, int)
        (fh, fw), or one int for a square kernel.
    filters : int
        Number of filters, the output's channels.
    strides : int or (int, int), optional
        Steps (rows, cols), default 1.
    padding : str, int or tuple, optional
        'valid' (default), 'same', 'full', or amounts per side as ``conv2d`` takes them.
    dilation_rate : int or (int, int), optional
        Spacing between taps; 1 (the default) means none.

    Returns
    -------
    tuple of int
        (H', W', filters), with H' and W' as ``output_size`` gives them.

    Raises
    ------
    ValueError
        If ``input_shape`` is not three positive integers, another argument is not
        one of the forms above, or the dilated kernel is larger than the padded input.

    Examples
    --------
    >>> convlib.conv_output_shape((32, 32, 3), 3, 32)
    (30, 30, 32)
    >>> convlib.conv_output_shape((11, 11, 3), 3, 32, strides=2, padding=1)
    (6, 6, 32)
    """
    h, w, _ = _input_shape(input_shape)
    fh, fw = positive_pair(kernel_size, "kernel_size")
    sh, sw = positive_pair(strides, "strides")
    dh, dw = positive_pair(dilation_rate, "dilation_rate")
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    pads = (axis_padding(ph, h, fh, sh, dh), axis_padding(pw, w, fw, sw, dw))
    check_kernel_fits((fh, fw), (dh, dw), (h, w), pads, padding)
    return output_size(h, fh, pads[0], sh, dh), output_size(w, fw, pads[1], sw, dw), positive_int(filters, "filters")


def conv_multiplies(input_shape, kernel_size, filters, strides=1, padding="valid", dilation_rate=1):
    """Multiplications a Conv2D layer performs on one input: H' * W' * filters * fh * fw * C.

    Parameters
    ----------
    input_shape, kernel_size, filters, strides, padding, dilation_rate
        As for ``conv_output_shape``.

    Returns
    -------
    int
        One multiplication per kernel weight, per output cell and filter (the
        bias additions are not counted).

    Raises
    ------
    ValueError
        As for ``conv_output_shape``.

    Examples
    --------
    The Inception example: 28 x 28 x 192 to 32 channels with 5 x 5 filters
    directly, or through a 1 x 1 bottleneck of 16 channels first:

    >>> convlib.conv_multiplies((28, 28, 192), 5, 32, padding="same")
    120422400
    >>> (convlib.conv_multiplies((28, 28, 192), 1, 16)
    ...  + convlib.conv_multiplies((28, 28, 16), 5, 32, padding="same"))
    12443648
    """
    h, w, c_out = conv_output_shape(input_shape, kernel_size, filters, strides, padding, dilation_rate)
    fh, fw = positive_pair(kernel_size, "kernel_size")
    return h * w * c_out * fh * fw * input_shape[2]


def dense_multiplies(in_features, units):
    """Multiplications of a Dense layer on one input vector: n_in * n_out.

    Parameters
    ----------
    in_features : int
        Length of the input vector, n_in.
    units : int
        Number of output units, n_out.

    Returns
    -------
    int
        n_in * n_out.

    Raises
    ------
    ValueError
        If a size is not a positive integer.

    Examples
    --------
    >>> convlib.dense_multiplies(32 * 32 * 3, 10)
    30720
    """
    return positive_int(in_features, "in_features") * positive_int(units, "units")


def receptive_field(layers):
    """Receptive field, in input pixels along one axis, of a stack of layers.

    Parameters
    ----------
    layers : sequence of tuple
        One ``(kernel_size, strides)`` or ``(kernel_size, strides, dilation_rate)``
        per layer, first layer first; a pooling layer is ``(pool_size, strides)``.

    Returns
    -------
    int
        The number of input pixels along one axis that one output cell depends on.
        An empty stack gives 1.

    Raises
    ------
    ValueError
        If an entry is not such a tuple of positive integers.
    TypeError
        If ``layers`` is not a sequence.

    Notes
    -----
    Each layer widens the field by d(f - 1) times the product of the strides of
    the layers before it.

    Examples
    --------
    Two 3 x 3 convolutions see 5 x 5 pixels; a 2 x 2 pooling between them widens
    the second one's step:

    >>> convlib.receptive_field([(3, 1), (3, 1)])
    5
    >>> convlib.receptive_field([(3, 1), (2, 2), (3, 1)])
    8
    """
    if isinstance(layers, str) or not isinstance(layers, (tuple, list)):
        raise TypeError(
            "layers must be a list of (kernel_size, strides) or (kernel_size, strides, dilation_rate) "
            f"tuples; got {shown(layers)}."
        )
    field, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(
                f"layers[{i}] must be (kernel_size, strides) or (kernel_size, strides, dilation_rate); "
                f"got {shown(layer)}."
            )
        f = positive_int(layer[0], f"kernel_size of layers[{i}]")
        s = positive_int(layer[1], f"strides of layers[{i}]")
        d = positive_int(layer[2], f"dilation_rate of layers[{i}]") if len(layer) == 3 else 1
        field += d * (f - 1) * jump
        jump *= s
    return field
