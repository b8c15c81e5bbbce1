"""convlib.keras_reference.keras_conv: the chapters' Keras check gives the worked examples,
tf.nn.conv2d's results, and the shapes convlib.conv2d gives; bad input is refused clearly."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

tf = pytest.importorskip("tensorflow")

import convlib  # noqa: E402
from convlib.keras_reference import keras_conv  # noqa: E402

X = np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])


def test_worked_example_by_hand():
    # top-left: 7 + 4 + 3 - 3 - 3 - 2 = 6 (curriculum, chapter 2)
    np.testing.assert_array_equal(keras_conv(X, EDGE), [[6, -9, -8], [-3, -2, -3], [-3, 0, -2]])


def test_strides_are_rows_then_columns():
    grid = np.arange(100).reshape(10, 10)
    np.testing.assert_array_equal(keras_conv(grid, np.ones((1, 1)), strides=(2, 3)), grid[::2, ::3])


@pytest.mark.parametrize("options", [dict(), dict(strides=(2, 3)), dict(padding="same", strides=2),
                                     dict(padding="same"), dict(dilation_rate=2)])
def test_volume_with_bias_matches_tf_nn_conv2d(options):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 9, 8, 3)).astype("float32")
    kernel = rng.normal(size=(3, 2, 3, 4)).astype("float32")
    bias = rng.normal(size=4).astype("float32")
    strides = options.get("strides", 1)
    expected = tf.nn.conv2d(x, kernel, strides=strides, padding=options.get("padding", "valid").upper(),
                            dilations=options.get("dilation_rate", 1)).numpy() + bias
    np.testing.assert_allclose(keras_conv(x, kernel, bias, **options), expected, rtol=1e-5, atol=1e-5)
    # one image (H, W, C) comes back without the batch axis
    np.testing.assert_allclose(keras_conv(x[0], kernel, bias, **options), expected[0], rtol=1e-5, atol=1e-5)


def test_shapes_follow_conv2d():
    rng = np.random.default_rng(4)
    x2 = rng.normal(size=(6, 7))
    k4 = rng.normal(size=(3, 3, 1, 2))
    assert keras_conv(x2, k4).shape == convlib.conv2d(x2, k4).shape == (4, 5, 2)
    np.testing.assert_allclose(keras_conv(x2, k4), convlib.conv2d(x2, k4), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("args, kwargs, words", [
    ((np.zeros(5), EDGE), {}, ["x", "(5,)"]),
    ((X, np.ones((3, 3, 1))), {}, ["kernel", "(3, 3, 1)"]),
    ((np.zeros((5, 5, 3)), EDGE), {}, ["2-D kernel", "(5, 5, 3)"]),
    ((np.zeros((5, 5, 2)), np.ones((3, 3, 3, 1))), {}, ["channel", "in_channels=3"]),
    ((X, EDGE, [0, 0]), {}, ["bias", "1", "2"]),
    ((X, EDGE), dict(padding=1), ["padding", "1", "'valid' or 'same'", "ZeroPadding2D"]),
    ((X, EDGE), dict(padding="full"), ["padding", "'full'"]),
    ((X, EDGE), dict(strides=0), ["strides", "0"]),
    ((X, EDGE), dict(strides=2, dilation_rate=2), ["strides", "dilation_rate"]),
])
def test_errors_name_the_argument(args, kwargs, words):
    with pytest.raises(ValueError) as info:
        keras_conv(*args, **kwargs)
    for word in words:
        assert word in str(info.value)
