"""conv2d_transpose against Keras, TensorFlow, the convolution-arithmetic guide and conv2d's gradient.

References, none of them the code under test:
- keras.layers.Conv2DTranspose and tf.nn.conv2d_transpose (float64, TensorFlow's CPU kernels);
- the relationships of Dumoulin & Visin, "A guide to convolution arithmetic for deep
  learning" (arXiv:1603.07285): a transposed convolution equals a stride-1 convolution
  of the input stretched with s - 1 zeros between cells, padded with k - p - 1 zeros
  (and a more at the bottom and right), with the kernel flipped. Their numbering
  (Relationship 8 to 14, the transposed-convolution chapter; 15 adds dilation) is
  used in the test names;
- the definition of a transpose: <conv2d(z, k), x> = <z, conv2d_transpose(x, k)>;
- conv2d_backward, whose input gradient is computed by convlib.conv2d.
"""
import doctest

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import convlib as cl  # noqa: E402
import convlib.transpose  # noqa: E402
from convlib.backprop import conv2d_backward  # noqa: E402
from convlib.transpose import conv2d_transpose, conv2d_transpose_naive, conv_transpose_output_size  # noqa: E402
from convlib.widgets import count_frames  # noqa: E402
from convlib.widgets.transpose import (  # noqa: E402
    plot_stretched_input,
    stretched_input,
    transposed_conv_animation,
    transposed_conv_explorer,
    transposed_conv_state,
)

RUNS = settings(max_examples=60, deadline=None)
TIGHT = dict(rtol=1e-12, atol=1e-12)


def random_arrays(seed, x_shape, kernel_shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(x_shape), rng.standard_normal(kernel_shape), rng.standard_normal(kernel_shape[2])


@st.composite
def keras_case(draw):
    """A configuration keras.layers.Conv2DTranspose accepts on the CPU (no dilation)."""
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same"]))
    output_padding = draw(st.one_of(st.none(), st.tuples(st.integers(0, sh - 1), st.integers(0, sw - 1))))
    return dict(x_shape=(n, h, w, c_in), kernel_shape=(fh, fw, c_out, c_in), strides=(sh, sw), padding=padding,
                output_padding=output_padding, seed=draw(st.integers(0, 2**16)))


@st.composite
def any_case(draw, modes=("valid", "same", "full"), explicit=True, dilation=True):
    """Any configuration conv2d accepts: also 'full', explicit padding and dilation with strides."""
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    fh, fw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1)
    amounts = [st.integers(0, 2), st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                                            st.tuples(st.integers(0, 2), st.integers(0, 2)))]
    padding = draw(st.one_of(*([st.sampled_from(modes)] if modes else []), *(amounts if explicit else [])))
    output_padding = draw(st.one_of(st.none(), st.tuples(st.integers(0, sh - 1), st.integers(0, sw - 1))))
    return dict(x_shape=(n, h, w, c_in), kernel_shape=(fh, fw, c_out, c_in), strides=(sh, sw), padding=padding,
                output_padding=output_padding, dilation_rate=(dh, dw), seed=draw(st.integers(0, 2**16)))


def call(function, case, x, kernel, bias=None):
    args = {key: case[key] for key in ("strides", "padding", "output_padding", "dilation_rate") if key in case}
    return function(x, kernel, bias, **args)


def run(case, function=conv2d_transpose, bias=False):
    """x, kernel, bias and the result, or None for the result where convlib refuses the
    configuration (which sizes it refuses is tested against Keras and the arithmetic below)."""
    x, kernel, b = random_arrays(case["seed"], case["x_shape"], case["kernel_shape"])
    try:
        return x, kernel, b, call(function, case, x, kernel, b if bias else None)
    except ValueError:
        return x, kernel, b, None


# ----------------------------------------------------------------------------- worked examples

