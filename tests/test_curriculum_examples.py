"""The worked examples of the course material, computed by convlib.

Expected values are the hand-computed figures of CURRICULUM.md, not outputs of convlib.
"""
import numpy as np
import pytest

import convlib as cl

VERTICAL_EDGE = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]


@pytest.mark.parametrize("conv", [cl.conv2d, cl.conv2d_naive])
@pytest.mark.parametrize(
    "image, kernel, expected",
    [
        ([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]],
         VERTICAL_EDGE, [[6, -9, -8], [-3, -2, -3], [-3, 0, -2]]),
        ([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
         [[1, 0, 1], [0, 1, 0], [1, 0, 1]], [[4, 3, 4], [2, 4, 3], [2, 3, 4]]),
        ([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
         [[0, 1, 2], [2, 2, 0], [0, 1, 2]], [[12, 12, 17], [10, 17, 19], [9, 6, 14]]),
    ],
)
def test_worked_convolutions(conv, image, kernel, expected):
    np.testing.assert_array_equal(conv(np.array(image), np.array(kernel)), expected)


def test_top_left_cell_by_hand():
    image = np.array([[7, 2, 3], [4, 5, 3], [3, 3, 2]])
    assert cl.conv2d(image, VERTICAL_EDGE)[0, 0] == 7 + 4 + 3 - 3 - 3 - 2 == 6


def half_bright(n=6):
    image = np.zeros((n, n))
    image[:, : n // 2] = 10
    return image


def test_vertical_edge_on_half_bright_image():
    out = cl.conv2d(half_bright(), cl.kernel("vertical_edge"))
    np.testing.assert_array_equal(out, np.tile([0, 30, 30, 0], (4, 1)))


def test_horizontal_edge_on_transposed_image_rotates_the_edge():
    out = cl.conv2d(half_bright().T, cl.kernel("horizontal_edge"))
    np.testing.assert_array_equal(out, np.tile([0, 30, 30, 0], (4, 1)).T)


def test_dark_to_light_edge_is_negative():
    out = cl.conv2d(half_bright()[:, ::-1], cl.kernel("vertical_edge"))
    np.testing.assert_array_equal(out, np.tile([0, -30, -30, 0], (4, 1)))


def test_laplacian_like_kernels_vanish_on_flat_regions():
    flat = np.full((5, 5), 87.0)
    for name in ("laplacian", "laplacian_8", "edge_diagonal", "sobel_x", "sobel_y", "vertical_edge"):
        np.testing.assert_array_equal(cl.conv2d(flat, cl.kernel(name)), np.zeros((3, 3)), err_msg=name)


def test_blur_kernels_preserve_flat_regions():
    flat = np.full((5, 5), 87.0)
    for name in ("box_blur", "gaussian_blur", "sharpen", "identity"):
        np.testing.assert_allclose(cl.conv2d(flat, cl.kernel(name)), np.full((3, 3), 87.0), err_msg=name)


@pytest.mark.parametrize(
    "n, f, padding, strides, expected",
    [(7, 3, 1, 2, 4), (25, 5, 0, 2, 11), (11, 3, 1, 2, 6), (7, 3, 0, 1, 5), (5, 3, 0, 1, 3),
     (5, 3, 1, 1, 5), (12, 3, 0, 1, 10)],
)
def test_output_size_figures(n, f, padding, strides, expected):
    assert cl.output_size(n, f, padding=padding, strides=strides) == expected


def test_output_size_volumes():
    assert cl.conv_output_shape((25, 25, 3), 5, 16, strides=2) == (11, 11, 16)
    h, w, c = cl.conv_output_shape((11, 11, 3), 3, 32, strides=2, padding=1)
    assert (h, w, c) == (6, 6, 32) and h * w * c == 1152
    assert cl.conv_output_shape((32, 32, 3), 3, 32) == (30, 30, 32)
    assert cl.conv_output_shape((39, 39, 3), 3, 10) == (37, 37, 10)
    assert cl.conv_output_shape((6, 6, 3), 4, 2) == (3, 3, 2)
    assert cl.conv_output_shape((32, 32, 3), 5, 6) == (28, 28, 6)


def test_same_padding_keeps_size_for_odd_kernels():
    for f in (1, 3, 5, 7):
        assert cl.same_padding(9, f) == ((f - 1) // 2, (f - 1) // 2)
        assert cl.output_size(9, f, padding="same") == 9


def test_dilation_effective_kernel():
    assert cl.effective_kernel_size(3, 2) == 5
    assert cl.output_size(7, 3, dilation_rate=2) == 3


def test_padded_sharpen_example_keeps_5x5():
    picture = np.arange(60, 140, 80 / 25).reshape(5, 5).round()
    assert picture.min() >= 60 and picture.max() <= 139
    padded = cl.pad2d(picture, 1)
    assert padded.shape == (7, 7)
    assert cl.conv2d(padded, cl.kernel("sharpen")).shape == (5, 5)
    # Centre cell by hand: 5 * centre - its four neighbours.
    c = picture
    assert cl.conv2d(padded, cl.kernel("sharpen"))[2, 2] == 5 * c[2, 2] - c[1, 2] - c[3, 2] - c[2, 1] - c[2, 3]


def test_border_pixels_are_used_fewer_times_without_padding():
    # How many 3x3 windows of a valid 5x5 convolution cover each pixel: count by hand...
    counts = np.zeros((5, 5))
    for i in range(3):
        for j in range(3):
            counts[i:i + 3, j:j + 3] += 1
    assert counts[0, 0] == 1 and counts[0, 2] == 3 and counts[2, 2] == 9
    # ...and as a 'full' correlation of the 3x3 output grid with a 3x3 window of ones.
    np.testing.assert_array_equal(cl.conv2d(np.ones((3, 3)), np.ones((3, 3)), padding="full"), counts)


def test_parameter_counts():
    assert cl.conv_params(3, 3, 2) == (3 * 3 * 3 + 1) * 2 == 56
    assert cl.conv_params(5, 3, 6) == 456
    assert cl.conv_params(3, 3, 512) == 14_336
    assert cl.conv_params(1, 512, 64) == 32_832
    assert cl.conv_params(3, 1, 32) == 320
    assert cl.conv_params(3, 32, 64) == 18_496
    assert cl.conv_params(3, 64, 64) == 36_928
    assert cl.conv_params(3, 3, 64) == 1_792
    assert cl.dense_params(576, 64) == 36_928
    assert cl.dense_params(64, 10) == 650
    assert cl.dense_params(13 * 13 * 64, 1024) == 11_076_608


def test_vgg16_parameter_count():
    blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    total, channels = 0, 3
    for filters, convs in blocks:
        for _ in range(convs):
            total += cl.conv_params(3, channels, filters)
            channels = filters
    total += cl.dense_params(7 * 7 * 512, 4096) + cl.dense_params(4096, 4096) + cl.dense_params(4096, 1000)
    assert total == 138_357_544


def test_inception_bottleneck_cost():
    direct = cl.conv_multiplies((28, 28, 192), 5, 32, padding="same")
    bottleneck = cl.conv_multiplies((28, 28, 192), 1, 16) + cl.conv_multiplies((28, 28, 16), 5, 32, padding="same")
    assert direct == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert bottleneck == 28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16 == 12_443_648


def test_dense_multiplies():
    assert cl.dense_multiplies(784, 512) == 401_408


def test_receptive_field_grows_with_depth():
    assert cl.receptive_field([(3, 1)]) == 3
    assert cl.receptive_field([(3, 1), (3, 1)]) == 5
    assert cl.receptive_field([(3, 1), (3, 1), (3, 1)]) == 7
    assert cl.receptive_field([(3, 1), (2, 2), (3, 1)]) == 8
    assert cl.receptive_field([(3, 1, 2)]) == 5


def test_pooling_example():
    x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    np.testing.assert_array_equal(cl.max_pool2d(x), [[7, 6], [9, 8]])
    np.testing.assert_array_equal(cl.avg_pool2d(x), [[4, 3], [5, 6]])
    np.testing.assert_array_equal(cl.min_pool2d(x), [[1, 1], [1, 3]])
    np.testing.assert_array_equal(cl.sum_pool2d(x), [[16, 12], [20, 24]])
    np.testing.assert_allclose(cl.mixed_pool2d(x, 0.25), 0.25 * np.array([[7, 6], [9, 8]]) + 0.75 * np.array([[4, 3], [5, 6]]))
    assert cl.max_pool2d(x, pool_size=3, strides=1).shape == (2, 2)


def test_12x12_through_valid_3x3_then_pool_is_5x5():
    x = np.zeros((12, 12))
    after_conv = cl.conv2d(x, np.ones((3, 3)))
    assert after_conv.shape == (10, 10)
    assert cl.max_pool2d(after_conv).shape == (5, 5)


def test_one_by_one_conv_on_one_channel_is_scaling():
    x = np.array([[3, 5, 2], [2, 6, 4], [1, 3, 4]])
    np.testing.assert_array_equal(cl.conv2d(x, [[2]]), 2 * x)


def test_one_by_one_conv_mixes_channels():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 4, 3))
    w = rng.standard_normal((1, 1, 3, 2))
    expected = np.einsum("hwc,cf->hwf", x, w[0, 0])
    np.testing.assert_allclose(cl.conv2d(x, w), expected)


def test_multi_channel_filter_sums_over_channels():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, (6, 6, 3))
    k = rng.integers(-1, 2, (4, 4, 3, 2))
    out = cl.conv2d(x, k, bias=[1, -1])
    assert out.shape == (3, 3, 2)
    by_hand = sum(cl.conv2d(x[:, :, c], k[:, :, c, 0]) for c in range(3)) + 1
    np.testing.assert_array_equal(out[:, :, 0], by_hand)


