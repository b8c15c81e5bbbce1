"""The feature-map browser and its static twin, driven through their controls.

What they show must be convlib.inspection.feature_maps' output (which test_inspection.py
checks against NumPy convolution), slice by slice.
"""
import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402

from convlib import inspection  # noqa: E402
from convlib.widgets import count_frames  # noqa: E402
from convlib.widgets.feature_maps import (  # noqa: E402
    feature_map_animation, feature_map_explorer, feature_map_state, strongest_channels,
)


def tiny_cnn():
    keras.utils.set_random_seed(3)
    return keras.Sequential([keras.Input((10, 10, 3)),
                             layers.Conv2D(6, 3, activation="relu", name="c1"),
                             layers.MaxPooling2D(2, name="pool"),
                             layers.Conv2D(3, 3, padding="same", name="c2"),
                             layers.Flatten(name="flat"),
                             layers.Dense(2, activation="softmax", name="out")], name="tiny")


IMAGE = np.random.default_rng(0).random((10, 10, 3)).astype("float32")


def test_browser_shows_the_chosen_slice_and_keeps_the_channel_in_range():
    model = tiny_cnn()
    maps = inspection.feature_maps(model, IMAGE)
    w = feature_map_explorer(model, IMAGE)
    assert list(w.controls["layer"].options) == ["c1", "c2"] and w.controls["channel"].max == 5
    w.controls["channel"].value = 4
    np.testing.assert_allclose(w.state["map"], maps["c1"][..., 4], rtol=1e-6)
    np.testing.assert_allclose(w.figure.axes[1].get_images()[0].get_array(), maps["c1"][..., 4], rtol=1e-6)
    np.testing.assert_allclose(w.figure.axes[2].get_images()[0].get_array(), maps["c1"].mean(-1), rtol=1e-5)
    assert w.state["active"] == pytest.approx(np.mean(maps["c1"][..., 4] > 0))
    w.controls["layer"].value = "c2"  # three channels: the slider shrinks and the channel is clamped
    assert w.controls["channel"].max == 2 and w.state["channel"] == 2
    np.testing.assert_allclose(w.state["map"], maps["c2"][..., 2], rtol=1e-6)
    assert "c2" in w.figure.axes[1].get_title() and "channel 2 of 3" in w.figure.axes[1].get_title()
    text = w._repr_mimebundle_()["text/plain"]
    assert text.startswith("[FeatureMapExplorer: interactive; run the notebook")


def test_browser_reads_named_layers_of_any_kind():
    w = feature_map_explorer(tiny_cnn(), IMAGE, layer_names=["pool", "c1"])
    assert list(w.controls["layer"].options) == ["pool", "c1"]
    assert w.state["map"].shape == (4, 4) and w.state["layer_index"] == 0 and w.state["n_layers"] == 2


def test_animation_steps_through_the_strongest_channels_of_every_layer():
    model = tiny_cnn()
    maps = inspection.feature_maps(model, IMAGE)
    order = strongest_channels(maps, "c1", 6)
    means = maps["c1"].mean(axis=(0, 1))
    assert sorted(order) == list(range(6)) and list(means[order]) == sorted(means, reverse=True)
    assert count_frames(feature_map_animation(model, IMAGE, channels=2)) == 4
    assert count_frames(feature_map_animation(model, IMAGE, channels=3, max_frames=4)) == 4


def test_state_errors_name_the_argument_and_the_valid_values():
    maps = {"a": np.zeros((4, 4, 2))}
    with pytest.raises(ValueError, match=r"layer must be one of 'a'; got 'b'"):
        feature_map_state(maps, np.zeros((8, 8)), "b")
    with pytest.raises(ValueError, match=r"channel must be a whole number from 0 to 1 \('a' has 2 channels\); got 2"):
        feature_map_state(maps, np.zeros((8, 8)), "a", 2)
    with pytest.raises(ValueError, match=r"maps\['a'\] must have shape \(H, W, C\); got shape \(4, 4\)"):
        feature_map_state({"a": np.zeros((4, 4))}, np.zeros((8, 8)), "a")