def test_two_by_two_input_three_by_three_kernel_stride_two_by_hand():
    # Cell (i, j) adds x[i, j] * kernel at rows 2i .. 2i + 2, columns 2j .. 2j + 2, so the
    # four copies overlap in row 2 and column 2; worked out by hand, row by row.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    expected = np.array([[1, 0, 1, 0, -2],      # 1*[1, 0, -1] and 2*[1, 0, -1] share column 2: -1 + 2
                         [2, 1, 4, 2, 0],
                         [3, 1, 2, 2, -2],      # four copies meet in (2, 2): 1*1 + 2*0 + 3*(-1) + 4*1
                         [6, 3, 8, 4, 0],
                         [0, 3, 3, 4, 4]], dtype=float)
    np.testing.assert_array_equal(conv2d_transpose(x, kernel, strides=2), expected)
    np.testing.assert_array_equal(conv2d_transpose_naive(x, kernel, strides=2), expected)


def test_one_dimensional_copies_add_where_they_overlap():
    np.testing.assert_array_equal(conv2d_transpose([[1, 2, 3]], [[1, 10]], strides=1), [[1, 12, 23, 30]])
    np.testing.assert_array_equal(conv2d_transpose([[1, 2, 3]], [[1, 10]], strides=(1, 3)), [[1, 10, 0, 2, 20, 0, 3, 30, 0]])


def test_keras_stores_the_kernel_as_fh_fw_cout_cin():
    layer = keras.layers.Conv2DTranspose(5, (3, 2))
    layer.build((None, 4, 4, 3))
    assert tuple(layer.kernel.shape) == (3, 2, 5, 3)
    x = np.random.default_rng(0).standard_normal((1, 4, 4, 3))
    assert conv2d_transpose(x, np.zeros((3, 2, 5, 3))).shape == tuple(layer(x).shape)


def test_the_chapter_example_matches_keras():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None]
    kernel = np.arange(9.0).reshape(3, 3, 1, 1)
    layer = keras.layers.Conv2DTranspose(1, 3, strides=2, use_bias=False, dtype="float64")
    layer.build(x.shape)
    layer.set_weights([kernel])
    np.testing.assert_array_equal(conv2d_transpose(x, kernel, strides=2), np.asarray(layer(x)))


# ----------------------------------------------------------------------------- Keras and TensorFlow

@RUNS
@given(keras_case())
def test_matches_keras_conv2d_transpose(case):
    x, kernel, bias = random_arrays(case["seed"], case["x_shape"], case["kernel_shape"])
    layer = keras.layers.Conv2DTranspose(case["kernel_shape"][2], case["kernel_shape"][:2], strides=case["strides"],
                                         padding=case["padding"], output_padding=case["output_padding"],
                                         dtype="float64")
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    try:
        expected = np.asarray(layer(x))
    except tf.errors.InvalidArgumentError:
        # TensorFlow refuses an output size that no 'same' convolution maps back to the input size.
        with pytest.raises(ValueError, match="output_padding"):
            call(conv2d_transpose, case, x, kernel, bias)
        return
    np.testing.assert_allclose(call(conv2d_transpose, case, x, kernel, bias), expected, **TIGHT)
    np.testing.assert_allclose(call(conv2d_transpose_naive, case, x, kernel, bias), expected, **TIGHT)