def test_uint8_images_do_not_overflow():
    x = np.full((3, 3), 200, dtype=np.uint8)
    assert cl.conv2d(x, np.ones((3, 3)))[0, 0] == 1800
    assert cl.sum_pool2d(x, 3)[0, 0] == 1800


def test_relu_leaky_relu_softmax():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(cl.relu(x), [0, 0, 3])
    np.testing.assert_allclose(cl.leaky_relu(x, 0.1), [-0.2, 0, 3])
    s = cl.softmax(np.array([1000.0, 1001.0, 1002.0]))
    assert np.isfinite(s).all() and np.isclose(s.sum(), 1)
    np.testing.assert_allclose(s, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum())


def test_named_kernels():
    assert set(cl.KERNEL_NAMES) >= {
        "identity", "edge_diagonal", "laplacian", "laplacian_8", "sobel_x", "sobel_y", "sharpen",
        "box_blur", "gaussian_blur", "vertical_edge", "vertical_edge_dark_to_light",
        "horizontal_edge", "horizontal_edge_dark_to_light",
    }
    np.testing.assert_allclose(cl.kernel("box_blur").sum(), 1)
    np.testing.assert_allclose(cl.kernel("gaussian_blur") * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    k = cl.kernel("sharpen")
    k[1, 1] = 0  # a copy: editing it does not change the library's kernel
    assert cl.kernel("sharpen")[1, 1] == 5
