"""Transfer learning with ImageNet VGG16: a frozen convolutional base, a new head, fine-tuning.

    base, weights = load_vgg16_base(profile)          # ImageNet weights (downloaded once by Keras)
    model = build_transfer_classifier(base, num_classes=2)
    compile_transfer(model, learning_rate=1e-3)       # train the head
    unfreeze_top_block(model, "block5")
    compile_transfer(model, learning_rate=1e-5)       # recompile, then fine-tune block 5

The models take raw RGB images (0..255, any numeric dtype): the first layer,
:class:`VGG16Preprocess`, applies ``keras.applications.vgg16.preprocess_input``
inside the model. A saved ``.keras`` file therefore carries its preprocessing
with it, and uint8 photos can be passed to ``fit``/``predict`` directly.

ImageNet weights need the network once; Keras keeps them in ``~/.keras/models``.
Offline, the ``quick`` profile builds the same network with random weights and
says so loudly; every other profile raises :class:`WeightsUnavailableError`
that names the missing file and how to get it.
"""
import dataclasses
import os

import keras
import numpy as np

from ._validate import is_int
from .data import loud_notice
from .profiles import get_profile

VGG16_NOTOP_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG16_NOTOP_BYTES = 58_889_256
VGG16_NOTOP_MD5 = "6d6bbae143d832006294945121d1f1fc"  # the hash keras.applications.VGG16 checks
VGG16_TOP_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
VGG16_TOP_MD5 = "64373286793e3c8b2b4e3219cbf3544b"
WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
VGG_BLOCK_NAMES = tuple(f"block{i}" for i in range(1, 6))


class WeightsUnavailableError(RuntimeError):
    """ImageNet weights (or the ImageNet class names) could not be loaded or downloaded."""


@dataclasses.dataclass(frozen=True)
class VGGWeights:
    """Which weights a VGG16 network carries, for run cards.

    ``imagenet`` is False only for the quick profile's offline stand-in.
    """

    imagenet: bool
    description: str

    def __str__(self):
        return self.description


def keras_cache_dir():
    """The folder where Keras keeps downloaded weights: $KERAS_HOME/models or ~/.keras/models."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models")



def _image_shape(input_shape, profile, name="input_shape"):
    if input_shape is None:
        return (profile.image_size, profile.image_size, 3)
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
            or not all(is_int(v) for v in input_shape) or input_shape[2] != 3
            or min(input_shape[:2]) < 32):
        raise ValueError(
            f"{name} must be (height, width, 3) with height and width >= 32 (VGG16 halves the image "
            f"five times and needs three colour channels); got {input_shape!r}.")
    return tuple(int(v) for v in input_shape)


def _reason(exc):
    """The exception's type and the first line of its message, for an error that explains a failed download."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"


def _missing_weights_message(filename, size, reason):
    path = os.path.join(keras_cache_dir(), filename)
    return (
        f"VGG16's ImageNet weights are not available here: Keras needs the file {filename} ({size}) "
        f"from {WEIGHTS_URL + filename} and keeps it as {path}. It could not be found there or "
        f"downloaded ({reason}).\n"
        "What to do: (a) run this cell once on a machine with internet access (Colab, Binder, a laptop "
        "online), so Keras downloads the file into its cache; or (b) download the file elsewhere and copy "
        f"it to {path}; or (c) for a quick offline try-out, set CNN_BOOK_PROFILE=quick, which builds VGG16 "
        "with random weights (every number it produces is then meaningless)."
    )