@RUNS
@given(keras_case(), st.data())
def test_matches_tf_nn_conv2d_transpose_for_every_output_size(case, data):
    """tf.nn.conv2d_transpose takes the output size itself; each of the `strides` sizes that
    a convolution maps to the same input size is one value of output_padding (or None)."""
    x, kernel, _ = random_arrays(case["seed"], case["x_shape"], case["kernel_shape"])
    (n, h, w, _), (fh, fw, c_out, _) = case["x_shape"], case["kernel_shape"]
    sizes = []
    for size, f, s in ((h, fh, case["strides"][0]), (w, fw, case["strides"][1])):
        # The sizes m whose convolution gives `size` cells, by counting windows directly.
        if case["padding"] == "valid":
            candidates = [m for m in range(1, size * s + f + 1) if m >= f and (m - f) // s + 1 == size]
        else:
            candidates = [m for m in range(1, size * s + 1) if -(-m // s) == size]
        sizes.append(data.draw(st.sampled_from(candidates)))
    expected = tf.nn.conv2d_transpose(x, kernel, (n, sizes[0], sizes[1], c_out), case["strides"],
                                      padding=case["padding"].upper()).numpy()
    output_padding = []
    for m, size, f, s in zip(sizes, (h, w), (fh, fw), case["strides"]):
        if case["padding"] == "same" and m == size * s:
            output_padding.append(None)
        else:
            output_padding.append(m - (size - 1) * s - (f if case["padding"] == "valid" else f % 2))
    got = conv2d_transpose(x, kernel, strides=case["strides"], padding=case["padding"],
                           output_padding=tuple(output_padding))
    np.testing.assert_allclose(got, expected, **TIGHT)


@RUNS
@given(any_case(modes=(), dilation=False))
def test_explicit_padding_matches_tf_nn_conv2d_transpose(case):
    x, kernel, _, got = run(case)
    assume(got is not None)
    (t, b), (l, r) = ((case["padding"],) * 2,) * 2 if isinstance(case["padding"], int) else case["padding"]
    expected = tf.nn.conv2d_transpose(x, kernel, (x.shape[0], *got.shape[1:]), case["strides"],
                                      padding=[[0, 0], [t, b], [l, r], [0, 0]]).numpy()
    np.testing.assert_allclose(got, expected, **TIGHT)


def dilate(kernel, rates):
    """The kernel with rate - 1 zeros between its taps: dilation spelled out."""
    fh, fw = kernel.shape[:2]
    (dh, dw) = rates
    out = np.zeros(((fh - 1) * dh + 1, (fw - 1) * dw + 1) + kernel.shape[2:])
    out[::dh, ::dw] = kernel
    return out


@RUNS
@given(any_case(modes=("valid", "same"), explicit=False))
def test_dilation_equals_the_spelled_out_kernel_in_tensorflow(case):
    """TensorFlow's CPU kernels refuse dilated transposed convolutions, so compare with
    tf.nn.conv2d_transpose of the kernel with its holes filled by zeros."""
    x, kernel, _, got = run(case)
    assume(got is not None)
    expected = tf.nn.conv2d_transpose(x, dilate(kernel, case["dilation_rate"]), (x.shape[0], *got.shape[1:]),
                                      case["strides"], padding=case["padding"].upper()).numpy()
    np.testing.assert_allclose(got, expected, **TIGHT)


# ----------------------------------------------------------------------------- the link to conv2d

@RUNS
@given(any_case())
def test_is_the_transpose_of_conv2d(case):
    """<conv2d(z, k), x> = <z, conv2d_transpose(x, k)> for every z: the definition of a transpose."""
    x, kernel, _, y = run(case)
    assume(y is not None)
    z = np.random.default_rng(case["seed"] + 1).standard_normal(y.shape)
    forward = cl.conv2d(z, kernel, strides=case["strides"], padding=case["padding"],
                        dilation_rate=case["dilation_rate"])
    assert forward.shape == x.shape, "the matching convolution must map the output back to the input's size"
    np.testing.assert_allclose(np.sum(forward * x), np.sum(z * y), rtol=1e-10, atol=1e-10)


@RUNS
@given(any_case())
def test_equals_the_input_gradient_of_conv2d(case):
    x, kernel, bias, y = run(case, bias=True)
    assume(y is not None)
    z = np.zeros(y.shape)
    dz, _, _ = conv2d_backward(x, z, kernel, strides=case["strides"], padding=case["padding"],
                               dilation_rate=case["dilation_rate"])
    np.testing.assert_allclose(y, dz + bias, **TIGHT)


@RUNS
@given(any_case())
def test_loop_version_equals_fast_version(case):
    fast, naive = run(case, bias=True)[3], run(case, conv2d_transpose_naive, bias=True)[3]
    assert (fast is None) == (naive is None)
    if fast is not None:
        np.testing.assert_allclose(naive, fast, **TIGHT)


# ----------------------------------------------------------------------------- convolution arithmetic

def stretch_and_pad(y, s, before, after):
    """The guide's equivalent input: s - 1 zeros between cells, `before` zeros above/left and
    `after` below/right (one spatial axis pair at a time, for an (N, H, W, C) array)."""
    n, h, w, c = y.shape
    out = np.zeros((n, before + (h - 1) * s + 1 + after, before + (w - 1) * s + 1 + after, c))
    out[:, before: before + (h - 1) * s + 1: s, before: before + (w - 1) * s + 1: s] = y
    return out


def equivalent_direct_convolution(y, kernel, s, p, a):
    """Relationship 14: stretch y, pad by k - p - 1 (plus a at the bottom and right), then a
    stride-1 convolution with the flipped kernel (its channels read from C_in to C_out)."""
    k = kernel.shape[0]
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    return cl.conv2d(stretch_and_pad(y, s, k - p - 1, k - p - 1 + a), flipped)


# The examples of the guide's figures for its relationships 8-14: (relationship, i, k, s, p, o'),
# where i is the input size of the convolution and o'(i', k, s, p, a) the output size of its
# transpose as the relationship states it (i' the transpose's input size).
GUIDE_FIGURES = [
    (8, 4, 3, 1, 0, lambda i_, k, s, p, a: i_ + (k - 1)),
    (9, 5, 4, 1, 2, lambda i_, k, s, p, a: i_ + (k - 1) - 2 * p),
    (10, 5, 3, 1, 1, lambda i_, k, s, p, a: i_),
    (11, 5, 3, 1, 2, lambda i_, k, s, p, a: i_ - (k - 1)),
    (12, 5, 3, 2, 0, lambda i_, k, s, p, a: s * (i_ - 1) + k),
    (13, 5, 3, 2, 1, lambda i_, k, s, p, a: s * (i_ - 1) + k - 2 * p),
    (14, 6, 3, 2, 1, lambda i_, k, s, p, a: s * (i_ - 1) + a + k - 2 * p),
]


@pytest.mark.parametrize("relationship, i, k, s, p, o_prime", GUIDE_FIGURES,
                         ids=[f"relationship-{r[0]}" for r in GUIDE_FIGURES])
def test_guide_figures(relationship, i, k, s, p, o_prime):
    rng = np.random.default_rng(relationship)
    o = (i + 2 * p - k) // s + 1                       # the convolution's output: the transpose's input i'
    a = (i + 2 * p - k) % s
    assert (relationship == 14) == (a > 0)             # only the last figure needs the extra a
    y, kernel = rng.standard_normal((1, o, o, 2)), rng.standard_normal((k, k, 3, 2))
    got = conv2d_transpose(y, kernel, strides=s, padding=p, output_padding=a)
    assert o_prime(o, k, s, p, a) == i
    assert got.shape == (1, i, i, 3) and conv_transpose_output_size(o, k, s, p, a) == i
    np.testing.assert_allclose(got, equivalent_direct_convolution(y, kernel, s, p, a), **TIGHT)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4), st.integers(0, 2**16))
def test_relationship_14_general_padding_and_strides(i, k, s, p, seed):
    assume(p < k and i + 2 * p >= k)                   # p' = k - p - 1 >= 0; the convolution has an output
    o = (i + 2 * p - k) // s + 1
    a = (i + 2 * p - k) % s                            # the input sizes i - a .. i - a + s - 1 all give o
    y, kernel = random_arrays(seed, (1, o, o, 2), (k, k, 2, 2))[:2]
    got = conv2d_transpose(y, kernel, strides=s, padding=p, output_padding=a)
    assert got.shape[1] == s * (o - 1) + a + k - 2 * p == i
    np.testing.assert_allclose(got, equivalent_direct_convolution(y, kernel, s, p, a), **TIGHT)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 3),
       st.integers(0, 2**16))
