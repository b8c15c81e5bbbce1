"""convlib.inspection on tiny models built here, most with hand-set weights so the answer is known:
feature maps against convlib's NumPy convolution, activation maximisation against images whose
optimum is obvious, occlusion and Grad-CAM against models that look at one region or one colour,
rank correlation against SciPy, resizing against TensorFlow."""
import keras
import numpy as np
import pytest
from keras import layers
from scipy.stats import spearmanr

from convlib import conv2d, conv_output_shape, max_pool2d, models, output_size, relu
from convlib import inspection as ins
from convlib import inspection_plots as plots

RNG = np.random.default_rng(12)


def small_cnn(front=(), seed=0):
    """[front] -> Conv(4, 3x3, relu) -> MaxPool(2) -> Conv(5, 3x3, same, relu) -> Flatten -> Dense(3, softmax)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((12, 12, 3)), *front,
                             layers.Conv2D(4, 3, activation="relu", name="c1"),
                             layers.MaxPooling2D(2, name="pool"),
                             layers.Conv2D(5, 3, padding="same", activation="relu", name="c2"),
                             layers.Flatten(name="flat"),
                             layers.Dense(3, activation="softmax", name="out")], name="small")


def colour_model(weight=5.0):
    """Conv 1x1: channel 0 = red, channel 1 = green (ReLU) -> global mean -> Dense(2, softmax).

    The score of class 1 is `weight` times the mean red, of class 0 `weight` times the mean green.
    """
    model = keras.Sequential([keras.Input((8, 8, 3)),
                              layers.Conv2D(2, 1, activation="relu", name="detect"),
                              layers.GlobalAveragePooling2D(name="gap"),
                              layers.Dense(2, activation="softmax", name="out")], name="colours")
    kernel = np.zeros((1, 1, 3, 2), "float32")
    kernel[0, 0, 0, 0] = kernel[0, 0, 1, 1] = 1
    model.get_layer("detect").set_weights([kernel, np.zeros(2, "float32")])
    model.get_layer("out").set_weights([np.array([[0, weight], [weight, 0]], "float32"), np.zeros(2, "float32")])
    return model


def red_green_image():
    """A 3x3 red square at the top left, a 2x2 green one at the bottom right, black elsewhere."""
    image = np.zeros((8, 8, 3), "float32")
    image[0:3, 0:3, 0] = 1
    image[5:7, 5:7, 1] = 1
    return image


# --------------------------------------------------------------------------- layers, filters, feature maps

def test_conv_layers_and_filters_are_the_layers_own():
    model = small_cnn()
    assert [(c.name, c.filters, c.kernel_size, c.padding) for c in ins.conv_layers(model)] == [
        ("c1", 4, (3, 3), "valid"), ("c2", 5, (3, 3), "same")]
    assert ins.conv_layers(model)[0].output_shape == conv_output_shape((12, 12, 3), 3, 4)
    kernel = np.arange(3 * 3 * 3 * 4, dtype="float32").reshape(3, 3, 3, 4) / 100
    bias = np.array([0.5, -1, 2, 0], "float32")
    model.get_layer("c1").set_weights([kernel, bias])
    got_kernel, got_bias = ins.conv_filters(model, "c1")
    np.testing.assert_array_equal(got_kernel, kernel)
    np.testing.assert_array_equal(got_bias, bias)
    got_kernel[0, 0, 0, 0] = 99  # a copy: changing it leaves the model alone
    np.testing.assert_array_equal(model.get_layer("c1").get_weights()[0], kernel)
    no_bias = keras.Sequential([keras.Input((5, 5, 1)), layers.Conv2D(2, 2, use_bias=False, name="k")])
    assert ins.conv_filters(no_bias, "k")[1] is None


def test_feature_maps_match_numpy_convolution_behind_augmentation_and_rescaling():
    model = small_cnn(front=[layers.RandomFlip("horizontal", name="flip"), layers.Rescaling(0.5, name="half")])
    image = RNG.random((12, 12, 3)).astype("float32")
    maps = ins.feature_maps(model, image, ["c2", "c1"])
    assert list(maps) == ["c2", "c1"]
    assert maps["c1"].shape == conv_output_shape((12, 12, 3), 3, 4) == (10, 10, 4)
    pooled = output_size(10, 2, strides=2)
    assert maps["c2"].shape == conv_output_shape((pooled, pooled, 4), 3, 5, padding="same") == (5, 5, 5)
    k1, b1 = model.get_layer("c1").get_weights()
    k2, b2 = model.get_layer("c2").get_weights()
    # the flip is off at inference, the rescaling is on
    expected_c1 = relu(conv2d(image * 0.5, k1, b1))
    np.testing.assert_allclose(maps["c1"], expected_c1, rtol=1e-5, atol=1e-6)
    expected_c2 = relu(conv2d(max_pool2d(expected_c1, 2), k2, b2, padding="same"))
    np.testing.assert_allclose(maps["c2"], expected_c2, rtol=1e-4, atol=1e-5)
    outputs = ins.feature_map_model(model, ["c1", "pool"])(np.stack([image, image]))
    assert [tuple(o.shape) for o in outputs] == [(2, 10, 10, 4), (2, 5, 5, 4)]
    assert list(ins.feature_maps(model, image)) == ["c1", "c2"]  # default: every conv layer
    single = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(1, 3, name="c")])
    assert ins.feature_maps(single, np.ones((6, 6)))["c"].shape == (4, 4, 1)  # 2-D grey image accepted


def nested_models():
    """A frozen base (two convs) inside a functional classifier and inside a Sequential one."""
    keras.utils.set_random_seed(3)
    base = keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(4, 3, activation="relu", name="b1"),
                             layers.Conv2D(6, 3, activation="relu", name="b2")], name="base")
    base.trainable = False
    scale, gap = layers.Rescaling(1 / 255, name="scale"), layers.GlobalAveragePooling2D(name="gap")
    dense = layers.Dense(3, activation="softmax", name="head")
    inputs = keras.Input((12, 12, 3))
    functional = keras.Model(inputs, dense(gap(base(scale(inputs)))), name="functional")
    sequential = keras.Sequential([keras.Input((12, 12, 3)), scale, base, gap, dense], name="sequential")
    flat = keras.Sequential([keras.Input((12, 12, 3)), scale, *base.layers, gap, dense], name="flat")
    return base, functional, sequential, flat


def test_layers_inside_a_nested_base_are_reached_from_the_outer_input():
    base, functional, sequential, flat = nested_models()
    image = (RNG.random((12, 12, 3)) * 255).astype("float32")
    direct = keras.ops.convert_to_numpy(base(image[None] / 255))[0]
    for model in (functional, sequential):
        assert [(c.name, c.model) for c in ins.conv_layers(model)] == [("b1", "base"), ("b2", "base")]
        maps = ins.feature_maps(model, image, ["b2", "gap"])
        np.testing.assert_allclose(maps["b2"], direct, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(maps["gap"], direct.mean(axis=(0, 1)), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(ins.conv_filters(model, "b1")[0], base.get_layer("b1").get_weights()[0])
        # the same layers without the nesting give the same Grad-CAM
        cam, cam_flat = ins.grad_cam(model, image, 1), ins.grad_cam(flat, image, 1)
        np.testing.assert_allclose(cam.heatmap, cam_flat.heatmap, atol=1e-5)
        assert cam.heatmap.shape == (8, 8) and cam.predicted_class == cam_flat.predicted_class


def test_a_base_that_shares_its_layers_with_the_trained_model_is_opened_too():
    # convlib.models.conv_base reuses the trained layers, so each of them now serves in three models
    trained = small_cnn(seed=4)
    head = models.build_head_model(models.conv_base(trained, last_layer="flat"), num_classes=2)
    image = RNG.random((12, 12, 3)).astype("float32")
    np.testing.assert_allclose(ins.feature_maps(head, image, ["c2"])["c2"],
                               ins.feature_maps(trained, image, ["c2"])["c2"], atol=1e-6)
    assert ins.grad_cam(head, image, 1).heatmap.shape == (5, 5)


def test_a_branching_outer_model_asks_for_the_inner_model():
    base, *_ = nested_models()
    inputs = keras.Input((12, 12, 3))
    x = layers.Concatenate()([layers.GlobalAveragePooling2D()(base(inputs)), layers.Flatten()(inputs)])
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(x))
    with pytest.raises(ValueError, match="not a plain chain of layers.*pass the nested model"):
        ins.feature_maps(model, np.zeros((12, 12, 3)), ["b1"])


# --------------------------------------------------------------------------- activation maximisation

def test_gradient_ascent_finds_the_obvious_optimum_of_a_linear_filter():
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(2, 3, name="lin"), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    kernel = np.zeros((3, 3, 3, 2), "float32")
    kernel[..., 0], kernel[..., 1] = 0.1, -0.1
    model.get_layer("lin").set_weights([kernel, np.zeros(2, "float32")])
    # every pixel raises filter 0 and lowers filter 1: the best images are all-white and all-black
    white, trace = ins.maximise_activation(model, "lin", 0, steps=100, jitter=0, blur_every=0)
    assert white.shape == (8, 8, 3) and white.min() > 0.99
    assert trace[-1] == pytest.approx(0.1 * 27, rel=1e-3) and trace[0] < 0.1 * 27 * 0.6
    black, _ = ins.maximise_activation(model, "lin", 1, steps=100, jitter=1, blur_every=3, value_range=(0, 255))
    assert black.max() < 255 * 0.01


def test_jittered_ascent_maximises_the_activation_averaged_over_the_shifts():
    # A linear unit that wants one-pixel vertical stripes. With jitter 1 each step sees the image
    # shifted by -1, 0 or 1 pixels each way (wrapping round) and shifts its gradient back, so the
    # ascent maximises the unit's mean over those 9 shifts: the sign of the 3x3 circular average
    # of the weights. Two column shifts in three flip the stripes, so that optimum is the opposite
    # phase. Applying a gradient without shifting it back would find the unshifted stripes instead.
    stripes = (np.indices((6, 6))[1] % 2).astype("float32")
    weights = 2 * stripes - 1
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Flatten(), layers.Dense(2, name="score")])
    model.get_layer("score").set_weights([np.stack([weights.ravel(), np.zeros(36)], 1).astype("float32"),
                                          np.zeros(2, "float32")])
    plain, trace = ins.maximise_activation(model, "score", 0, steps=60, jitter=0, blur_every=0)
    np.testing.assert_array_equal(np.round(plain[..., 0]), stripes)
    assert trace[-1] == pytest.approx(18.0, rel=1e-4)  # 18 white pixels with weight +1
    shifted_mean = np.mean([np.roll(weights, (r, c), axis=(0, 1)) for r in (-1, 0, 1) for c in (-1, 0, 1)], axis=0)
    jittered, _ = ins.maximise_activation(model, "score", 0, steps=60, jitter=1, blur_every=0)
    np.testing.assert_array_equal(np.round(jittered[..., 0]), (shifted_mean > 0).astype(float))


def test_gradient_ascent_raises_a_trained_style_filter_and_is_reproducible():
    model = small_cnn(seed=5)
    image, trace = ins.maximise_activation(model, "c2", 3, steps=40, seed=1)
    assert len(trace) == 41 and trace[0] > 0
    assert trace[-1] > 2 * trace[0], trace[[0, -1]]
    assert image.shape == (12, 12, 3) and image.min() >= 0 and image.max() <= 1
    # the last entry is the returned image's own activation
    own = ins.feature_maps(model, image, ["c2"])["c2"][..., 3].mean()
    assert trace[-1] == pytest.approx(own, rel=1e-5)
    again, _ = ins.maximise_activation(model, "c2", 3, steps=40, seed=1)
    np.testing.assert_array_equal(image, again)
    other, _ = ins.maximise_activation(model, "c2", 0, steps=40, seed=1)
    assert not np.allclose(image, other)


def test_gaussian_blur_keeps_the_mean_and_smooths():
    image = np.zeros((9, 9, 1))
    image[4, 4] = 1
    blurred = ins.gaussian_blur(image, 1.0)
    assert blurred.sum() == pytest.approx(1.0)  # the point is far from the edges
    assert blurred[4, 4, 0] < 0.2 and blurred[4, 3, 0] == pytest.approx(blurred[3, 4, 0])
    g = np.exp(-np.arange(-3, 4) ** 2 / 2)
    g /= g.sum()
    np.testing.assert_allclose(blurred[1:8, 1:8, 0], np.outer(g, g), atol=1e-12)


# --------------------------------------------------------------------------- occlusion

def top_left_model(weight=4.0):
    """Class 1's score is `weight` times the mean of the top-left 4x4 quadrant of an 8x8 image; class 0's is 0."""
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(1, 1, name="conv"), layers.Flatten(name="flat"),
                              layers.Dense(2, activation="softmax", name="out")], name="top_left")
    model.get_layer("conv").set_weights([np.ones((1, 1, 1, 1), "float32"), np.zeros(1, "float32")])
    mask = np.zeros((8, 8), "float32")
    mask[:4, :4] = weight / 16
    dense = np.stack([np.zeros(64, "float32"), mask.ravel()], axis=1)
    model.get_layer("out").set_weights([dense, np.zeros(2, "float32")])
    return model


def test_occlusion_drops_only_where_the_model_looks():
    model = top_left_model()
    image = np.ones((8, 8, 1), "float32")
    drop = ins.occlusion_map(model, image, class_index=1, patch_size=2, stride=2, fill=0.0)
    assert drop.shape == (output_size(8, 2, strides=2),) * 2 == (4, 4)
    p1 = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731  softmax of (0, z), second entry
    expected = np.zeros((4, 4))
    expected[:2, :2] = p1(4.0) - p1(4.0 * 12 / 16)  # a 2x2 patch hides 4 of the 16 pixels
    np.testing.assert_allclose(drop, expected, atol=1e-6)
    r, c = np.unravel_index(np.argmax(drop), drop.shape)
    assert r < 2 and c < 2
    # class 0 gains what class 1 loses
    np.testing.assert_allclose(ins.occlusion_map(model, image, 0, patch_size=2, stride=2, fill=0.0), -expected,
                               atol=1e-6)
    # chunked prediction changes nothing; other patch shapes follow the window arithmetic
    np.testing.assert_allclose(ins.occlusion_map(model, image, 1, 2, 2, fill=0.0, batch_size=3), drop, atol=1e-7)
    assert ins.occlusion_map(model, image, 1, patch_size=3, stride=2).shape == (output_size(8, 3, strides=2),) * 2
    assert ins.occlusion_map(model, image, 1, patch_size=(2, 8), stride=(1, 1)).shape == (7, 1)
    # per pixel: the patches tile the image, so each pixel carries its patch's drop
    up = ins.occlusion_map(model, image, 1, patch_size=2, stride=2, fill=0.0, upsample=True)
    np.testing.assert_allclose(up, np.kron(expected, np.ones((2, 2))), atol=1e-6)
    # the default fill is the image's mean: on a uniform image nothing is hidden
    np.testing.assert_array_equal(ins.occlusion_map(model, image, 1, 2, 2), np.zeros((4, 4)))


# --------------------------------------------------------------------------- Grad-CAM

def test_grad_cam_points_at_the_colour_each_class_counts():
    image = red_green_image()
    red, green = image[..., 0], image[..., 1]
    cam = ins.grad_cam(colour_model(), image)
    assert cam.predicted_class == 1  # 9 red pixels beat 4 green ones
    np.testing.assert_allclose(cam.heatmap, red, atol=1e-6)
    np.testing.assert_allclose(ins.grad_cam(colour_model(), image, class_index=0).heatmap, green, atol=1e-6)


def test_grad_cam_uses_scores_before_the_softmax():
    # so confident that the float32 probability of class 1 is exactly 1: its gradient is 0 everywhere
    model = colour_model(weight=1000.0)
    probabilities = keras.ops.convert_to_numpy(model(red_green_image()[None]))
    assert probabilities[0, 1] == 1.0
    np.testing.assert_allclose(ins.grad_cam(model, red_green_image()).heatmap, red_green_image()[..., 0], atol=1e-6)


def test_grad_cam_equals_class_activation_mapping_after_global_pooling():
    # With GAP -> Dense, dy_c/dA_k is w[k, c] / (h w) everywhere, so Grad-CAM is CAM: ReLU(sum_k w[k, c] A_k).
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(6, 3, activation="relu", name="conv"),
                              layers.GlobalAveragePooling2D(), layers.Dense(4, activation="softmax", name="out")])
    image = RNG.random((10, 10, 3)).astype("float32")
    kernel, bias = model.get_layer("conv").get_weights()
    weights = model.get_layer("out").get_weights()[0]
    maps = relu(conv2d(image, kernel, bias))
    for c in range(4):
        expected = np.maximum(maps @ weights[:, c], 0)
        expected = expected / expected.max() if expected.max() > 0 else expected
        np.testing.assert_allclose(ins.grad_cam(model, image, c).heatmap, expected, atol=1e-5)


def test_grad_cam_of_a_model_that_ignores_the_image_is_zero():
    model = colour_model()
    model.get_layer("out").set_weights([np.zeros((2, 2), "float32"), np.array([1.0, 0.0], "float32")])
    heat, predicted = ins.grad_cam(model, red_green_image(), class_index=1)
    np.testing.assert_array_equal(heat, np.zeros((8, 8)))
    assert predicted == 0


def test_grad_cam_defaults_to_the_last_conv_layer_and_handles_one_sigmoid_unit():
    assert ins.grad_cam(small_cnn(), RNG.random((12, 12, 3))).heatmap.shape == (5, 5)
    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(2, 1, activation="relu", name="detect"),
                              layers.GlobalAveragePooling2D(), layers.Dense(1, activation="sigmoid", name="out")])
    model.get_layer("detect").set_weights(colour_model().get_layer("detect").get_weights())
    model.get_layer("out").set_weights([np.array([[1.0], [-1.0]], "float32"), np.zeros(1, "float32")])
    image = red_green_image()  # red speaks for class 1, green for class 0
    cam1, cam0 = ins.grad_cam(model, image, 1), ins.grad_cam(model, image, 0)
    assert cam1.predicted_class == 1
    np.testing.assert_allclose(cam1.heatmap, image[..., 0], atol=1e-6)
    np.testing.assert_allclose(cam0.heatmap, image[..., 1], atol=1e-6)


def test_occlusion_and_grad_cam_agree_on_the_colour_model():
    image = red_green_image()
    occlusion = ins.occlusion_map(colour_model(), image, 1, patch_size=2, stride=1, fill=0.0, upsample=True)
    cam = ins.grad_cam(colour_model(), image, 1).heatmap
    assert ins.rank_correlation(occlusion, cam) > 0.5


# --------------------------------------------------------------------------- comparing maps

@pytest.mark.parametrize("seed", range(4))
def test_rank_correlation_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 5, (6, 7)).astype(float)  # many ties
    b = a + rng.normal(0, 2, (6, 7)).round()
    assert ins.rank_correlation(a, b) == pytest.approx(spearmanr(a.ravel(), b.ravel()).statistic, abs=1e-12)
    assert ins.rank_correlation(a, a) == pytest.approx(1.0)
    assert ins.rank_correlation(a, -a) == pytest.approx(-1.0)


def test_rank_correlation_of_a_constant_map_is_undefined():
    assert np.isnan(ins.rank_correlation(np.zeros((3, 3)), RNG.random((3, 3))))


@pytest.mark.parametrize("shape_in,shape_out", [((3, 5), (8, 11)), ((9, 7), (4, 3)), ((4, 4), (4, 4))])
def test_resize_map_matches_tensorflow_bilinear(shape_in, shape_out):
    import tensorflow as tf

    m = RNG.random(shape_in)
    reference = tf.image.resize(m[None, :, :, None], shape_out, method="bilinear", antialias=False)
    np.testing.assert_allclose(ins.resize_map(m, shape_out), reference.numpy()[0, :, :, 0], atol=1e-6)


# --------------------------------------------------------------------------- errors

def test_error_messages_say_what_was_wrong():
    model = small_cnn()
    image = np.zeros((12, 12, 3))
    with pytest.raises(ValueError, match=r"layer_name 'conv9' is not a Conv2D layer .* valid names: 'c1', 'c2'\."):
        ins.conv_filters(model, "conv9")
    with pytest.raises(ValueError, match=r"'pool' is not a Conv2D layer"):
        ins.conv_filters(model, "pool")
    with pytest.raises(ValueError, match=r"layer_names entry 'nope' is not a layer .* 'c1', 'pool', 'c2', 'flat'"):
        ins.feature_maps(model, image, ["c1", "nope"])
    with pytest.raises(ValueError, match=r"image must have shape \(12, 12, 3\) .* got shape \(32, 32, 3\)"):
        ins.grad_cam(model, np.zeros((32, 32, 3)))
    with pytest.raises(ValueError, match=r"one image \(12, 12, 3\), not a batch"):
        ins.feature_maps(model, np.zeros((1, 12, 12, 3)))
    with pytest.raises(ValueError, match=r"patch_size \(13, 13\) must fit inside the 12x12 image"):
        ins.occlusion_map(model, image, 0, patch_size=13)
    with pytest.raises(ValueError, match=r"class_index must be a whole number from 0 to 2 .* got 3"):
        ins.occlusion_map(model, image, 3)
    with pytest.raises(ValueError, match=r"class_index must be .* got -1"):
        ins.grad_cam(model, image, -1)
    with pytest.raises(ValueError, match=r"filter_index must be a whole number from 0 to 4 \('c2' has 5"):
        ins.maximise_activation(model, "c2", 5)
    with pytest.raises(ValueError, match=r"value_range must be \(low, high\)"):
        ins.maximise_activation(model, "c2", 0, value_range=(1, 0))
    with pytest.raises(ValueError, match=r"fill must be one number or one value per channel \(3\)"):
        ins.occlusion_map(model, image, 0, fill=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"layer_name must name a layer with feature maps .* 'flat'"):
        ins.grad_cam(model, image, layer_name="flat")
    with pytest.raises(ValueError, match=r"has no defined inputs yet: build it on an explicit input"):
        ins.conv_layers(keras.Sequential([layers.Conv2D(2, 3)]))
    with pytest.raises(TypeError, match="model must be a keras.Model; got Conv2D"):
        ins.conv_layers(layers.Conv2D(2, 3))
    with pytest.raises(ValueError, match=r"a and b must have the same shape; got \(2, 2\) and \(3, 3\).*resize_map"):
        ins.rank_correlation(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"heat must be a non-empty 2-D map .* got shape \(2, 2, 1\)"):
        ins.resize_map(np.zeros((2, 2, 1)), (4, 4))


# --------------------------------------------------------------------------- plots

def test_plots_draw_one_cell_per_filter_channel_and_map():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kernel = RNG.normal(size=(3, 3, 3, 4))
    fig = plots.plot_filters(kernel)
    assert len(fig.axes) == 4 * (3 + 1)  # RGB view + one column per channel
    shown = [im.get_array() for ax in fig.axes for im in ax.get_images()]
    assert min(a.min() for a in shown) == 0 and max(a.max() for a in shown) == 1
    np.testing.assert_allclose(fig.axes[1].get_images()[0].get_array(),
                               (kernel[:, :, 0, 0] - kernel.min()) / (kernel.max() - kernel.min()))
    assert len(plots.plot_filters(RNG.normal(size=(5, 5, 2, 20)), max_filters=6).axes) == 6 * 2
    fig = plots.plot_feature_maps({"a": np.zeros((4, 4, 10)), "b": np.zeros((2, 2, 3))}, cols=4)
    assert sum(1 for ax in fig.axes if ax.get_images()) == 13 and len(fig.axes) == (3 + 1) * 4
    ax = plots.overlay_heatmap(np.zeros((16, 16, 3)), np.eye(4))
    assert [im.get_array().shape[:2] for im in ax.get_images()] == [(16, 16), (16, 16)]
    with pytest.raises(ValueError, match=r"kernel must have shape \(fh, fw, c_in, filters\); got shape \(3, 3\)"):
        plots.plot_filters(np.zeros((3, 3)))
    plt.close("all")


def test_filter_tiles_share_one_scale_and_display_image_reads_both_pixel_ranges():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kernel = RNG.normal(size=(3, 3, 2, 11))
    fig = plots.plot_filter_tiles(kernel, channel=1, cols=4)
    assert len(fig.axes) == 3 * 4 and sum(1 for ax in fig.axes if ax.get_images()) == 11
    part = kernel[:, :, 1, :]
    np.testing.assert_allclose(fig.axes[5].get_images()[0].get_array(),
                               (part[:, :, 5] - part.min()) / (part.max() - part.min()))
    assert len(plots.plot_filter_tiles(kernel, max_filters=3).axes) == 3
    with pytest.raises(ValueError, match=r"channel must be a whole number from 0 to 1; got 2"):
        plots.plot_filter_tiles(kernel, channel=2)
    bytes_image = np.array([[0, 51], [255, 102]], dtype=np.uint8)
    np.testing.assert_allclose(plots.display_image(bytes_image), bytes_image / 255.0)
    unit = RNG.random((4, 4, 1))
    np.testing.assert_array_equal(plots.display_image(unit), unit[..., 0])
    np.testing.assert_allclose(plots.display_image(np.array([[-2.0, 0.0], [2.0, 1.0]])), [[0, 0.5], [1, 0.75]])
    with pytest.raises(ValueError, match=r"image must be \(H, W\), \(H, W, 1\) or \(H, W, 3\); got shape \(4, 4, 2\)"):
        plots.display_image(np.zeros((4, 4, 2)))
    plt.close("all")


def test_receptive_fields_follow_convolutions_and_pooling():
    model = small_cnn(front=[layers.Rescaling(0.5, name="half")])
    # c1: 3; pool (2, stride 2): 3 + 1 = 4; c2 (3x3 after a stride of 2): 4 + 2 * 2 = 8
    assert ins.receptive_fields(model) == {"c1": (3, 3), "c2": (8, 8)}
    assert ins.receptive_fields(model, ["pool", "half"]) == {"pool": (4, 4), "half": (1, 1)}
    vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    fields = ins.receptive_fields(vgg, ["block1_conv2", "block5_conv3", "block5_pool"])
    # 5 after block 1; each pool adds (2 - 1) x jump and doubles the jump; each 3x3 conv adds 2 x jump:
    # 5+1 | +8+2 = 16 | +24+4 = 44 | +48+8 = 100 | +96 = 196, then pool 5: 212 (the usual figure for VGG16)
    assert fields == {"block1_conv2": (5, 5), "block5_conv3": (196, 196), "block5_pool": (212, 212)}
    wide = keras.Sequential([keras.Input((20, 20, 1)), layers.Conv2D(1, (3, 5), dilation_rate=(1, 2), name="w")])
    assert ins.receptive_fields(wide) == {"w": (3, 9)}
    nested = models.build_head_model(models.conv_base(models.build_cifar_bn_cnn(num_classes=8)), 2)
    # 3 | pool +1 = 4 | two convs +4 each = 12 | pool +2 = 14 | two convs +8 each = 30
    assert ins.receptive_fields(nested, ["conv_2_1", "relu_3_2"]) == {"conv_2_1": (8, 8), "relu_3_2": (30, 30)}


def test_receptive_fields_count_depthwise_convolutions():
    model = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3, strides=2, name="c"),
                              layers.DepthwiseConv2D(3, name="dw"), layers.Conv2D(8, 1, name="pw"),
                              layers.SeparableConv2D(8, 3, name="sep")])
    # c: 3, jump 2 | dw 3x3: 3 + 2 * 2 = 7 | pw 1x1: 7 | separable 3x3: 7 + 2 * 2 = 11
    assert ins.receptive_fields(model, ["c", "dw", "pw", "sep"]) == {"c": (3, 3), "dw": (7, 7), "pw": (7, 7),
                                                                     "sep": (11, 11)}