def _vgg16(profile, include_top, input_shape):
    filename, size = ((VGG16_TOP_FILE, "about 528 MB") if include_top else
                      (VGG16_NOTOP_FILE, f"{VGG16_NOTOP_BYTES:,} bytes"))
    kwargs = {"include_top": include_top}
    if not include_top:
        kwargs["input_shape"] = input_shape
    try:
        model = keras.applications.VGG16(weights="imagenet", **kwargs)
        return model, VGGWeights(True, f"ImageNet (Keras' {filename})")
    except Exception as exc:  # no network, DNS failure, HTTP error, corrupt cached file
        if not profile.allow_offline_fallback:
            raise WeightsUnavailableError(_missing_weights_message(filename, size, _reason(exc))) from None
    loud_notice(
        f"VGG16's ImageNet weights ({filename}) could not be downloaded, so this run builds\n"
        "VGG16 with RANDOM weights (weights=None). The layers and parameter counts are right,\n"
        "but every accuracy and prediction below is MEANINGLESS without the ImageNet weights.\n"
        "Run the chapter online (Colab, Binder, a laptop with internet) for the real results.",
        heading="RANDOM WEIGHTS, NOT IMAGENET: THE NUMBERS BELOW MEAN NOTHING",
    )
    model = keras.applications.VGG16(weights=None, **kwargs)
    return model, VGGWeights(False, "RANDOM (weights=None; offline stand-in, ImageNet weights unavailable)")


def load_vgg16_base(profile=None, input_shape=None):
    """VGG16's convolutional base (13 convolutions, no dense top) with ImageNet weights.

    Returns ``(base, weights)``: the Keras model and a :class:`VGGWeights` that
    says which weights it carries (print it in run cards). `input_shape`
    defaults to the profile's ``image_size`` square with 3 channels.
    Without the weights file and without network access, the ``quick`` profile
    returns the same network with random weights after a loud notice; other
    profiles raise :class:`WeightsUnavailableError` naming the missing file.
    """
    profile = get_profile(profile)
    return _vgg16(profile, include_top=False, input_shape=_image_shape(input_shape, profile))


def load_vgg16_imagenet(profile=None):
    """The whole VGG16 ImageNet classifier (224x224x3 in, 1,000 class probabilities out).

    Its weights file is about 528 MB. Same offline rules as :func:`load_vgg16_base`.
    Returns ``(model, weights)``.
    """
    return _vgg16(get_profile(profile), include_top=True, input_shape=None)


@keras.saving.register_keras_serializable(package="convlib")
class VGG16Preprocess(keras.layers.Layer):
    """``keras.applications.vgg16.preprocess_input`` as a layer.

    RGB -> BGR and subtract ImageNet's mean pixel (103.939, 116.779, 123.68 for
    B, G, R); no scaling. Inputs are raw pixel values 0..255.
    """

    def call(self, inputs):
        return keras.applications.vgg16.preprocess_input(keras.ops.cast(inputs, self.compute_dtype))


def _check_model(model, name):
    if not isinstance(model, keras.Model):
        raise TypeError(f"{name} must be a keras.Model; got {type(model).__name__}.")


def build_transfer_classifier(base, num_classes=2, dropout=0.5, pooling="avg", hidden_units=0,
                              name="vgg16_transfer"):
    """Raw images -> :class:`VGG16Preprocess` -> frozen `base` -> pooling -> [Dense] -> Dropout -> Dense.

    The base is frozen (``base.trainable = False``) and called with
    ``training=False``. `pooling` is ``"avg"`` (GlobalAveragePooling2D: one
    number per feature map) or ``"flatten"`` (every position of the last
    feature map). ``num_classes=1`` gives one sigmoid unit (binary
    cross-entropy), 2 or more a softmax. `hidden_units` > 0 adds a ReLU Dense
    layer before the dropout. The model is not compiled: see :func:`compile_transfer`.
    """
    _check_model(base, "base")
    shape = tuple(base.inputs[0].shape[1:])
    if len(shape) != 3 or shape[-1] != 3 or len(base.outputs[0].shape) != 4:
        raise ValueError(
            "base must take (height, width, 3) images and output feature maps (height, width, channels), "
            f"like keras.applications.VGG16(include_top=False); got input {shape} and output "
            f"{tuple(base.outputs[0].shape[1:])}.")
    if not is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be 1 (one sigmoid unit) or a whole number >= 2 (softmax); got {num_classes!r}.")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a fraction in [0, 1) (0 leaves the layer out); got {dropout!r}.")
    if pooling not in ("avg", "flatten"):
        raise ValueError(f"pooling must be 'avg' or 'flatten'; got {pooling!r}.")
    if not is_int(hidden_units) or hidden_units < 0:
        raise ValueError(f"hidden_units must be a whole number >= 0 (0: no hidden layer); got {hidden_units!r}.")
    base.trainable = False
    inputs = keras.Input(shape, name="image")
    x = VGG16Preprocess(name="vgg16_preprocess")(inputs)
    x = base(x, training=False)
    if pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
    if hidden_units:
        x = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="sigmoid" if num_classes == 1 else "softmax",
                                 name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)


