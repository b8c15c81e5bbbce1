"""Keras model builders for the Keras chapters (MNIST first).

Each builder returns an uncompiled ``keras.Model`` built on an explicit
``keras.Input``, so that ``model.input`` and feature-map models work in Keras 3.
``compile_classifier`` compiles any of them the same way.
"""
import keras
from keras import layers

MNIST_SHAPE = (28, 28, 1)


def build_dense_baseline(input_shape=MNIST_SHAPE, num_classes=10, units=512, dropout=0.2):
    """The classic multilayer perceptron: flatten, 512-512 ReLU units with dropout, softmax."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Flatten(name="flatten"),
        layers.Dense(units, activation="relu", name="dense_1"),
        layers.Dropout(dropout, name="dropout_1"),
        layers.Dense(units, activation="relu", name="dense_2"),
        layers.Dropout(dropout, name="dropout_2"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ], name="dense_baseline")


def build_augmentation(rotation_degrees=5.0, zoom=0.1, translation=0.1, seed=None):
    """Random rotation (+-degrees), zoom and shift as Keras preprocessing layers.

    They change the images only during training (``training=True``); at test
    time they pass images through unchanged. A strength of 0 leaves that layer out.
    """
    for name, value in (("rotation_degrees", rotation_degrees), ("zoom", zoom), ("translation", translation)):
        if not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a number >= 0 (0 leaves the layer out); got {value!r}.")
    stack = []
    if rotation_degrees:
        stack.append(layers.RandomRotation(rotation_degrees / 360.0, fill_mode="constant", seed=seed, name="rotate"))
    if zoom:
        stack.append(layers.RandomZoom(zoom, fill_mode="constant", seed=seed, name="zoom"))
    if translation:
        stack.append(layers.RandomTranslation(translation, translation, fill_mode="constant", seed=seed, name="shift"))
    return keras.Sequential(stack, name="augmentation")


def build_mnist_cnn(input_shape=MNIST_SHAPE, num_classes=10, augmentation=None, dropout=0.0):
    """Conv(32,3x3)-Pool-Conv(64,3x3)-Pool-Conv(64,3x3)-Flatten-Dense(64)-Dense(10).

    `augmentation` (e.g. from :func:`build_augmentation`) is put in front of
    the first convolution; `dropout` > 0 adds a Dropout layer before the last Dense.
    """
    stack = [keras.Input(input_shape)]
    if augmentation is not None:
        stack.append(augmentation)
    stack += [
        layers.Conv2D(32, (3, 3), activation="relu", name="conv_1"),
        layers.MaxPooling2D((2, 2), name="pool_1"),
        layers.Conv2D(64, (3, 3), activation="relu", name="conv_2"),
        layers.MaxPooling2D((2, 2), name="pool_2"),
        layers.Conv2D(64, (3, 3), activation="relu", name="conv_3"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense"),
    ]
    if dropout:
        stack.append(layers.Dropout(dropout, name="dropout"))
    stack.append(layers.Dense(num_classes, activation="softmax", name="output"))
    return keras.Sequential(stack, name="mnist_cnn" + ("_augmented" if augmentation is not None else ""))


def build_wide_conv_example(input_shape=(28, 28, 3), filters=64, dense_units=1024, num_classes=10):
    """Conv(64,3x3) valid, Conv(64,3x3,same), 2x2 max-pool, flatten, Dense(1024), Dense(10).

    A source model whose flattened 13x13x64 volume feeds a Dense(1024): the
    dense layer alone holds 11 million parameters.
    """
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(filters, (3, 3), activation="relu", name="conv_valid"),
        layers.Conv2D(filters, (3, 3), padding="same", activation="relu", name="conv_same"),
        layers.MaxPooling2D((2, 2), name="pool"),
        layers.Flatten(name="flatten"),
        layers.Dense(dense_units, activation="relu", name="dense"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ], name="wide_conv_example")


def compile_classifier(model, learning_rate=1e-3, sparse_labels=True):
    """Adam, cross-entropy loss (sparse for integer labels, categorical for one-hot), accuracy metric."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy" if sparse_labels else "categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def layer_table(model):
    """(name, output shape without the batch axis, parameters) for each layer.

    A plain, version-independent alternative to ``model.summary()``.
    """
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output", None)
        shape = tuple(shape.shape[1:]) if shape is not None else ()
        rows.append((layer.name, shape, int(layer.count_params())))
    return rows


def print_layer_table(model):
    """Print :func:`layer_table` with a total line."""
    rows = layer_table(model)
    print(f"{'layer':<14}{'output shape':<18}{'parameters':>12}")
    for name, shape, params in rows:
        print(f"{name:<14}{str(shape):<18}{params:>12,}")
    print(f"{'total':<32}{model.count_params():>12,}")


# --------------------------------------------------------------------------- CIFAR-10

CIFAR_SHAPE = (32, 32, 3)


def build_cifar_augmentation(rotation_degrees=5.0, zoom=0.1, translation=0.1, seed=None):
    """Random horizontal flip, then :func:`build_augmentation`'s rotation, zoom and shift (0 leaves one out).

    A mirrored cat is still a cat, so CIFAR-10 adds left-right flips (MNIST could not:
    a mirrored 3 is no digit). Like every preprocessing layer, these act only in training.
    """
    return keras.Sequential([
        layers.RandomFlip("horizontal", seed=seed, name="flip"),
        build_augmentation(rotation_degrees, zoom, translation, seed),
    ], name="cifar_aug")


