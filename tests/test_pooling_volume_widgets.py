"""The pooling explorer and the volume view, driven through their controls.

What they show must equal convlib's results, and those are checked against Keras
(and the curriculum's worked example) so the widgets show independently verified
numbers. Their static twins must be JavaScript animations with the expected frames.
"""
import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlib  # noqa: E402
from convlib.widgets import (  # noqa: E402
    count_frames, pooling_animation, pooling_explorer, volume_animation, volume_explorer,
)
from convlib.widgets.pooling import pooling_state  # noqa: E402
from convlib.widgets.volume import default_example, volume_state  # noqa: E402

EXAMPLE = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])


def shown_numbers(ax):
    return [t.get_text() for t in ax.texts]


def as_text(values):
    return [convlib.widgets._draw.format_value(v) for v in np.ravel(values)]


def keras_pool(layer, x):
    return layer(np.asarray(x, "float32")[None, :, :, None]).numpy()[0, :, :, 0]


# ------------------------------------------------------------------ pooling

def test_pooling_explorer_shows_the_curriculum_example():
    w = pooling_explorer(EXAMPLE, mode="max")
    w.controls["step"].value = w.controls["step"].max
    assert w.controls["step"].max == 3
    np.testing.assert_array_equal(w.state["output"], [[7, 6], [9, 8]])
    assert shown_numbers(w.figure.axes[2]) == ["7", "6", "9", "8"]
    w.controls["mode"].value = "average"
    np.testing.assert_array_equal(w.state["output"], [[4, 3], [5, 6]])
    assert shown_numbers(w.figure.axes[2]) == ["4", "3", "5", "6"]


@pytest.mark.parametrize("mode, layer", [
    ("max", keras.layers.MaxPooling2D), ("average", keras.layers.AveragePooling2D),
])
@pytest.mark.parametrize("pool, strides, padding", [(2, (2, 2), "valid"), (3, (1, 1), "valid"),
                                                      (2, (2, 2), "same"), (3, (2, 1), "same")])
def test_pooling_controls_match_keras(mode, layer, pool, strides, padding):
    w = pooling_explorer(mode="max")
    w.controls["input"].value = "5x5 numbers"
    c = w.controls
    c["mode"].value, c["pool_size"].value, c["padding"].value = mode, pool, padding
    c["strides_rows"].value, c["strides_cols"].value = strides
    c["step"].value = c["step"].max
    x = w.inputs["5x5 numbers"]
    expected = keras_pool(layer(pool_size=pool, strides=strides, padding=padding), x)
    np.testing.assert_allclose(w.state["output"], expected, rtol=1e-6)
    assert c["step"].max == expected.size - 1
    assert shown_numbers(w.figure.axes[2]) == as_text(w.state["output"])


def test_pooling_window_panel_shows_the_window_under_the_cursor():
    w = pooling_explorer(EXAMPLE, mode="max")
    w.controls["step"].value = 1   # top-right window
    assert shown_numbers(w.figure.axes[1]) == ["6", "1", "2", "3"]
    assert w.state["value"] == 6
    assert "window: max = 6" in w.figure.axes[1].get_title()


def test_mixed_pooling_through_the_controls():
    w = pooling_explorer(EXAMPLE, mode="mixed", lam=0.3)
    # top-left window: max 7, mean (3 + 5 + 1 + 7) / 4 = 4 -> 0.3 * 7 + 0.7 * 4 = 4.9
    assert w.state["value"] == pytest.approx(4.9)
    assert w.state["window_max"] == 7 and w.state["window_mean"] == 4
    w.controls["lam"].value = 1.0
    np.testing.assert_allclose(w.state["output"], [[7, 6], [9, 8]])
    w.controls["lam"].value = 0.0
    np.testing.assert_allclose(w.state["output"], [[4, 3], [5, 6]])


def test_min_and_sum_pooling_through_the_controls():
    w = pooling_explorer(EXAMPLE, mode="min")
    neg_max = -keras_pool(keras.layers.MaxPooling2D(2), -EXAMPLE)
    np.testing.assert_allclose(w.state["output"], neg_max)
    w.controls["mode"].value = "sum"
    np.testing.assert_allclose(w.state["output"], 4 * keras_pool(keras.layers.AveragePooling2D(2), EXAMPLE))


def test_same_padding_cells_are_grey_and_blank():
    w = pooling_explorer(np.arange(25).reshape(5, 5), mode="average", padding="same")
    s = w.state
    assert s["padded"].shape == (6, 6)   # Keras pads 0 before and 1 after for n=5, pool 2, stride 2
    assert s["pad_mask"][5].all() and s["pad_mask"][:, 5].all() and not s["pad_mask"][:5, :5].any()
    assert len(shown_numbers(w.figure.axes[0])) == 25   # only real cells carry numbers


def test_step_is_clamped_when_the_output_shrinks():
    w = pooling_explorer(mode="max")
    w.controls["input"].value = "5x5 numbers"
    w.controls["pool_size"].value = 1
    w.controls["strides_rows"].value = w.controls["strides_cols"].value = 1
    w.controls["step"].value = 24
    w.controls["pool_size"].value = 3   # 3x3 output: step must fall back to 8
    assert w.controls["step"].value == 8 and w.state["step"] == 8


