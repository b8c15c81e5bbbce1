"""Architecture builders against keras.applications and hand formulas."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

from convlib import conv_params, dense_params  # noqa: E402
from convlib.architectures import VGG_BLOCKS, VGG_FILTERS, build_vgg  # noqa: E402


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