def test_relationship_15_dilation_uses_the_effective_kernel_size(i, k, s, d, p, seed):
    k_hat = k + (k - 1) * (d - 1)
    assume(i + 2 * p >= k_hat and p < k_hat)
    o = (i + 2 * p - k_hat) // s + 1                   # relationship 15, the dilated convolution
    a = (i + 2 * p - k_hat) % s
    assert cl.output_size(i, k, p, s, d) == o
    assert conv_transpose_output_size(o, k, s, p, a, d) == i
    y, kernel = random_arrays(seed, (1, o, o, 1), (k, k, 2, 1))[:2]
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    expected = cl.conv2d(stretch_and_pad(y, s, k_hat - p - 1, k_hat - p - 1 + a), flipped, dilation_rate=d)
    np.testing.assert_allclose(conv2d_transpose(y, kernel, strides=s, padding=p, output_padding=a, dilation_rate=d),
                               expected, **TIGHT)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 10), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.sampled_from(["valid", "same", "full", 0, 1, 2, (0, 1), (2, 0)]))
def test_every_output_size_maps_back_to_the_input_size(n, f, s, d, padding):
    """The s sizes that a convolution sends to n are exactly the sizes output_padding offers."""
    def conv_size(m):
        try:
            return cl.output_size(m, f, padding, s, d)
        except ValueError:
            return None
    sizes = {m for m in range(1, (n + 2) * s + d * f + 1) if conv_size(m) == n}
    offered = set()
    for a in [None, *range(s)]:
        try:
            offered.add(conv_transpose_output_size(n, f, s, padding, a, d))
        except ValueError:
            pass
    assert offered == sizes


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 8), st.integers(1, 5), st.integers(1, 4), st.sampled_from(["valid", "same"]),
       st.one_of(st.none(), st.integers(0, 3)))
