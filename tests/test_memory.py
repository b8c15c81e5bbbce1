"""convlib.memory on small Keras models whose counts are worked out by hand here, and on VGG16."""
import doctest

import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

from convlib import memory  # noqa: E402
from convlib.memory import LayerMemory, memory_table, memory_totals, print_memory_table  # noqa: E402


def by_name(rows):
    return {r.name: r for r in rows}


def test_small_sequential_model_by_hand():
    model = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(4, 3, name="conv"),
                              layers.MaxPooling2D(2, name="pool"), layers.Flatten(name="flat"),
                              layers.Dense(5, name="dense")])
    rows = memory_table(model)
    # conv: 8x8x4 outputs, each a 3x3x3 window; (27 weights + 1 bias) per filter; dense: 64 inputs x 5 units
    expected = [("input", (10, 10, 3), 300, 0, 0), ("conv", (8, 8, 4), 256, 112, 6912),
                ("pool", (4, 4, 4), 64, 0, 0), ("flat", (64,), 64, 0, 0), ("dense", (5,), 5, 325, 320)]
    assert [(r.name, r.output_shape, r.activations, r.parameters, r.multiplies) for r in rows] == expected
    assert [r.bytes for r in rows] == [1200, 1024, 256, 256, 20]
    totals = memory_totals(rows)
    assert totals == {"activations": 689, "bytes": 2756, "parameters": 437, "multiplies": 7232, "uncounted": []}
    assert totals["parameters"] == model.count_params()


def test_dtype_bytes_scales_only_the_bytes():
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3)])
    four, two = memory_table(model), memory_table(model, dtype_bytes=2)
    assert [r.bytes for r in two] == [72, 64]  # 36 and 4 * 4 * 2 = 32 values
    assert [r.bytes for r in four] == [144, 128]
    assert [r.activations for r in two] == [r.activations for r in four]


def test_strides_same_padding_and_dilation():
    x = keras.Input((9, 9, 2), name="image")
    strided = layers.Conv2D(3, 3, strides=2, padding="same", name="strided")(x)  # ceil(9 / 2) = 5
    dilated = layers.Conv2D(3, 3, dilation_rate=2, name="dilated")(x)  # span 5: 9 - 5 + 1 = 5
    model = keras.Model(x, layers.Add(name="add")([strided, dilated]))
    rows = by_name(memory_table(model))
    assert list(rows) == ["image", "strided", "dilated", "add"]  # the functional model's own input layer
    assert rows["image"].activations == 162
    for name in ("strided", "dilated"):
        assert rows[name].output_shape == (5, 5, 3)
        assert rows[name].multiplies == 5 * 5 * 3 * (3 * 3 * 2)  # = 1350: dilation spreads, not adds, taps
        assert rows[name].parameters == 3 * (3 * 3 * 2 + 1)
    assert rows["add"].multiplies == 0


def test_grouped_depthwise_separable_dense_and_batch_norm():
    x = keras.Input((6, 6, 4))
    outputs = [
        layers.Conv2D(4, 3, groups=2, name="grouped")(x),  # each filter sees 2 of the 4 channels
        layers.DepthwiseConv2D(3, depth_multiplier=2, name="depthwise")(x),  # 8 maps, one channel each
        layers.SeparableConv2D(5, 3, name="separable")(x),  # 3x3 per channel, then 4 -> 5 by 1x1
        layers.Dense(3, name="dense")(x),  # on the channel axis at each of the 36 positions
        layers.BatchNormalization(name="bn")(x),
    ]
    model = keras.Model(x, outputs)
    rows = by_name(memory_table(model))
    expected = {
        "grouped": ((4, 4, 4), 4 * (3 * 3 * 2) + 4, 16 * 4 * (3 * 3 * 2)),
        "depthwise": ((4, 4, 8), 8 * 9 + 8, 16 * 8 * 9),
        "separable": ((4, 4, 5), 4 * 9 + 4 * 5 + 5, 16 * 4 * 9 + 16 * 4 * 5),
        "dense": ((6, 6, 3), 4 * 3 + 3, 36 * 4 * 3),
        "bn": ((6, 6, 4), 4 * 4, None),  # gamma, beta, moving mean and variance; not counted
    }
    for name, (shape, params, mults) in expected.items():
        assert (rows[name].output_shape, rows[name].parameters, rows[name].multiplies) == (shape, params, mults), name
    totals = memory_totals(list(rows.values()))
    assert totals["uncounted"] == ["bn"]
    assert totals["multiplies"] == sum(m for _, _, m in expected.values() if m is not None)


