"""convlib against the real thing: TensorFlow, Keras layers and SciPy, on random configurations."""
import keras
import numpy as np
import pytest
import scipy.signal
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convlib as cl

RUNS = settings(max_examples=250, deadline=None)
small = st.integers(1, 3)


@st.composite
def conv_case(draw, explicit_padding=True):
    n, c, f = draw(small), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(small), draw(small)
    dh, dw = draw(small), draw(small)
    h, w = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    choices = ["valid", "same"] + (["explicit"] if explicit_padding else [])
    mode = draw(st.sampled_from(choices))
    padding = mode
    if mode == "explicit":
        padding = tuple(tuple(draw(st.integers(0, 3)) for _ in range(2)) for _ in range(2))
    seed = draw(st.integers(0, 2**16))
    return dict(shape=(n, h, w, c), kernel=(fh, fw, c, f), strides=(sh, sw), dilation=(dh, dw),
                padding=padding, seed=seed)


def fits(case):
    (n, h, w, c), (fh, fw, _, _) = case["shape"], case["kernel"]
    (dh, dw), padding = case["dilation"], case["padding"]
    if padding == "same":
        return True
    (t, b), (l, r) = padding if padding != "valid" else ((0, 0), (0, 0))
    return dh * (fh - 1) + 1 <= h + t + b and dw * (fw - 1) + 1 <= w + l + r


def arrays(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"]).astype(np.float32)
    k = rng.standard_normal(case["kernel"]).astype(np.float32)
    b = rng.standard_normal(case["kernel"][3]).astype(np.float32)
    return x, k, b


def tf_padding(padding):
    if isinstance(padding, str):
        return padding.upper()
    (t, b), (l, r) = padding
    return [[0, 0], [t, b], [l, r], [0, 0]]


@RUNS
@given(conv_case())
def test_conv2d_matches_tf_nn_conv2d(case):
    assume(fits(case))
    x, k, b = arrays(case)
    expected = tf.nn.conv2d(x, k, strides=case["strides"], padding=tf_padding(case["padding"]),
                            dilations=case["dilation"]).numpy() + b
    got = cl.conv2d(x, k, bias=b, strides=case["strides"], padding=case["padding"],
                    dilation_rate=case["dilation"])
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_tf_onednn_case():
    # Found by the property test above: one column, a kernel two columns wide, strides (1, 2),
    # 'same'. Keras pads one column on the right, so each output is x * k[0, 0]. TensorFlow's
    # oneDNN kernel returned zeros here; its reference kernel (used by these tests) and convlib
    # both give the hand result.
    x = np.array([0.5, -2.0, 3.0, 1.5], dtype=np.float32).reshape(2, 2, 1, 1)
    k = np.array([-0.5, 0.25], dtype=np.float32).reshape(1, 2, 1, 1)
    by_hand = (x * -0.5)
    np.testing.assert_array_equal(cl.conv2d(x, k, strides=(1, 2), padding="same"), by_hand)
    np.testing.assert_array_equal(tf.nn.conv2d(x, k, strides=(1, 2), padding="SAME").numpy(), by_hand)


@settings(max_examples=60, deadline=None)
@given(conv_case(explicit_padding=False))
def test_conv2d_matches_keras_conv2d_layer(case):
    assume(fits(case))
    # Keras does not combine strides > 1 with dilation_rate > 1.
    assume(max(case["strides"]) == 1 or max(case["dilation"]) == 1)
    x, k, b = arrays(case)
    layer = keras.layers.Conv2D(case["kernel"][3], case["kernel"][:2], strides=case["strides"],
                                padding=case["padding"], dilation_rate=case["dilation"])
    layer.build(x.shape)
    layer.set_weights([k, b])
    expected = keras.ops.convert_to_numpy(layer(x))
    got = cl.conv2d(x, k, bias=b, strides=case["strides"], padding=case["padding"],
                    dilation_rate=case["dilation"])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(conv_case())
def test_naive_loops_equal_vectorised(case):
    assume(fits(case))
    x, k, b = arrays(case)
    kwargs = dict(bias=b, strides=case["strides"], padding=case["padding"], dilation_rate=case["dilation"])
    np.testing.assert_allclose(cl.conv2d_naive(x, k, **kwargs), cl.conv2d(x, k, **kwargs), rtol=1e-5, atol=1e-5)


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["valid", "same", "full"]), st.integers(0, 2**16))
def test_2d_correlation_and_convolution_match_scipy(h, w, fh, fw, mode, seed):
    # Odd and even kernels: for 'same', SciPy centres both results on the full output,
    # and convlib's rules (Keras' for conv2d, its mirror image for convolve2d) agree.
    assume(mode != "valid" or (fh <= h and fw <= w))
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((h, w)), rng.standard_normal((fh, fw))
    np.testing.assert_allclose(cl.conv2d(x, k, padding=mode), scipy.signal.correlate2d(x, k, mode=mode), atol=1e-10)
    np.testing.assert_allclose(cl.convolve2d(x, k, padding=mode), scipy.signal.convolve2d(x, k, mode=mode), atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 14), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3), st.integers(1, 3))
def test_output_size_matches_what_conv2d_returns(n, f, p, s, d):
    assume(d * (f - 1) + 1 <= n + 2 * p)
    out = cl.conv2d(np.zeros((n, n)), np.zeros((f, f)), padding=p, strides=s, dilation_rate=d)
    assert out.shape == (cl.output_size(n, f, p, s, d),) * 2