def test_output_size_matches_keras(n, f, s, padding, output_padding):
    assume(output_padding is None or output_padding < s)
    layer = keras.layers.Conv2DTranspose(1, (f, 1), strides=(s, 1), padding=padding,
                                         output_padding=None if output_padding is None else (output_padding, 0))
    expected = layer.compute_output_shape((1, n, 1, 1))[1]
    if padding == "same" and output_padding == 0 and f % 2 == 0:
        with pytest.raises(ValueError, match="output_padding=0"):   # TensorFlow refuses to compute it
            conv_transpose_output_size(n, f, s, padding, output_padding)
    else:
        assert conv_transpose_output_size(n, f, s, padding, output_padding) == expected


def test_two_input_sizes_one_output_size():
    assert cl.output_size(7, 3, 0, 2) == cl.output_size(8, 3, 0, 2) == 3
    assert [conv_transpose_output_size(3, 3, 2, "valid", a) for a in (0, 1)] == [7, 8]


# ----------------------------------------------------------------------------- shapes and dtypes

def test_layouts_and_dtypes():
    rng = np.random.default_rng(0)
    assert conv2d_transpose(rng.random((3, 4)), rng.random((2, 2)), strides=2).shape == (6, 8)
    assert conv2d_transpose(rng.random((3, 4)), rng.random((2, 2, 5, 1))).shape == (4, 5, 5)
    assert conv2d_transpose(rng.random((3, 4, 2)), rng.random((2, 2, 5, 2))).shape == (4, 5, 5)
    assert conv2d_transpose(rng.random((2, 3, 4, 2)), rng.random((2, 2, 5, 2)), padding="same").shape == (2, 3, 4, 5)
    assert conv2d_transpose(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32)).dtype == np.float32
    assert conv2d_transpose(np.ones((2, 2), int), np.ones((2, 2), int)).dtype == np.float64
    np.testing.assert_array_equal(conv2d_transpose([[1]], [[2]], bias=[5]), [[7]])