def test_nested_model_is_opened_layer_by_layer():
    inner_in = keras.Input((8, 8, 3))
    inner = keras.Model(inner_in, layers.Conv2D(2, 3, name="conv")(inner_in), name="base")
    model = keras.Sequential([keras.Input((8, 8, 3)), inner, layers.GlobalAveragePooling2D(name="gap")])
    rows = memory_table(model)
    assert [(r.name, r.output_shape, r.multiplies) for r in rows] == [
        ("input", (8, 8, 3), 0), ("base/conv", (6, 6, 2), 6 * 6 * 2 * 27), ("gap", (2,), 0)]
    assert memory_totals(rows)["parameters"] == model.count_params()


def test_layer_specs_by_hand():
    specs = [{"kind": "conv", "filters": 6, "kernel_size": 5, "name": "c1"},
             {"kind": "pool", "pool_size": 2},
             {"kind": "conv", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False},
             {"kind": "flatten"},
             {"kind": "dense", "units": 10}]
    rows = memory_table(specs, input_shape=(32, 32, 1), dtype_bytes=2)
    assert [(r.name, r.output_shape, r.activations, r.parameters, r.multiplies) for r in rows] == [
        ("input", (32, 32, 1), 1024, 0, 0),
        ("c1", (28, 28, 6), 4704, 6 * 26, 28 * 28 * 6 * 25),
        ("pool2", (14, 14, 6), 1176, 0, 0),
        ("conv3", (7, 7, 4), 196, 4 * 54, 7 * 7 * 4 * 54),
        ("flatten4", (196,), 196, 0, 0),
        ("dense5", (10,), 10, 1970, 1960),
    ]
    assert rows[1].bytes == 2 * 4704


# --------------------------------------------------------------------------- VGG16

VGG16_BLOCKS = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]


@pytest.fixture(scope="module")
def vgg16_rows():
    model = keras.applications.VGG16(weights=None)
    rows = memory_table(model)
    del model
    keras.backend.clear_session()
    return rows


def test_vgg16_published_counts(vgg16_rows):
    rows = by_name(vgg16_rows)
    totals = memory_totals(vgg16_rows)
    assert totals["parameters"] == 138_357_544
    assert rows["block1_conv1"].activations == 224 * 224 * 64 == 3_211_264
    assert rows["block1_conv1"].bytes == 3_211_264 * 4
    assert rows["fc1"].parameters == 7 * 7 * 512 * 4096 + 4096
    assert rows["fc1"].multiplies == 7 * 7 * 512 * 4096
    assert totals["uncounted"] == []


def test_vgg16_multiplies_and_activations_by_hand(vgg16_rows):
    side, channels, mults, acts = 224, 3, 0, 224 * 224 * 3
    for n_convs, filters in VGG16_BLOCKS:
        for _ in range(n_convs):
            mults += side * side * filters * 9 * channels
            acts += side * side * filters
            channels = filters
        side //= 2
        acts += side * side * channels  # the pooled map
    acts += 7 * 7 * 512  # flatten
    mults += 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    acts += 4096 + 4096 + 1000
    totals = memory_totals(vgg16_rows)
    assert (totals["multiplies"], totals["activations"]) == (mults, acts)


