"""Convolution arithmetic: output sizes, padding amounts, parameter and multiply counts.

Conventions follow Keras: `padding` is per side, `strides` and `dilation_rate`
are (rows, cols), and `dilation_rate=1` means no dilation.
"""
import math

from ._validate import is_int, non_negative_int, padding_spec, positive_int, positive_pair


def effective_kernel_size(f, dilation_rate=1):
    """Span of a kernel of size `f` with holes: d(f - 1) + 1."""
    f = positive_int(f, "f")
    d = positive_int(dilation_rate, "dilation_rate")
    return d * (f - 1) + 1


def same_padding(n, f, strides=1, dilation_rate=1):
    """(before, after) padding that Keras/TensorFlow use for padding='same' on one axis.

    The output has ceil(n / strides) cells. When the total padding is odd the
    extra cell goes after (bottom or right), which is why a hand computation
    that pads symmetrically can disagree with Keras for even kernels or strides > 1.
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
        f"or a (before, after) pair; got {padding!r}."
    )


def output_size(n, f, padding=0, strides=1, dilation_rate=1):
    """Number of output cells along one axis.

    floor((n + p_before + p_after - d(f - 1) - 1) / s) + 1

    `padding` is 'valid' (0), 'same' (Keras' rule), 'full' (d(f - 1) per side),
    an int p per side, or a (before, after) pair.

    >>> output_size(7, 3, padding=1, strides=2)
    4
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


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Trainable parameters of a Conv2D layer: (fh * fw * c_in + 1) * c_out.

    >>> conv_params(3, 3, 2)
    56
    """
    fh, fw = positive_pair(kernel_size, "kernel_size")
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(filters, "filters")
    return (fh * fw * c_in + (1 if use_bias else 0)) * c_out


def dense_params(in_features, units, use_bias=True):
    """Trainable parameters of a Dense layer: (n_in + 1) * n_out."""
    n_in = positive_int(in_features, "in_features")
    n_out = positive_int(units, "units")
    return (n_in + (1 if use_bias else 0)) * n_out


def conv_output_shape(input_shape, kernel_size, filters, strides=1, padding="valid", dilation_rate=1):
    """(H', W', filters) of a Conv2D layer applied to an (H, W, C) input."""
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {input_shape!r}.")
    fh, fw = positive_pair(kernel_size, "kernel_size")
    sh, sw = positive_pair(strides, "strides")
    dh, dw = positive_pair(dilation_rate, "dilation_rate")
    spec = padding_spec(padding)
    ph, pw = (spec, spec) if isinstance(spec, str) else spec
    h = output_size(input_shape[0], fh, ph, sh, dh)
    w = output_size(input_shape[1], fw, pw, sw, dw)
    return h, w, positive_int(filters, "filters")


def conv_multiplies(input_shape, kernel_size, filters, strides=1, padding="valid", dilation_rate=1):
    """Multiplications a Conv2D layer performs on one (H, W, C) input:
    H' * W' * filters * fh * fw * C.

    >>> conv_multiplies((28, 28, 192), 5, 32, padding="same")
    120422400
    """
    h, w, c_out = conv_output_shape(input_shape, kernel_size, filters, strides, padding, dilation_rate)
    fh, fw = positive_pair(kernel_size, "kernel_size")
    return h * w * c_out * fh * fw * positive_int(input_shape[2], "input channels")


def dense_multiplies(in_features, units):
    """Multiplications of a Dense layer on one input vector: n_in * n_out."""
    return positive_int(in_features, "in_features") * positive_int(units, "units")


def receptive_field(layers):
    """Receptive field (in input pixels, along one axis) of a stack of layers.

    `layers` is a sequence of (kernel_size, strides) or (kernel_size, strides,
    dilation_rate) tuples, first layer first. Each layer widens the field by
    d(f - 1) times the product of the strides before it.

    >>> receptive_field([(3, 1), (3, 1)])
    5
    """
    field, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(
                f"layers[{i}] must be (kernel_size, strides) or (kernel_size, strides, dilation_rate); "
                f"got {layer!r}."
            )
        f, s = layer[0], layer[1]
        d = layer[2] if len(layer) == 3 else 1
        field += (effective_kernel_size(f, d) - 1) * jump
        jump *= positive_int(s, f"strides of layers[{i}]")
    return field