def compile_transfer(model, learning_rate=1e-3):
    """Adam and cross-entropy (binary for one output unit, sparse categorical otherwise), accuracy.

    Call it again after :func:`unfreeze_top_block`: a change of ``trainable``
    takes effect only when the model is compiled again.
    """
    _check_model(model, "model")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number > 0, e.g. 1e-3 for the head or 1e-5 for fine-tuning; "
                         f"got {learning_rate!r}.")
    units = model.outputs[0].shape[-1]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _find_vgg_base(model):
    """The model itself if it has VGG's block layers, else the nested model that has them."""
    names = {layer.name for layer in model.layers}
    if "block1_conv1" in names:
        return model
    for layer in model.layers:
        if isinstance(layer, keras.Model) and "block1_conv1" in {sub.name for sub in layer.layers}:
            return layer
    raise ValueError(
        "model_or_base must be a VGG network (layers named block1_conv1 ... block5_conv3) or a model that "
        f"contains one, such as build_transfer_classifier's; {model.name!r} has neither.")


def unfreeze_top_block(model_or_base, block="block5"):
    """Make `block` and every later block of the VGG base trainable; freeze the earlier blocks.

    The new head keeps whatever it had (trainable after
    :func:`build_transfer_classifier`). VGG has no batch normalisation, so
    there are no running statistics that training mode could disturb. Recompile
    afterwards (:func:`compile_transfer` with a small learning rate such as 1e-5),
    or the change has no effect. Returns the names of the layers that now train.
    """
    _check_model(model_or_base, "model_or_base")
    if block not in VGG_BLOCK_NAMES:
        raise ValueError(f"block must be one of {', '.join(map(repr, VGG_BLOCK_NAMES))}; got {block!r}.")
    base = _find_vgg_base(model_or_base)
    first = VGG_BLOCK_NAMES.index(block)
    base.trainable = True
    unfrozen = []
    for layer in base.layers:
        prefix = layer.name.split("_")[0]
        layer.trainable = prefix in VGG_BLOCK_NAMES[first:]
        if layer.trainable and layer.weights:
            unfrozen.append(layer.name)
    return unfrozen


def trainable_counts(model):
    """(trainable, non-trainable) parameter counts, as Keras' summary reports them."""
    if not hasattr(model, "trainable_weights") or not hasattr(model, "non_trainable_weights"):
        raise TypeError(f"model must be a Keras model or layer; got {type(model).__name__}.")
    count = lambda weights: sum(int(np.prod(w.shape)) for w in weights)  # noqa: E731
    return count(model.trainable_weights), count(model.non_trainable_weights)


