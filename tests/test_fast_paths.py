"""The fast paths of conv2d and conv2d_transpose against the loop versions and TensorFlow.

conv2d computes 2 x 2 and 3 x 3 kernels at stride 1 with Winograd's minimal filtering
(convlib.conv._winograd) once the input channels and the filters reach
WINOGRAD_MIN_CHANNELS, and everything else with im2col, block by block;
conv2d_transpose splits its output into stride phases, computed as one conv2d when
their taps are alike and as one conv2d each otherwise. The property tests
of test_against_references.py and test_transpose.py use at most 4 channels, so they
exercise im2col only: the cases here are chosen to reach each path (a spy checks that
they do) on odd sizes, batch 1, one channel, every padding form, dilation, float32 and
float64. References: conv2d_naive and conv2d_transpose_naive (loops over the formula,
float64, to 1e-10), tf.nn.conv2d and tf.nn.conv2d_transpose (float32, the tolerances
of the other reference tests), and exact equality on integer inputs, which the
transforms (additions and halvings) keep exact.
"""
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import conv
from convlib.transpose import conv2d_transpose, conv2d_transpose_naive

RUNS = settings(max_examples=60, deadline=None)
CLOSE = dict(rtol=1e-10, atol=1e-10)
TF_CLOSE = dict(rtol=1e-4, atol=1e-4)
WIDE = conv.WINOGRAD_MIN_CHANNELS  # channels and filters that reach the Winograd path


@pytest.fixture
def winograd_calls(monkeypatch):
    """Count the calls of conv._winograd (through conv2d and conv2d_transpose)."""
    calls = []
    real = conv._winograd

    def spy(x, kernel, pads, dilation, out=None):
        calls.append((x.dtype, kernel.shape, pads, dilation))
        return real(x, kernel, pads, dilation, out=out)

    monkeypatch.setattr(conv, "_winograd", spy)
    monkeypatch.setattr(cl.transpose, "_winograd", spy)
    return calls


def tf_padding(padding):
    if isinstance(padding, str):
        return padding.upper()
    (t, b), (l, r) = padding
    return [[0, 0], [t, b], [l, r], [0, 0]]


def fits(shape, kernel, padding, dilation):
    """Whether the dilated kernel fits the padded input (conv2d refuses it otherwise)."""
    if padding == "same":
        return True
    (t, b), (l, r) = ((0, 0), (0, 0)) if padding == "valid" else padding
    return all(d * (f - 1) + 1 <= n + p for n, f, p, d in zip(shape[1:3], kernel[:2], (t + b, l + r), dilation))


# ---------------------------------------------------------------- Winograd, called directly

@pytest.mark.parametrize("r", [2, 3])
@pytest.mark.parametrize("shape, pads, dilation", [
    ((1, 1, 1, 1), ((1, 1), (1, 1)), (1, 1)),      # one cell, 'same' for r = 3
    ((1, 5, 7, 1), ((0, 0), (0, 0)), (1, 1)),      # odd sizes, one channel, 'valid'
    ((2, 6, 6, 3), ((1, 1), (1, 1)), (1, 1)),      # even sizes: the tiles fit exactly
    ((1, 9, 4, 2), ((0, 3), (2, 0)), (1, 1)),      # uneven explicit padding
    ((3, 7, 8, 2), ((2, 2), (2, 2)), (2, 2)),      # dilation 2
    ((1, 11, 10, 1), ((0, 1), (3, 1)), (3, 2)),    # different dilations per axis
    ((1, 2, 3, 1), ((4, 4), (2, 2)), (4, 1)),      # dilation larger than the output (r = 3): empty sub-grids
])
def test_winograd_matches_the_loops(r, shape, pads, dilation):
    rng = np.random.default_rng(r * 100 + sum(shape))
    x = rng.standard_normal(shape)
    kernel = rng.standard_normal((r, r, shape[3], 3))
    expected = cl.conv2d_naive(x, kernel, padding=pads, dilation_rate=dilation)
    np.testing.assert_allclose(conv._winograd(x, kernel, pads, dilation), expected, **CLOSE)


@pytest.mark.parametrize("r", [2, 3])
def test_winograd_is_exact_on_integers(r):
    rng = np.random.default_rng(r)
    x = rng.integers(-50, 50, (2, 9, 7, 3)).astype(np.float64)
    kernel = rng.integers(-9, 9, (r, r, 3, 4)).astype(np.float64)
    for pads, dilation in [(((1, 1), (1, 1)), (1, 1)), (((0, 2), (1, 0)), (2, 1))]:
        got = conv._winograd(x, kernel, pads, dilation)
        np.testing.assert_array_equal(got, cl.conv2d_naive(x, kernel, padding=pads, dilation_rate=dilation))


