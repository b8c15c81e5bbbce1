"""The figures in chapter 11's exercise solutions, computed independently."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from convlib import conv_params, dense_params  # noqa: E402


def test_vgg19_adds_one_conv_to_blocks_3_4_5():
    extra = conv_params(3, 256, 256) + 2 * conv_params(3, 512, 512)
    assert (conv_params(3, 256, 256), conv_params(3, 512, 512), extra) == (590_080, 2_359_808, 5_309_696)
    vgg16 = keras.applications.VGG16(weights=None).count_params()
    vgg19 = keras.applications.VGG19(weights=None).count_params()
    assert vgg19 - vgg16 == extra and vgg19 == 143_667_240


def test_global_pooling_instead_of_flatten_removes_100_million_parameters():
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    pooled = keras.Sequential([keras.Input((224, 224, 3)), base, layers.GlobalAveragePooling2D(),
                               layers.Dense(4096), layers.Dense(4096), layers.Dense(1000)])
    saved = dense_params(7 * 7 * 512, 4096) - dense_params(512, 4096)
    assert dense_params(512, 4096) == 2_101_248 and saved == 100_663_296
    assert pooled.count_params() == 138_357_544 - saved == 37_694_248