def test_checkerboard_when_the_kernel_size_is_not_a_multiple_of_the_stride():
    """Odena et al. (2016): with k = 3, s = 2 some output cells receive two copies, others one."""
    counts = conv2d_transpose(np.ones((4, 4)), np.ones((3, 3)), strides=2)[1:-1, 1:-1]
    assert set(np.unique(counts)) == {1, 2, 4}
    assert np.all(conv2d_transpose(np.ones((4, 4)), np.ones((4, 4)), strides=2)[2:-2, 2:-2] == 4)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.ones((2, 2, 2, 2, 2))), r"x must be .*got shape \(2, 2, 2, 2, 2\)"),
    (dict(x=np.ones((0, 3))), r"x must be a non-empty.*\(0, 3\)"),
    (dict(kernel=np.ones((3, 3, 1))), r"kernel must be .*\(fh, fw, C_out, C_in\).*\(3, 3, 1\)"),
    (dict(x=np.ones((1, 3, 3, 2)), kernel=np.ones((2, 2, 2, 3))), r"channel mismatch.*C_in.*3"),
    (dict(x=np.ones((3, 3, 1)), kernel=np.ones((2, 2))), r"2-D kernel"),
    (dict(bias=[1, 2]), r"bias must hold one value per output channel.*\(1,\).*\(2,\)"),
    (dict(strides=0), r"strides must be .*got 0"),
    (dict(dilation_rate=(1, -1)), r"dilation_rate must be .*\(1, -1\)"),
    (dict(padding="half"), r"padding must be .*'half'"),
    (dict(strides=2, output_padding=2), r"output_padding must be .* 0 to strides - 1 = 1; got 2"),
    (dict(output_padding=-1), r"output_padding must be .*got -1"),
    (dict(output_padding=(0, 0, 0)), r"output_padding must be None, a whole number or a pair"),
    (dict(kernel=np.ones((2, 2)), padding="same", output_padding=0), r"output_padding=0 with padding='same'"),
    (dict(padding=5), r"along the rows of x \(shape \(3, 3\).*padding=\(5, 5\) removes more than"),
    (dict(x=[["a"]]), r"x must hold integers or floats"),
])
def test_bad_arguments_get_clear_messages(kwargs, match):
    args = dict(x=np.ones((3, 3)), kernel=np.ones((3, 3)), bias=None, strides=1, padding="valid",
                output_padding=None, dilation_rate=1)
    args.update(kwargs)
    for function in (conv2d_transpose, conv2d_transpose_naive):
        with pytest.raises((ValueError, TypeError), match=match):
            function(**args)


@pytest.mark.parametrize("args, match", [
    ((0, 3), "n must be a positive whole number"),
    ((3, 0), "f must be a positive whole number"),
    ((3, 3, 2, "valid", 2), "output_padding must be"),
    ((3, 2, 1, "same", 0), r"use None\.$"),
    ((3, 3, 1, "valid", None, True), "dilation_rate must be"),
])
def test_output_size_errors(args, match):
    with pytest.raises(ValueError, match=match):
        conv_transpose_output_size(*args)


def test_large_calls_are_refused_unless_forced():
    with pytest.raises(ValueError, match=r"conv2d_transpose with x of shape \(2, 2\).*GB.*force=True"):
        conv2d_transpose(np.ones((2, 2)), np.ones((2, 2)), strides=10**5)
    with pytest.raises(ValueError, match=r"conv2d_transpose_naive .*multiply-adds.*force=True"):
        conv2d_transpose_naive(np.ones((1, 40, 40, 16)), np.ones((5, 5, 16, 16)))   # 1.02e7
    big = np.ones((1, 1, 1, 1)), np.ones((60, 60, 3000, 1))           # 1.08e7 multiply-adds in one loop step
    with pytest.raises(ValueError, match="multiply-adds"):
        conv2d_transpose_naive(*big)
    assert conv2d_transpose_naive(*big, force=True).shape == (1, 60, 60, 3000)


