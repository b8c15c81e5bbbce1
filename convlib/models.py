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
    time they pass images through unchanged.
    """
    return keras.Sequential([
        layers.RandomRotation(rotation_degrees / 360.0, fill_mode="constant", seed=seed, name="rotate"),
        layers.RandomZoom(zoom, fill_mode="constant", seed=seed, name="zoom"),
        layers.RandomTranslation(translation, translation, fill_mode="constant", seed=seed, name="shift"),
    ], name="augmentation")


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