def test_winograd_writes_into_a_strided_out():
    rng = np.random.default_rng(5)
    x, kernel = rng.standard_normal((2, 6, 5, 2)), rng.standard_normal((3, 3, 2, 3))
    expected = cl.conv2d_naive(x, kernel, padding="same")
    whole = np.full((2, 12, 10, 3), np.nan)
    returned = conv._winograd(x, kernel, ((1, 1), (1, 1)), (1, 1), out=whole[:, 1::2, ::2])
    assert np.shares_memory(returned, whole)
    np.testing.assert_allclose(whole[:, 1::2, ::2], expected, **CLOSE)
    assert np.isnan(whole[:, ::2]).all() and np.isnan(whole[:, :, 1::2]).all()  # nothing else written


@pytest.mark.parametrize("block_bytes", [1, 20_000, 1 << 30])
def test_winograd_blocks_of_any_size(monkeypatch, block_bytes):
    # One row group per block, a few, and everything at once, with tiles hanging over.
    monkeypatch.setattr(conv, "WINOGRAD_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(7)
    x, kernel = rng.standard_normal((3, 13, 9, 2)), rng.standard_normal((3, 3, 2, 2))
    for pads, dilation in [(((1, 1), (1, 1)), (1, 1)), (((0, 2), (3, 1)), (2, 3))]:
        np.testing.assert_allclose(conv._winograd(x, kernel, pads, dilation),
                                   cl.conv2d_naive(x, kernel, padding=pads, dilation_rate=dilation), **CLOSE)


# ---------------------------------------------------------------- conv2d, through its public call

@st.composite
def winograd_case(draw):
    n = draw(st.integers(1, 2))
    c, f = draw(st.integers(WIDE, WIDE + 4)), draw(st.integers(WIDE, WIDE + 4))
    r = draw(st.sampled_from([2, 3]))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    mode = draw(st.sampled_from(["valid", "same", "full", "explicit"]))
    padding = mode if mode != "explicit" else tuple(tuple(draw(st.integers(0, 3)) for _ in range(2)) for _ in range(2))
    return dict(shape=(n, h, w, c), kernel=(r, r, c, f), padding=padding, dilation=dilation,
                seed=draw(st.integers(0, 2**16)))


@RUNS
@given(winograd_case())
def test_conv2d_winograd_path_matches_the_loops(case):
    assume(case["padding"] == "full" or fits(case["shape"], case["kernel"], case["padding"], case["dilation"]))
    rng = np.random.default_rng(case["seed"])
    x, kernel = rng.standard_normal(case["shape"]), rng.standard_normal(case["kernel"])
    bias = rng.standard_normal(case["kernel"][3])
    kwargs = dict(padding=case["padding"], dilation_rate=case["dilation"])
    np.testing.assert_allclose(cl.conv2d(x, kernel, bias, **kwargs), cl.conv2d_naive(x, kernel, bias, **kwargs),
                               **CLOSE)


@RUNS
@given(winograd_case())
def test_conv2d_winograd_path_matches_tf_in_float32(case):
    assume(case["padding"] != "full" and fits(case["shape"], case["kernel"], case["padding"], case["dilation"]))
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"]).astype(np.float32)
    kernel = rng.standard_normal(case["kernel"]).astype(np.float32)
    expected = tf.nn.conv2d(x, kernel, strides=1, padding=tf_padding(case["padding"]),
                            dilations=case["dilation"]).numpy()
    got = cl.conv2d(x, kernel, padding=case["padding"], dilation_rate=case["dilation"])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, **TF_CLOSE)


@pytest.mark.parametrize("x_shape, kernel_shape, kwargs", [
    ((1, 7, 5, WIDE), (3, 3, WIDE, WIDE), dict(padding="same")),
    ((2, 6, 9, WIDE + 1), (2, 2, WIDE + 1, WIDE), dict(padding="valid")),
    ((1, 10, 10, WIDE), (3, 3, WIDE, WIDE + 3), dict(padding=((0, 2), (1, 0)), dilation_rate=2)),
    ((9, 9, WIDE), (3, 3, WIDE, WIDE), dict(padding="same")),   # (H, W, C): no batch axis
])
def test_conv2d_takes_the_winograd_path(winograd_calls, x_shape, kernel_shape, kwargs):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(x_shape).astype(np.float32)
    kernel = rng.standard_normal(kernel_shape).astype(np.float32)
    got = cl.conv2d(x, kernel, **kwargs)
    assert len(winograd_calls) == 1 and winograd_calls[0][0] == np.float32  # no float64 on the way
    assert got.dtype == np.float32
    expected = cl.conv2d_naive(x.astype(np.float64), kernel.astype(np.float64), **kwargs)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("x_shape, kernel_shape, kwargs", [
    ((1, 8, 8, WIDE - 1), (3, 3, WIDE - 1, WIDE), {}),          # too few channels
    ((1, 8, 8, WIDE), (3, 3, WIDE, WIDE - 1), {}),              # too few filters
    ((1, 8, 8, WIDE), (3, 3, WIDE, WIDE), dict(strides=2)),     # strided
    ((1, 8, 8, WIDE), (3, 2, WIDE, WIDE), {}),                  # not square
    ((1, 8, 8, WIDE), (4, 4, WIDE, WIDE), {}),                  # no transform for 4 x 4
])
def test_conv2d_keeps_im2col_elsewhere(winograd_calls, x_shape, kernel_shape, kwargs):
    rng = np.random.default_rng(3)
    x, kernel = rng.standard_normal(x_shape), rng.standard_normal(kernel_shape)
    np.testing.assert_allclose(cl.conv2d(x, kernel, **kwargs), cl.conv2d_naive(x, kernel, **kwargs), **CLOSE)
    assert winograd_calls == []