def test_docstring_examples():
    result = doctest.testmod(convlib.transpose, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0


def test_exported_from_convlib():
    assert cl.conv2d_transpose is conv2d_transpose
    assert cl.conv_transpose_output_size is conv_transpose_output_size


# ----------------------------------------------------------------------------- the explorer and its twin

@pytest.mark.parametrize("padding, output_padding", [("valid", None), ("valid", 1), ("same", None), ("same", 1),
                                                     (1, 0), (((0, 1), (1, 0)), None)])
def test_explorer_state_adds_one_copy_per_step_and_ends_on_the_output(padding, output_padding):
    x, kernel = np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(1.0, 10.0).reshape(3, 3)
    states = [transposed_conv_state(x, kernel, 2, padding, output_padding, step=k) for k in range(4)]
    expected = conv2d_transpose(x, kernel, strides=2, padding=padding, output_padding=output_padding)
    previous = np.zeros_like(states[0]["canvas"])
    for k, state in enumerate(states):
        i, j = divmod(k, 2)
        added = state["canvas"] - previous
        np.testing.assert_array_equal(added[2 * i: 2 * i + 3, 2 * j: 2 * j + 3], x[i, j] * kernel)
        assert np.count_nonzero(added) == 9 and state["cells"][0] == (2 * i, 2 * j)
        previous = state["canvas"]
    top, left, rows, cols = states[-1]["crop"]
    np.testing.assert_array_equal(states[-1]["canvas"][top: top + rows, left: left + cols], expected)
    assert states[-1]["crop_mask"].sum() == states[-1]["canvas"].size - expected.size


def test_explorer_follows_its_controls_and_reports_refused_settings():
    explorer = transposed_conv_explorer()
    assert explorer.state["output"].shape == (5, 5)
    explorer.controls["padding"].value = "same"
    assert explorer.state["output"].shape == (4, 4)
    explorer.controls["step"].value = 3
    assert (explorer.state["i"], explorer.state["j"]) == (1, 1)
    explorer.controls["kernel"].value = "4x4 ones"
    explorer.controls["output_padding"].value = 0      # 'same', even kernel, 0: no output size fits
    assert "output_padding=0" in explorer.message.value
    explorer.controls["output_padding"].value = 1
    assert explorer.message.value == "" and explorer.state["output"].shape == (3, 3)


def test_animation_has_one_frame_per_input_cell():
    assert count_frames(transposed_conv_animation()) == 4
    assert count_frames(transposed_conv_animation(np.ones((2, 3)), np.ones((2, 2)), strides=1)) == 6


def test_stretched_input_convolved_with_the_flipped_kernel_is_the_transposed_convolution():
    rng = np.random.default_rng(0)
    for shape, f, s in (((2, 2), 3, 2), ((3, 2), 2, 3), ((2, 4), 4, 1)):
        x, kernel = rng.standard_normal(shape), rng.standard_normal((f, f))
        grid, inserted, border = stretched_input(x, f, s)
        np.testing.assert_allclose(cl.conv2d(grid, kernel[::-1, ::-1]),
                                   conv2d_transpose(x, kernel, strides=s, output_padding=0), **TIGHT)
        assert inserted.sum() == grid.size - border.sum() - x.size and not np.any(grid[inserted | border])
    fig = plot_stretched_input()
    assert len(fig.axes) == 2
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.ones((2, 2, 1))), r"x must be a non-empty 2-D array .*\(2, 2, 1\)"),
    (dict(step=4), r"step must be between 0 and 3 .*got 4"),
    (dict(strides=0), r"strides must be"),
])
def test_explorer_state_errors(kwargs, match):
    args = dict(x=np.ones((2, 2)), kernel=np.ones((3, 3)), strides=2, step=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        transposed_conv_state(**args)