def test_vgg16_specs_agree_with_keras(vgg16_rows):
    specs = []
    for n_convs, filters in VGG16_BLOCKS:
        specs += [{"kind": "conv", "filters": filters, "kernel_size": 3, "padding": "same"}] * n_convs
        specs.append({"kind": "pool", "pool_size": 2})
    specs += [{"kind": "flatten"}] + [{"kind": "dense", "units": u} for u in (4096, 4096, 1000)]
    from_specs = memory_table(specs, input_shape=(224, 224, 3))
    strip = [(r.output_shape, r.activations, r.bytes, r.parameters, r.multiplies) for r in from_specs]
    assert strip == [(r.output_shape, r.activations, r.bytes, r.parameters, r.multiplies) for r in vgg16_rows]


def test_vgg16_table_prints_within_80_characters(vgg16_rows, capsys):
    print_memory_table(vgg16_rows)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(vgg16_rows) + 1
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["layer", "output", "shape", "activations", "MB", "parameters", "multiplies"]
    assert lines[2].split()[:3] == ["block1_conv1", "(224,", "224,"]
    assert "3,211,264" in lines[2] and "12.8" in lines[2]
    assert lines[-1].split()[0] == "total" and "138,357,544" in lines[-1]


def test_uncounted_rows_are_marked_when_printed(capsys):
    model = keras.Sequential([keras.Input((4, 4, 2)), layers.BatchNormalization(name="bn")])
    print_memory_table(memory_table(model))
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-1] == "-"
    assert lines[-1] == "-: multiplications not counted for bn"


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("value", [0, -4, 2.5, "4", True])
def test_bad_dtype_bytes(value):
    with pytest.raises(ValueError, match=r"dtype_bytes must be a positive integer.*got"):
        memory_table([{"kind": "flatten"}], input_shape=(2, 2, 1), dtype_bytes=value)


def test_bad_model_and_input_shape():
    with pytest.raises(TypeError, match="model must be a keras.Model or a list of layer specs.*got str"):
        memory_table("vgg16")
    with pytest.raises(ValueError, match="input_shape is required"):
        memory_table([{"kind": "flatten"}])
    with pytest.raises(ValueError, match=r"input_shape must be \(height, width, channels\).*got \(2, 2\)"):
        memory_table([{"kind": "flatten"}], input_shape=(2, 2))
    model = keras.Sequential([keras.Input((4, 4, 1)), layers.Flatten()])
    with pytest.raises(ValueError, match="input_shape is only for a list of layer specs"):
        memory_table(model, input_shape=(4, 4, 1))
    with pytest.raises(TypeError, match="rows must be the list that memory_table returns"):
        memory_totals("rows")


def test_unknown_sizes_are_refused():
    model = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(2, 3, name="conv")])
    with pytest.raises(ValueError, match=r"'input' has shape \(None, None, 3\) with an unknown size"):
        memory_table(model)


@pytest.mark.parametrize("spec, message", [
    ({"kind": "lstm"}, r"layers\[0\] must be a dict whose 'kind' is one of"),
    ("conv", r"layers\[0\] must be a dict"),
    ({"kind": "conv", "filters": 2, "kernel_size": 3, "size": 3}, r"unknown keys \['size'\]"),
    ({"kind": "conv", "filters": 2}, r"lacks \['kernel_size'\]"),
    ({"kind": "dense", "units": 3}, "needs a flat input; got shape \\(4, 4, 1\\): add a 'flatten'"),
    ({"kind": "conv", "filters": 2, "kernel_size": 5}, "larger than the padded input"),
    ({"kind": "pool", "pool_size": 0}, "pool_size must be a positive integer"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        memory_table([spec], input_shape=(4, 4, 1))


def test_rows_are_layer_memory():
    rows = memory_table([{"kind": "flatten", "name": "f"}], input_shape=(2, 3, 1))
    assert rows[1] == LayerMemory("f", "flatten", (6,), 6, 24, 0, 0)


def test_docstring_examples():
    result = doctest.testmod(memory)
    assert result.attempted >= 3 and result.failed == 0