def test_conv2d_is_exact_on_integers_through_winograd(winograd_calls):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (2, 11, 9, WIDE))
    kernel = rng.integers(-3, 4, (3, 3, WIDE, WIDE))
    np.testing.assert_array_equal(cl.conv2d(x, kernel, padding="same"), cl.conv2d_naive(x, kernel, padding="same"))
    assert len(winograd_calls) == 1


@pytest.mark.parametrize("where", [(0, 0, 0), (3, 4, 1)])
def test_conv2d_with_infinities_as_the_loops(winograd_calls, where):
    # Winograd's transforms subtract neighbouring cells (inf - inf is NaN) and mix a tile's
    # four outputs, so non-finite inputs go to im2col, which gives the formula's infinities.
    rng = np.random.default_rng(6)
    x, kernel = rng.standard_normal((1, 6, 7, WIDE)), rng.standard_normal((3, 3, WIDE, WIDE))
    x[0, where[0], where[1], where[2]] = np.inf
    x[0, where[0], where[1] + 2, where[2]] = -np.inf if where[2] else np.inf
    with np.errstate(invalid="ignore"):  # the formula itself meets inf - inf and inf * 0
        got, expected = cl.conv2d(x, kernel, padding="same"), cl.conv2d_naive(x, kernel, padding="same")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[np.isinf(expected)], expected[np.isinf(expected)])
    assert winograd_calls == []


@pytest.mark.parametrize("block_bytes", [1, 30_000])
@pytest.mark.parametrize("kernel_shape, kwargs", [
    ((3, 3, 3, 4), dict(padding="same")),
    ((5, 3, 3, 4), dict(strides=(2, 1), padding="same")),
    ((3, 3, 3, 4), dict(strides=2, dilation_rate=2, padding=((1, 0), (2, 3)))),
])
def test_im2col_in_blocks(monkeypatch, block_bytes, kernel_shape, kwargs):
    # Blocks of one output row, or a few images: each block's product goes to its own rows.
    monkeypatch.setattr(conv, "IM2COL_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(block_bytes)
    x, kernel, bias = rng.standard_normal((5, 9, 8, 3)), rng.standard_normal(kernel_shape), rng.standard_normal(4)
    np.testing.assert_allclose(cl.conv2d(x, kernel, bias, **kwargs), cl.conv2d_naive(x, kernel, bias, **kwargs),
                               **CLOSE)


# ---------------------------------------------------------------- conv2d_transpose

@st.composite
def transpose_case(draw, wide=False, dilation=True):
    n = draw(st.integers(1, 2))
    c_in = draw(st.integers(WIDE, WIDE + 3)) if wide else draw(st.integers(1, 3))
    c_out = draw(st.integers(WIDE, WIDE + 3)) if wide else draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    fh, fw = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 3)), draw(st.integers(1, 3))) if dilation else (1, 1)
    padding = draw(st.sampled_from(["valid", "same", "full", 1, ((0, 2), (1, 0))]))
    output_padding = draw(st.one_of(st.none(), st.tuples(st.integers(0, sh - 1), st.integers(0, sw - 1))))
    return dict(x_shape=(n, h, w, c_in), kernel_shape=(fh, fw, c_out, c_in), strides=(sh, sw), padding=padding,
                output_padding=output_padding, dilation_rate=(dh, dw), seed=draw(st.integers(0, 2**16)))


def transposed(function, case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["x_shape"]).astype(dtype)
    kernel = rng.standard_normal(case["kernel_shape"]).astype(dtype)
    bias = rng.standard_normal(case["kernel_shape"][2]).astype(dtype)
    try:
        return function(x, kernel, bias, strides=case["strides"], padding=case["padding"],
                        output_padding=case["output_padding"], dilation_rate=case["dilation_rate"], force=True)
    except ValueError:
        assume(False)  # an output_padding or padding that this size does not allow