def square_photos(photos, size):
    """Centre-crop each photo to a square and resize it to size x size; uint8 (n, size, size, 3).

    `photos` is a dict name -> RGB array (as ``data.sample_photos()`` returns)
    or a sequence of arrays. Returns ``(names, images)``.
    """
    from PIL import Image

    if not is_int(size) or size < 1:
        raise ValueError(f"size must be a positive whole number of pixels; got {size!r}.")
    if isinstance(photos, dict):
        names, arrays = list(photos), list(photos.values())
    elif isinstance(photos, (list, tuple)) or (isinstance(photos, np.ndarray) and photos.ndim == 4):
        names, arrays = [f"photo {i}" for i in range(len(photos))], list(photos)
    else:
        raise TypeError("photos must be a dict name -> image, a list of images or an (n, h, w, 3) array; "
                        f"got {type(photos).__name__}.")
    if not arrays:
        raise ValueError("photos must hold at least one image; got none.")
    out = []
    for name, img in zip(names, arrays):
        img = np.asarray(img)
        if img.ndim != 3 or img.shape[-1] != 3:
            raise ValueError(f"photo {name!r} must be an RGB image of shape (height, width, 3); got shape {img.shape}.")
        if img.dtype != np.uint8:
            img = np.clip(np.round(img), 0, 255).astype(np.uint8)
        h, w = img.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        crop = Image.fromarray(img[top:top + side, left:left + side])
        out.append(np.asarray(crop.resize((size, size), Image.BILINEAR), dtype=np.uint8))
    return names, np.stack(out)


def imagenet_top5(model, photos, profile=None, top=5):
    """ImageNet's `top` most probable classes for each photo: dict name -> [(label, probability), ...].

    `model` is the 1,000-class VGG16 (see :func:`load_vgg16_imagenet`); the
    photos are cropped and resized to its input size and preprocessed here.
    Class names come from ``keras.applications.vgg16.decode_predictions``,
    which downloads ``imagenet_class_index.json`` once. Without it the ``quick``
    profile prints a loud notice and labels classes by number
    ("ImageNet class 281"); other profiles raise :class:`WeightsUnavailableError`.
    """
    _check_model(model, "model")
    profile = get_profile(profile)
    in_shape, out_shape = tuple(model.inputs[0].shape[1:]), tuple(model.outputs[0].shape[1:])
    if out_shape != (1000,) or len(in_shape) != 3 or in_shape[0] is None or in_shape[0] != in_shape[1]:
        raise ValueError("model must be an ImageNet classifier with square inputs and 1,000 outputs, such as "
                         f"load_vgg16_imagenet's; got input {in_shape} and output {out_shape}.")
    if not is_int(top) or not 1 <= top <= 1000:
        raise ValueError(f"top must be a whole number from 1 to 1000; got {top!r}.")
    names, images = square_photos(photos, in_shape[0])
    probs = model.predict(keras.applications.vgg16.preprocess_input(images.astype("float32")), verbose=0)
    try:
        decoded = keras.applications.vgg16.decode_predictions(probs, top=top)
        decoded = [[(label, float(p)) for _, label, p in row] for row in decoded]
    except Exception as exc:  # the class index could not be downloaded
        path = os.path.join(keras_cache_dir(), CLASS_INDEX_FILE)
        if not profile.allow_offline_fallback:
            raise WeightsUnavailableError(
                f"The ImageNet class names are not available here: Keras needs {CLASS_INDEX_FILE} from "
                f"{CLASS_INDEX_URL} and keeps it as {path} ({_reason(exc)}). Run this cell once online, or copy the "
                "file there.") from None
        loud_notice(f"The ImageNet class names ({CLASS_INDEX_FILE}) could not be downloaded,\n"
                    "so the classes below are shown by number only.",
                    heading="NO IMAGENET CLASS NAMES")
        order = np.argsort(-probs, axis=1)[:, :top]
        decoded = [[(f"ImageNet class {i}", float(row[i])) for i in idx] for row, idx in zip(probs, order)]
    return dict(zip(names, decoded))


def print_top5(predictions):
    """Print :func:`imagenet_top5`'s result, one block per photo."""
    for name, rows in predictions.items():
        print(name)
        for label, p in rows:
            print(f"  {p:7.2%}  {label}")
