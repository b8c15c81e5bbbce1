"""Classic CNN architectures built layer by layer with the Keras API.

The builders name their layers the way ``keras.applications`` does, so a
model built here can be compared with (and receive the weights of) the
published one layer for layer.
"""
import keras
from keras import layers

# Convolutions per block; the filters double per block from 64 up to 512.
VGG_BLOCKS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(depth=16, input_shape=(224, 224, 3), include_top=True, num_classes=1000, name=None):
    """VGG16 or VGG19 (Simonyan and Zisserman, 2015), as in ``keras.applications``.

    Five blocks of 3x3 'same' convolutions with ReLU, each block ending in 2x2 max
    pooling with stride 2; then, if ``include_top``, Flatten, two Dense(4096) layers
    with ReLU and a softmax over ``num_classes``. Without the top, the output is the
    last pooled feature map (7 x 7 x 512 for a 224 x 224 input).
    """
    if depth not in VGG_BLOCKS:
        raise ValueError(f"depth must be 16 or 19 (the VGG variants Keras ships); got {depth!r}.")
    if len(input_shape) != 3 or min(input_shape[:2]) < 32:
        raise ValueError(
            f"input_shape must be (height, width, channels) with height and width >= 32, because the "
            f"five poolings halve the image five times; got {input_shape!r}.")
    stack = [keras.Input(input_shape)]
    for block, (n_convs, filters) in enumerate(zip(VGG_BLOCKS[depth], VGG_FILTERS), start=1):
        for j in range(1, n_convs + 1):
            stack.append(layers.Conv2D(filters, (3, 3), padding="same", activation="relu",
                                       name=f"block{block}_conv{j}"))
        stack.append(layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool"))
    if include_top:
        stack += [layers.Flatten(name="flatten"),
                  layers.Dense(4096, activation="relu", name="fc1"),
                  layers.Dense(4096, activation="relu", name="fc2"),
                  layers.Dense(num_classes, activation="softmax", name="predictions")]
    return keras.Sequential(stack, name=name or f"vgg{depth}")
