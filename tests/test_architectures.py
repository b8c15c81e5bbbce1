"""Architecture builders against keras.applications and hand formulas."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from convlib import conv_multiplies, conv_output_shape, conv_params, dense_params, output_size  # noqa: E402
from convlib.architectures import (  # noqa: E402
    VGG_BLOCKS,
    VGG_FILTERS,
    applications_table,
    block_model,
    build_alexnet,
    build_lenet5,
    build_vgg,
    depth,
    inception_module,
    separable_block,
    separable_conv,
)
from convlib.diagrams import describe_layer, model_graph, plot_block_diagram  # noqa: E402


def vgg_params_by_hand(depth, num_classes=1000):
    total, channels = 0, 3
    for n_convs, filters in zip(VGG_BLOCKS[depth], VGG_FILTERS):
        for _ in range(n_convs):
            total += conv_params(3, channels, filters)
            channels = filters
    return total + dense_params(7 * 7 * 512, 4096) + dense_params(4096, 4096) + dense_params(4096, num_classes)


@pytest.mark.parametrize("depth, expected", [(16, 138_357_544), (19, 143_667_240)])
def test_vgg_matches_keras_applications_layer_by_layer(depth, expected):
    ours = build_vgg(depth)
    reference = getattr(keras.applications, f"VGG{depth}")(weights=None)
    assert ours.count_params() == reference.count_params() == vgg_params_by_hand(depth) == expected
    ref_layers = [layer for layer in reference.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert [layer.name for layer in ours.layers] == [layer.name for layer in ref_layers]
    for a, b in zip(ours.layers, ref_layers):
        assert a.count_params() == b.count_params(), a.name
        assert tuple(a.output.shape) == tuple(b.output.shape), a.name


def test_vgg_without_top_ends_in_7x7x512_and_takes_imagenet_weights_layout():
    base = build_vgg(16, include_top=False)
    assert tuple(base.layers[-1].output.shape) == (None, 7, 7, 512)
    assert base.count_params() == 14_714_688  # the convolutional base: 13 conv layers
    reference = keras.applications.VGG16(weights=None, include_top=False)
    base.set_weights(reference.get_weights())  # same shapes in the same order


def test_vgg_errors_say_what_to_change():
    with pytest.raises(ValueError, match="depth must be 16 or 19"):
        build_vgg(11)
    with pytest.raises(ValueError, match="height and width >= 32"):
        build_vgg(16, input_shape=(16, 16, 3))


def shapes_and_params(model):
    return {layer.name: (tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers}


def bn_params(channels):
    return 4 * channels  # gamma, beta (trained), moving mean and variance


# --------------------------------------------------------------------------- LeNet-5 and AlexNet

def test_lenet5_layer_by_layer_against_the_formulas():
    c1 = conv_output_shape((32, 32, 1), 5, 6)
    s2 = (output_size(c1[0], 2, strides=2),) * 2 + (6,)
    c3 = conv_output_shape(s2, 5, 16)
    s4 = (output_size(c3[0], 2, strides=2),) * 2 + (16,)
    c5 = conv_output_shape(s4, 5, 120)
    expected = {
        "c1_conv": (c1, conv_params(5, 1, 6)), "s2_avgpool": (s2, 0),
        "c3_conv": (c3, conv_params(5, 6, 16)), "s4_avgpool": (s4, 0),
        "c5_conv": (c5, conv_params(5, 16, 120)), "flatten": ((120,), 0),
        "f6_dense": ((84,), dense_params(120, 84)), "output": ((10,), dense_params(84, 10)),
    }
    model = build_lenet5()
    assert shapes_and_params(model) == expected
    assert (c1, s2, c3, s4, c5) == ((28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 120))
    assert model.count_params() == sum(p for _, p in expected.values())
    assert [layer.get_config().get("activation") for layer in model.layers if "conv" in layer.name] == ["tanh"] * 3


def test_alexnet_layer_by_layer_against_the_formulas():
    conv1 = conv_output_shape((227, 227, 3), 11, 96, strides=4)
    pool1 = (output_size(conv1[0], 3, strides=2),) * 2 + (96,)
    conv2 = conv_output_shape(pool1, 5, 256, padding="same")
    pool2 = (output_size(conv2[0], 3, strides=2),) * 2 + (256,)
    conv3 = conv_output_shape(pool2, 3, 384, padding="same")
    conv5 = conv_output_shape(conv3, 3, 256, padding="same")
    pool5 = (output_size(conv5[0], 3, strides=2),) * 2 + (256,)
    flat = int(np.prod(pool5))
    expected = {
        "conv1": (conv1, conv_params(11, 3, 96)), "pool1": (pool1, 0),
        "conv2": (conv2, conv_params(5, 96, 256)), "pool2": (pool2, 0),
        "conv3": (conv3, conv_params(3, 256, 384)), "conv4": (conv3, conv_params(3, 384, 384)),
        "conv5": (conv5, conv_params(3, 384, 256)), "pool5": (pool5, 0), "flatten": ((flat,), 0),
        "fc6": ((4096,), dense_params(flat, 4096)), "dropout6": ((4096,), 0),
        "fc7": ((4096,), dense_params(4096, 4096)), "dropout7": ((4096,), 0),
        "predictions": ((1000,), dense_params(4096, 1000)),
    }
    model = build_alexnet()
    assert shapes_and_params(model) == expected
    assert (conv1, pool1, pool2, pool5, flat) == ((55, 55, 96), (27, 27, 96), (13, 13, 256), (6, 6, 256), 9216)
    assert model.count_params() == sum(p for _, p in expected.values())
    assert round(model.count_params() / 1e6, 1) == 62.4  # the single-stream version's usual "62.4M"


def test_alexnet_smallest_input_follows_from_the_output_size_formula():
    def last_side(n):
        for f, s in ((11, 4), (3, 2), (3, 2), (3, 2)):  # conv1 and the three poolings ('same' convs keep the size)
            n = output_size(n, f, strides=s)
        return n

    assert last_side(67) == 1
    with pytest.raises(ValueError):
        last_side(66)
    assert tuple(build_alexnet((67, 67, 3), num_classes=5, dropout=0).layers[-1].output.shape) == (None, 5)
    with pytest.raises(ValueError, match="too small.*at least 67"):
        build_alexnet((66, 66, 3))


def test_lenet_and_alexnet_errors_say_what_to_change():
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        build_lenet5(num_classes=0)
    with pytest.raises(ValueError, match=r"dropout must be a rate in \[0, 1\)"):
        build_alexnet(dropout=1.5)
    with pytest.raises(ValueError, match="input_shape must be \\(height, width, channels\\)"):
        build_alexnet((227, 227))


# --------------------------------------------------------------------------- Inception

def test_inception_1x1_bottleneck_multiplications_of_the_curriculum():
    direct = conv_multiplies((28, 28, 192), 5, 32, padding="same")
    reduce = conv_multiplies((28, 28, 192), 1, 16)
    then_5x5 = conv_multiplies((28, 28, 16), 5, 32, padding="same")
    assert direct == 28 * 28 * 32 * (5 * 5 * 192)
    assert reduce == 28 * 28 * 16 * 192 and then_5x5 == 28 * 28 * 32 * (5 * 5 * 16)
    assert round(direct / 1e6) == 120  # "about 120M"
    assert round((reduce + then_5x5) / 1e6, 1) == 12.4  # "about 12.4M"
    assert 9 < direct / (reduce + then_5x5) < 10


def test_inception_module_3a_shapes_and_parameters():
    model = block_model(inception_module, (28, 28, 192), f1=64, f3_reduce=96, f3=128, f5_reduce=16, f5=32,
                        pool_proj=32, name="3a")
    assert tuple(model.output.shape) == (None, 28, 28, 64 + 128 + 32 + 32)
    expected = {"3a_1x1": conv_params(1, 192, 64), "3a_3x3_reduce": conv_params(1, 192, 96),
                "3a_3x3": conv_params(3, 96, 128), "3a_5x5_reduce": conv_params(1, 192, 16),
                "3a_5x5": conv_params(5, 16, 32), "3a_pool_proj": conv_params(1, 192, 32)}
    for name, params in expected.items():
        assert model.get_layer(name).count_params() == params, name
        assert tuple(model.get_layer(name).output.shape[1:3]) == (28, 28), name
    assert model.count_params() == sum(expected.values())
    _, parents, _ = model_graph(model)
    assert parents["3a_concat"] == ["3a_1x1", "3a_3x3", "3a_5x5", "3a_pool_proj"]


def test_naive_inception_module_passes_all_input_channels_through_the_pool():
    model = block_model(inception_module, (28, 28, 192), f1=64, f3_reduce=None, f3=128, f5_reduce=None, f5=32,
                        pool_proj=None, name="naive")
    assert tuple(model.output.shape[1:]) == (28, 28, 64 + 128 + 32 + 192)
    assert model.count_params() == conv_params(1, 192, 64) + conv_params(3, 192, 128) + conv_params(5, 192, 32)


def test_inception_errors_say_what_to_change():
    import keras

    with pytest.raises(ValueError, match="f5_reduce must be a positive integer .* or None"):
        inception_module(keras.Input((28, 28, 192)), 64, 96, 128, 0, 32, 32)
    with pytest.raises(ValueError, match="f1 must be a positive integer"):
        inception_module(keras.Input((28, 28, 192)), None, 96, 128, 16, 32, 32)
    with pytest.raises(ValueError, match="x must be a 4-D feature map .* got \\(None, 28, 192\\)"):
        inception_module(keras.Input((28, 192)), 64, 96, 128, 16, 32, 32)
    with pytest.raises(ValueError, match="name must be a non-empty string .* got ''"):
        inception_module(keras.Input((28, 28, 192)), 64, 96, 128, 16, 32, 32, name="")


# --------------------------------------------------------------------------- depthwise separable

@pytest.mark.parametrize("k, c_in, c_out", [(3, 64, 128), (5, 3, 16)])
def test_separable_conv_parameters_against_the_formula_and_keras(k, c_in, c_out):
    import keras

    formula = k * k * c_in + c_in * c_out + c_out  # depthwise weights, pointwise weights, pointwise biases
    split = block_model(separable_conv, (16, 16, c_in), filters=c_out, kernel_size=k, name="sep")
    fused = block_model(separable_conv, (16, 16, c_in), filters=c_out, kernel_size=k, split=False, name="sep")
    reference = keras.layers.SeparableConv2D(c_out, k, padding="same")
    reference.build((None, 16, 16, c_in))
    assert split.count_params() == fused.count_params() == reference.count_params() == formula
    assert split.get_layer("sep_depthwise").count_params() == k * k * c_in
    assert split.get_layer("sep_pointwise").count_params() == conv_params(1, c_in, c_out)
    assert formula < conv_params(k, c_in, c_out)
    assert tuple(split.output.shape) == tuple(fused.output.shape) == (None, 16, 16, c_out)


def test_split_and_fused_separable_conv_compute_the_same_thing():
    split = block_model(separable_conv, (9, 9, 4), filters=6, name="a")
    fused = block_model(separable_conv, (9, 9, 4), filters=6, split=False, name="b")
    rng = np.random.default_rng(1)
    depthwise, pointwise, bias = (rng.normal(size=w.shape).astype("float32") for w in fused.get_weights())
    fused.set_weights([depthwise, pointwise, bias])
    split.get_layer("a_depthwise").set_weights([depthwise])
    split.get_layer("a_pointwise").set_weights([pointwise, bias])
    x = rng.normal(size=(2, 9, 9, 4)).astype("float32")
    np.testing.assert_allclose(split.predict(x, verbose=0), fused.predict(x, verbose=0), rtol=1e-4, atol=1e-4)


def test_separable_block_matches_a_middle_flow_block_of_keras_xception():
    import keras

    ours = block_model(separable_block, (19, 19, 728), name="mid")
    sep = 3 * 3 * 728 + 728 * 728  # no bias: batch norm follows
    assert ours.count_params() == 3 * (sep + bn_params(728))
    assert tuple(ours.output.shape) == (None, 19, 19, 728)
    xception = keras.applications.Xception(weights=None, include_top=False, input_shape=(299, 299, 3))
    block5 = [layer for layer in xception.layers if layer.name.startswith("block5_")]
    assert sum(layer.count_params() for layer in block5) == ours.count_params()
    assert tuple(block5[-1].output.shape[1:]) == (19, 19, 728)
    _, parents, _ = model_graph(ours)
    assert parents["mid_add"] == ["mid_bn3", "input"]  # the identity shortcut joins the last batch norm
    # With the separable kernels at zero the main path gives only the batch-norm offsets (0 at
    # initialisation), so the block returns its input unchanged.
    for layer in ours.layers:
        if layer.name.startswith("mid_sepconv"):
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    x = np.random.default_rng(0).normal(size=(1, 19, 19, 728)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), x, atol=1e-6)


def test_separable_errors_say_what_to_change():
    import keras

    with pytest.raises(ValueError, match="split and use_bias must be True or False"):
        separable_conv(keras.Input((8, 8, 3)), 8, split="yes")
    with pytest.raises(ValueError, match="kernel_size must be a positive integer"):
        separable_conv(keras.Input((8, 8, 3)), 8, kernel_size=0)
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        separable_block(keras.Input((8, 8, 3)), repeats=0)
    with pytest.raises(ValueError, match="block must be a function"):
        block_model("inception_module", (8, 8, 3))


# --------------------------------------------------------------------------- Keras Applications

def test_applications_table_counts_parameters_and_depth_as_the_keras_docs_do():
    (row,) = applications_table(["MobileNetV2"])
    # Keras Applications documentation: MobileNetV2 has 3,538,984 parameters and depth 105.
    assert row["name"] == "MobileNetV2"
    assert row["parameters"] == 3_538_984
    assert row["depth"] == 105
    assert row["layers"] > row["depth"] and row["seconds"] > 0


def test_depth_counts_the_layers_that_hold_parameters():
    assert depth(build_lenet5()) == 5  # c1, c3, c5, f6, output
    assert depth(build_vgg(16, include_top=False)) == 13


def test_applications_table_errors_say_what_to_change():
    with pytest.raises(ValueError, match="'ResNet51' is not a model in keras.applications; choose from: .*ResNet50"):
        applications_table(["ResNet51"])
    with pytest.raises(ValueError, match="names must be a list of model names"):
        applications_table("ResNet50")


# --------------------------------------------------------------------------- block diagrams

def test_block_diagram_draws_one_box_per_layer_and_groups_runs():
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    def boxes(fig):
        return [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]

    lenet = build_lenet5()
    fig = plot_block_diagram(lenet)
    assert len(boxes(fig)) == len(lenet.layers) + 1  # plus the input
    assert fig.dpi == 75
    plt.close(fig)
    vgg = build_vgg(16, include_top=False)
    fig = plot_block_diagram(vgg, group=lambda name: name.split("_")[0])
    assert len(boxes(fig)) == 1 + 5
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Conv2D 3x3, relu ×3 | MaxPool 2x2 → 7×7×512" in texts
    plt.close(fig)
    inception = block_model(inception_module, (28, 28, 192), f1=64, f3_reduce=96, f3=128, f5_reduce=16, f5=32,
                            pool_proj=32, name="3a")
    fig = plot_block_diagram(inception)
    centres = {round(p.get_x() + p.get_width() / 2, 3) for p in boxes(fig)}
    assert len(centres) == 4 + 1  # four branch columns, input and concat centred between them
    plt.close(fig)


def test_describe_layer_and_diagram_errors():
    import keras

    conv = keras.layers.Conv2D(96, 11, strides=4, activation="relu")
    assert describe_layer(conv) == "Conv2D 11x11 /4, relu"
    assert describe_layer(keras.layers.MaxPooling2D(3, strides=2)) == "MaxPool 3x3 /2"
    assert describe_layer(keras.layers.MaxPooling2D(2)) == "MaxPool 2x2"
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        plot_block_diagram(conv)
    with pytest.raises(ValueError, match="group must be a function"):
        plot_block_diagram(build_lenet5(), group="block")


def test_compare_with_formulas_reports_agreement_and_differences(capsys):
    from convlib.architectures import compare_with_formulas

    model = build_lenet5()
    right = {"c1_conv": ((28, 28, 6), conv_params(5, 1, 6)), "c3_conv": ((10, 10, 16), conv_params(5, 6, 16)),
             "c5_conv": ((1, 1, 120), conv_params(5, 16, 120)), "f6_dense": ((84,), dense_params(120, 84)),
             "output": ((10,), dense_params(84, 10))}
    assert compare_with_formulas(model, right) is True
    assert "model and formulas agree" in capsys.readouterr().out
    wrong_shape = dict(right, c1_conv=((32, 32, 6), conv_params(5, 1, 6)))
    assert compare_with_formulas(model, wrong_shape) is False
    assert "<- differs" in capsys.readouterr().out
    incomplete = {k: v for k, v in right.items() if k != "output"}
    assert compare_with_formulas(model, incomplete) is False  # the totals differ
    with pytest.raises(ValueError, match="does not have: \\['c2_conv'\\]"):
        compare_with_formulas(model, {"c2_conv": ((1,), 1)})