@RUNS
@given(st.one_of(transpose_case(wide=True), transpose_case(wide=False)))
def test_conv2d_transpose_phases_match_the_loops(case):
    # Kernels smaller than the stride (phases without taps), not divisible by it (phases
    # of different sizes), dilation with stride (taps s / gcd(s, d) apart), and channels
    # on both sides of the Winograd threshold.
    np.testing.assert_allclose(transposed(conv2d_transpose, case), transposed(conv2d_transpose_naive, case), **CLOSE)


@RUNS
@given(transpose_case(wide=True, dilation=False))
def test_conv2d_transpose_phases_match_tf_in_float32(case):
    assume(case["padding"] in ("valid", "same"))
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["x_shape"]).astype(np.float32)
    kernel = rng.standard_normal(case["kernel_shape"]).astype(np.float32)
    try:
        got = conv2d_transpose(x, kernel, strides=case["strides"], padding=case["padding"],
                               output_padding=case["output_padding"])
    except ValueError:
        assume(False)
    expected = tf.nn.conv2d_transpose(x, kernel, (x.shape[0], *got.shape[1:]), strides=case["strides"],
                                      padding=case["padding"].upper()).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, **TF_CLOSE)


def test_conv2d_transpose_upsampling_layer_is_one_winograd_convolution(winograd_calls):
    # The upsampling layer of the benchmark, small: 4 x 4 kernel, stride 2, 'same'. Each of
    # the 4 phases has 2 x 2 taps, so together they are one 2 x 2 convolution with 4 C_out
    # filters, through Winograd, in float32 throughout.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 7, WIDE)).astype(np.float32)
    kernel = rng.standard_normal((4, 4, WIDE + 2, WIDE)).astype(np.float32)
    got = conv2d_transpose(x, kernel, strides=2, padding="same")
    assert [call[1] for call in winograd_calls] == [(2, 2, WIDE, 4 * (WIDE + 2))]
    assert winograd_calls[0][0] == np.float32 and got.dtype == np.float32
    expected = tf.nn.conv2d_transpose(x, kernel, (2, 10, 14, WIDE + 2), strides=2, padding="SAME").numpy()
    np.testing.assert_allclose(got, expected, **TF_CLOSE)
    np.testing.assert_allclose(got, conv2d_transpose_naive(x.astype(np.float64), kernel.astype(np.float64),
                                                           strides=2, padding="same"), rtol=1e-5, atol=1e-4)


def test_conv2d_transpose_phases_one_image_at_a_time(monkeypatch, winograd_calls):
    monkeypatch.setattr(cl.transpose, "_CHUNK_BYTES", 1)
    rng = np.random.default_rng(8)
    x, kernel = rng.standard_normal((3, 4, 5, WIDE)), rng.standard_normal((6, 4, WIDE, WIDE))
    bias = rng.standard_normal(WIDE)
    kwargs = dict(strides=(3, 2), padding="same", output_padding=None)
    np.testing.assert_allclose(conv2d_transpose(x, kernel, bias, **kwargs),
                               conv2d_transpose_naive(x, kernel, bias, **kwargs), **CLOSE)
    assert [call[1] for call in winograd_calls] == [(2, 2, WIDE, 6 * WIDE)] * 3


def test_conv2d_transpose_phases_of_different_sizes_one_by_one(winograd_calls):
    # A 3 x 3 kernel at stride 2 gives phases of 2 x 2, 2 x 1, 1 x 2 and 1 x 1 taps (the
    # checkerboard): each its own convolution, Winograd's for the 2 x 2 one only.
    rng = np.random.default_rng(9)
    x, kernel = rng.standard_normal((2, 5, 6, WIDE)), rng.standard_normal((3, 3, WIDE, WIDE))
    for padding in ("valid", "same"):
        winograd_calls.clear()
        np.testing.assert_allclose(conv2d_transpose(x, kernel, strides=2, padding=padding),
                                   conv2d_transpose_naive(x, kernel, strides=2, padding=padding), **CLOSE)
        assert [call[1][:2] for call in winograd_calls] == [(2, 2)]


def test_conv2d_transpose_phases_without_taps_are_zero():
    # A 1 x 1 kernel at stride 2 reaches every other row and column only; the bias still
    # lands everywhere.
    x, kernel = np.arange(6.0).reshape(1, 2, 3, 1), np.full((1, 1, 1, 1), 2.0)
    got = conv2d_transpose(x, kernel, bias=[0.5], strides=2, output_padding=1)
    expected = np.full((1, 4, 6, 1), 0.5)
    expected[0, ::2, ::2, 0] += 2 * x[0, :, :, 0]
    np.testing.assert_array_equal(got, expected)