def test_impossible_settings_show_a_message():
    w = pooling_explorer(np.ones((3, 3)), mode="max", pool_size=2, strides=1)
    w.controls["pool_size"].value = 4
    assert "pool_size (4, 4) is larger than the input (3x3)" in w.message.value
    w.controls["pool_size"].value = 2
    assert w.message.value == ""


@pytest.mark.parametrize("x, kwargs, frames", [
    (EXAMPLE, dict(mode="max"), 4),
    (np.arange(9).reshape(3, 3), dict(mode="average", padding="same"), 4),
    (np.arange(36).reshape(6, 6), dict(mode="max", pool_size=2, strides=1, max_frames=5), 5),  # 25 positions, capped
])
def test_pooling_twin_is_a_js_animation(x, kwargs, frames):
    html = pooling_animation(x, **kwargs)
    assert count_frames(html) == frames
    assert "<script" in html.data and "Animation" in html.data


def test_pooling_state_errors():
    with pytest.raises(ValueError, match="mode must be one of max, average, min, sum, mixed; got 'median'"):
        pooling_state(EXAMPLE, mode="median")
    with pytest.raises(ValueError, match=r"x must be a 2-D \(H, W\) array for the explorer; got shape \(2, 4, 4\)"):
        pooling_state(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="step must be between 0 and 3 .* got 4"):
        pooling_state(EXAMPLE, step=4)


# ------------------------------------------------------------------- volume

def keras_conv(x, kernel, bias):
    layer = keras.layers.Conv2D(kernel.shape[3], kernel.shape[:2])
    layer.build((None, *x.shape))
    layer.set_weights([kernel.astype("float32"), np.asarray(bias, "float32")])
    return layer(x[None].astype("float32")).numpy()[0]


def test_volume_view_sum_of_channels_plus_bias_is_the_keras_output():
    x, kernel, bias = default_example()
    assert x.shape == (6, 6, 3) and kernel.shape == (4, 4, 3, 2)   # two 4x4x3 filters -> 3x3x2
    expected = keras_conv(x, kernel, bias)
    assert expected.shape == (3, 3, 2)
    w = volume_explorer()
    for f in range(2):
        w.controls["filter_index"].value = f
        w.controls["step"].value = 3
        s = w.state
        assert s["done"]
        np.testing.assert_allclose(s["out_map"], expected[:, :, f], rtol=1e-6)
        np.testing.assert_allclose(sum(s["per_channel"]) + bias[f], expected[:, :, f], rtol=1e-6)
        assert shown_numbers(w.figure.axes[-1]) == as_text(expected[:, :, f])


def test_volume_view_per_channel_maps_match_keras_single_channel_convs():
    x, kernel, bias = default_example()
    w = volume_explorer()
    w.controls["filter_index"].value = 1
    for c in range(3):
        w.controls["step"].value = c
        single = keras_conv(x[:, :, c:c + 1], kernel[:, :, c:c + 1, 1:2], [0])[:, :, 0]
        np.testing.assert_allclose(w.state["per_channel"][c], single, rtol=1e-6)
        # panels: 3 rows x 4 columns, row-major; row 2 column c is channel c's map
        ax = w.figure.axes[2 * 4 + c]
        assert shown_numbers(ax) == as_text(single)
    # before the last step the output channel is still blank
    assert shown_numbers(w.figure.axes[-1]) == []


def test_volume_view_with_your_own_volume():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 5, 2))
    kernel = rng.normal(size=(3, 3, 2, 4))
    w = volume_explorer(x, kernel)
    assert w.controls["filter_index"].max == 3 and w.controls["step"].max == 2
    w.controls["filter_index"].value = 3
    w.controls["step"].value = 2
    np.testing.assert_allclose(w.state["out_map"], keras_conv(x, kernel, np.zeros(4))[:, :, 3], rtol=1e-5, atol=1e-5)


def test_volume_twin_has_one_frame_per_filter_and_step():
    # F filters over C channels: C + 1 frames per filter (each channel, then the sum)
    assert count_frames(volume_animation(np.ones((4, 4, 2)), np.ones((3, 3, 2, 1)))) == 1 * (2 + 1)
    assert count_frames(volume_animation(np.ones((3, 3, 1)), np.ones((2, 2, 1, 2)))) == 2 * (1 + 1)


def test_volume_errors():
    x, kernel, bias = default_example()
    with pytest.raises(ValueError, match=r"x must be a 3-D \(H, W, C\) volume .* got shape \(6, 6\)"):
        volume_state(x[:, :, 0], kernel)
    with pytest.raises(ValueError, match=r"kernel must be 4-D .* got shape \(4, 4, 3\)"):
        volume_state(x, kernel[..., 0])
    with pytest.raises(ValueError, match="filter_index must be between 0 and 1; got 2"):
        volume_state(x, kernel, bias, filter_index=2)
    with pytest.raises(ValueError, match="step must be between 0 and 3 .* got 4"):
        volume_state(x, kernel, bias, step=4)
    with pytest.raises(ValueError, match="give both x and kernel, or neither"):
        volume_explorer(x)