@st.composite
def pool_case(draw):
    n, c = draw(small), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    pool = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    strides = draw(st.one_of(st.none(), st.tuples(small, small)))
    padding = draw(st.sampled_from(["valid", "same"]))
    assume(padding == "same" or (pool[0] <= h and pool[1] <= w))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal((n, h, w, c)).astype(np.float32)
    return x, pool, strides, padding


@settings(max_examples=100, deadline=None)
@given(pool_case())
def test_pooling_matches_keras_layers(case):
    x, pool, strides, padding = case
    for ours, layer in [(cl.max_pool2d, keras.layers.MaxPooling2D), (cl.avg_pool2d, keras.layers.AveragePooling2D)]:
        expected = keras.ops.convert_to_numpy(layer(pool_size=pool, strides=strides, padding=padding)(x))
        np.testing.assert_allclose(ours(x, pool, strides, padding), expected, rtol=1e-5, atol=1e-6)
    expected_min = -keras.ops.convert_to_numpy(keras.layers.MaxPooling2D(pool, strides, padding)(-x))
    np.testing.assert_allclose(cl.min_pool2d(x, pool, strides, padding), expected_min, rtol=1e-5, atol=1e-6)


def test_global_pooling_matches_keras():
    x = np.random.default_rng(3).standard_normal((2, 5, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(cl.global_max_pool2d(x), keras.layers.GlobalMaxPooling2D()(x), rtol=1e-6)
    np.testing.assert_allclose(cl.global_avg_pool2d(x), keras.layers.GlobalAveragePooling2D()(x), rtol=1e-5)


def test_activations_match_keras():
    x = np.linspace(-5, 5, 41).astype(np.float32)
    np.testing.assert_allclose(cl.relu(x), keras.activations.relu(x))
    np.testing.assert_allclose(cl.leaky_relu(x), keras.layers.LeakyReLU()(x), rtol=1e-6)
    np.testing.assert_allclose(cl.sigmoid(x), keras.activations.sigmoid(x), rtol=1e-6)
    logits = np.random.default_rng(0).standard_normal((4, 10)).astype(np.float32)
    np.testing.assert_allclose(cl.softmax(logits), keras.activations.softmax(logits), rtol=1e-5)


def test_strides_with_dilation_as_tf_nn_conv2d_computes_them():
    # keras.layers.Conv2D refuses strides > 1 together with dilation_rate > 1; tf.nn.conv2d
    # computes the combination (the hypothesis test above compares many), and so does convlib.
    with pytest.raises(ValueError, match="strides > 1"):
        keras.layers.Conv2D(1, 3, strides=2, dilation_rate=2)
    rng = np.random.default_rng(5)
    x, k = rng.standard_normal((1, 9, 10, 2)).astype(np.float32), rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    expected = tf.nn.conv2d(x, k, strides=(2, 3), padding="VALID", dilations=2).numpy()
    assert expected.shape == (1, 3, 2, 4)
    np.testing.assert_allclose(cl.conv2d(x, k, strides=(2, 3), dilation_rate=2), expected, rtol=1e-5, atol=1e-5)


def with_nan(x, seed):
    x = x.copy()
    x[np.random.default_rng(seed).random(x.shape) < 0.4] = np.nan
    return x


@settings(max_examples=100, deadline=None)
@given(pool_case(), st.integers(0, 2**16))
def test_max_and_min_pooling_skip_nan_as_tensorflow_does(case, seed):
    x, pool, strides, padding = case
    x = with_nan(x, seed)
    for ours, sign in [(cl.max_pool2d, 1), (cl.min_pool2d, -1)]:
        expected = sign * tf.nn.max_pool2d(sign * x, pool, strides or pool, padding.upper()).numpy()
        # TensorFlow starts each window at the lowest float32 and returns it for a window of only NaN;
        # convlib returns NaN there, as its docstring says.
        no_number = expected == sign * np.finfo(np.float32).min
        got = ours(x, pool, strides, padding)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got[~no_number], expected[~no_number])
        assert np.isnan(got[no_number]).all()
        assert no_number.sum() == np.isnan(got).sum()


def test_nan_in_average_and_global_pooling_as_keras():
    x = with_nan(np.random.default_rng(2).standard_normal((2, 6, 6, 3)).astype(np.float32), 0)
    assert np.isnan(x).any() and not np.isnan(x).all()
    np.testing.assert_array_equal(cl.avg_pool2d(x, 2), keras.layers.AveragePooling2D(2)(x).numpy())
    np.testing.assert_array_equal(cl.global_max_pool2d(x), keras.layers.GlobalMaxPooling2D()(x).numpy())
    assert np.isnan(cl.global_max_pool2d(x)).all()  # every channel of every image holds a NaN here


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize("f", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("s", [1, 2, 3])
def test_same_padding_matches_tensorflow(n, f, s):
    # The amount TF pads: compare a conv of ones-with-marker against explicit padding.
    before, after = cl.same_padding(n, f, s)
    x = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1)
    k = np.arange(1, f + 1, dtype=np.float32).reshape(f, 1, 1, 1)
    same = tf.nn.conv2d(x, k, strides=s, padding="SAME").numpy()
    explicit = tf.nn.conv2d(x, k, strides=s, padding=[[0, 0], [before, after], [0, 0], [0, 0]]).numpy()
    np.testing.assert_array_equal(same, explicit)