def build_cifar_baseline(input_shape=CIFAR_SHAPE, num_classes=10, dense_units=128):
    """Three blocks Conv(32|64|128, 3x3, same)-MaxPool(2x2), Flatten, Dense(128), Dense(10).

    No dropout, no augmentation, no batch normalisation: the model that overfits.
    """
    stack = [keras.Input(input_shape)]
    for i, filters in enumerate((32, 64, 128), start=1):
        stack += [layers.Conv2D(filters, (3, 3), padding="same", activation="relu", name=f"conv_{i}"),
                  layers.MaxPooling2D((2, 2), name=f"pool_{i}")]
    stack += [layers.Flatten(name="flatten"),
              layers.Dense(dense_units, activation="relu", name="dense"),
              layers.Dense(num_classes, activation="softmax", name="output")]
    return keras.Sequential(stack, name="cifar_baseline")


def build_cifar_dropout_cnn(input_shape=CIFAR_SHAPE, num_classes=10, augmentation=None):
    """The classic Keras CIFAR-10 example with valid 3x3 convolutions and dropout:

    Conv(32)-Conv(32)-Pool-Drop(.25)-Conv(64)-Conv(64)-Pool-Drop(.25)-Flatten-Dense(256)-Drop(.5)-Dense(10);
    the maps shrink 32 -> 30 -> 28 -> 14 -> 12 -> 10 -> 5. `augmentation` goes in front.
    """
    stack = [keras.Input(input_shape)] + ([augmentation] if augmentation is not None else [])
    for block, filters in ((1, 32), (2, 64)):
        stack += [layers.Conv2D(filters, (3, 3), activation="relu", name=f"conv_{block}a"),
                  layers.Conv2D(filters, (3, 3), activation="relu", name=f"conv_{block}b"),
                  layers.MaxPooling2D((2, 2), name=f"pool_{block}"),
                  layers.Dropout(0.25, name=f"dropout_{block}")]
    stack += [layers.Flatten(name="flatten"),
              layers.Dense(256, activation="relu", name="dense"),
              layers.Dropout(0.5, name="dropout_dense"),
              layers.Dense(num_classes, activation="softmax", name="output")]
    return keras.Sequential(stack, name="cifar_dropout_cnn" + ("_augmented" if augmentation is not None else ""))


def build_cifar_bn_cnn(input_shape=CIFAR_SHAPE, num_classes=10, width=32, convs_per_block=(1, 2, 2),
                       dropout=0.2, augmentation=None):
    """Blocks of [Conv(3x3, same, no bias)-BatchNorm-ReLU] x n, each block ending in 2x2 max pooling.

    Block k has ``width * 2**k`` filters and ``convs_per_block[k]`` convolutions. The head is
    global average pooling, dropout and Dense(10), so it adds few parameters. The convolutions
    have no bias because the batch normalisation right after them adds its own shift (beta).
    """
    stack = [keras.Input(input_shape)] + ([augmentation] if augmentation is not None else [])
    for block, n in enumerate(convs_per_block, start=1):
        filters = width * 2 ** (block - 1)
        for j in range(1, n + 1):
            stack += [layers.Conv2D(filters, (3, 3), padding="same", use_bias=False, name=f"conv_{block}_{j}"),
                      layers.BatchNormalization(name=f"bn_{block}_{j}"),
                      layers.Activation("relu", name=f"relu_{block}_{j}")]
        stack.append(layers.MaxPooling2D((2, 2), name=f"pool_{block}"))
    stack += [layers.GlobalAveragePooling2D(name="global_pool"),
              layers.Dropout(dropout, name="dropout"),
              layers.Dense(num_classes, activation="softmax", name="output")]
    return keras.Sequential(stack, name="cifar_bn_cnn" + ("_augmented" if augmentation is not None else ""))


# --------------------------------------------------------------------------- transfer, small scale

def conv_base(model, last_layer="global_pool"):
    """The feature extractor of a Sequential CNN: its layers up to `last_layer`, weights shared.

    Augmentation layers (``cifar_aug``, ``augmentation``) are left out: they belong to training,
    not to the features. The new model reuses the layer objects, so its weights *are* the
    trained model's weights, and ``base.trainable = False`` freezes them in both.
    """
    names = [layer.name for layer in model.layers]
    if last_layer not in names:
        raise ValueError(f"last_layer must name a layer of {model.name!r} ({', '.join(names)}); got {last_layer!r}.")
    kept = []
    for layer in model.layers:
        if layer.name not in ("cifar_aug", "augmentation"):
            kept.append(layer)
        if layer.name == last_layer:
            break
    return keras.Sequential([keras.Input(model.input_shape[1:])] + kept, name=f"{model.name}_base")


def build_head_model(base, num_classes, augmentation=None, name="transfer"):
    """[augmentation] -> `base` -> Dense(num_classes, softmax): a new classifier on old features."""
    stack = [keras.Input(base.input_shape[1:])] + ([augmentation] if augmentation is not None else [])
    stack += [base, layers.Dense(num_classes, activation="softmax", name="new_output")]
    return keras.Sequential(stack, name=name)
