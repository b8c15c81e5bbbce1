"""ImageNet-pretrained bases for transfer learning: which network, where its weights are, how it wants its pixels.

The chapters build their models on the page (``keras.applications.MobileNetV2(...)``,
a new head, ``fit``); this module keeps what is not the lesson::

    spec = BASES["mobilenet_v2"]                       # which Keras Applications network, its weight files
    weights = find_weights("mobilenet_v2", profile=profile)
    base = spec.application(include_top=False, weights=weights.path, input_shape=(224, 224, 3), **spec.kwargs)
    preprocess = ImageNetPreprocess("mobilenet_v2")    # the base's own preprocess_input, as a layer

:func:`find_weights` looks for the weight file in Keras' cache folder
(``~/.keras/models``), then in ``$CNN_BOOK_DATA/keras-models/`` (and copies it into
the cache), then lets Keras download it. Offline, the ``quick`` profile goes on
with random weights after a loud notice; every other profile raises
:class:`WeightsUnavailableError`, which names the file and where to put it.
"""
import dataclasses
import importlib
import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np

from ._validate import is_int
from .data import DATA_ENV_VAR, data_dir, loud_notice
from .profiles import get_profile

KERAS_APPS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # the hash keras.applications checks
WEIGHTS_SUBDIR = "keras-models"  # under $CNN_BOOK_DATA


class WeightsUnavailableError(RuntimeError):
    """ImageNet weights (or the ImageNet class names) could not be found or downloaded."""


@dataclasses.dataclass(frozen=True)
class ImageNetBase:
    """A Keras Applications network with ImageNet weights, as the chapters use it.

    The networks the chapters offer are the values of :data:`BASES`.

    Attributes
    ----------
    name : str
        Its key in :data:`BASES`, such as 'mobilenet_v2'.
    title : str
        What the pages call it, such as 'MobileNetV2, width 0.35'.
    application_name : str
        The name of the constructor in ``keras.applications``, such as 'MobileNetV2'.
    module : str
        The submodule of ``keras.applications`` with the network's ``preprocess_input``
        and ``decode_predictions``.
    kwargs : dict
        The constructor's extra arguments, such as the width multiplier ``alpha`` of
        the MobileNets.
    notop_file : str
        The name of the weight file of the network without its classifier on top, as
        Keras stores it in its cache.
    top_file : str
        The name of the weight file with the 1,000-class classifier on top.
    url : str
        The folder that Keras downloads the weight files from.
    md5 : dict
        The MD5 hash of each weight file that has a known one, by file name.
    fine_tune_from : str
        The name of the first layer of the top blocks that fine-tuning unfreezes.
    parameters_note : str
        The size of the network without its top, in words.
    """

    name: str
    title: str
    application_name: str
    module: str
    kwargs: dict
    notop_file: str
    top_file: str
    url: str
    md5: dict
    fine_tune_from: str
    parameters_note: str

    @property
    def application(self):
        """The constructor, e.g. ``keras.applications.MobileNetV2``."""
        return getattr(keras.applications, self.application_name)

    @property
    def preprocess_input(self):
        """The base's own ``keras.applications.<module>.preprocess_input``."""
        return importlib.import_module(f"keras.applications.{self.module}").preprocess_input

    def weights_file(self, include_top):
        """The name of the weight file with (``include_top=True``) or without the classifier on top."""
        return self.top_file if include_top else self.notop_file

    def __str__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.title}: keras.applications.{self.application_name}({args})"


#: The networks the chapters can build on, as :class:`ImageNetBase` objects by name:
#: 'mobilenet_v2' (MobileNetV2, width 0.35), 'mobilenet' (MobileNet v1, width 0.25)
#: and 'vgg16'.
BASES = {
    "mobilenet_v2": ImageNetBase(
        "mobilenet_v2", "MobileNetV2, width 0.35", "MobileNetV2", "mobilenet_v2", {"alpha": 0.35},
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224.h5",
        KERAS_APPS_URL + "mobilenet_v2/", {}, "block_11_expand", "about 0.4 million parameters without its top"),
    "mobilenet": ImageNetBase(
        "mobilenet", "MobileNet v1, width 0.25", "MobileNet", "mobilenet", {"alpha": 0.25},
        "mobilenet_2_5_224_tf_no_top.h5", "mobilenet_2_5_224_tf.h5",
        KERAS_APPS_URL + "mobilenet/", {}, "conv_dw_12", "about 0.2 million parameters without its top"),
    "vgg16": ImageNetBase(
        "vgg16", "VGG16", "VGG16", "vgg16", {},
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        KERAS_APPS_URL + "vgg16/",
        {"vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5": "6d6bbae143d832006294945121d1f1fc",
         "vgg16_weights_tf_dim_ordering_tf_kernels.h5": "64373286793e3c8b2b4e3219cbf3544b"},
        "block5_conv1", "14.7 million parameters without its top (58.9 MB of weights)"),
}


def base_spec(name):
    """The network called ``name``, one of the keys of :data:`BASES`.

    Parameters
    ----------
    name : str
        'mobilenet_v2', 'mobilenet' or 'vgg16'.

    Returns
    -------
    ImageNetBase

    Raises
    ------
    ValueError
        If ``name`` is not a key of :data:`BASES`.
    """
    if name not in BASES:
        raise ValueError(f"base must be one of {', '.join(map(repr, BASES))}; got {name!r}.")
    return BASES[name]


@dataclasses.dataclass(frozen=True)
class WeightsFile:
    """Which weights a network gets, as :func:`find_weights` returns them.

    Attributes
    ----------
    path : str or None
        The weight file, to pass as ``weights=`` to the Keras constructor; None for
        random weights.
    filename : str
        The name of the weight file that was looked for.
    source : str
        Where the file came from (or, for random weights, why there is none).
    """

    path: str | None
    filename: str
    source: str

    @property
    def imagenet(self):
        """True when ``path`` holds ImageNet weights, False for random weights."""
        return self.path is not None

    def __str__(self):
        return f"{self.filename} ({self.source})" if self.imagenet else self.source


def keras_cache_dir():
    """The folder where Keras keeps downloaded weights, as a string.

    It is ``$KERAS_HOME/models`` when the environment variable ``KERAS_HOME`` is set,
    and ``~/.keras/models`` otherwise.
    """
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models")


def _reason(exc):
    """The exception's type and the first line of its message, for an error that explains a failed download."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"


def _find_file(filename, url, md5=None, data_dir_=None):
    """(path, source) of a Keras cache file: the cache, then $CNN_BOOK_DATA/keras-models (copied), then a download."""
    cached = Path(keras_cache_dir()) / filename
    if cached.is_file():
        return str(cached), "Keras cache"
    root = data_dir(data_dir_)
    local = None if root is None else root / WEIGHTS_SUBDIR / filename
    if local is not None and local.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, cached)
        return str(cached), f"${DATA_ENV_VAR}/{WEIGHTS_SUBDIR}, copied into the Keras cache"
    tried = [f"the Keras cache ({cached})"]
    if local is not None:
        tried.append(f"{local}")
    try:
        path = keras.utils.get_file(filename, url + filename, cache_subdir="models", file_hash=md5)
        return str(path), "downloaded by Keras into its cache"
    except Exception as exc:  # no network, DNS failure, HTTP error
        tried.append(f"a download from {url + filename} ({_reason(exc)})")
        return None, "; ".join(tried)


def find_weights(base, include_top=False, profile=None, data_dir_=None):
    """Find the ImageNet weight file of the network ``base``.

    The file is looked for in Keras' cache (:func:`keras_cache_dir`), then in
    ``$CNN_BOOK_DATA/keras-models/`` (and copied into the cache), then downloaded by
    Keras. Without the file and without network access, the ``quick`` profile
    returns ``path=None`` (random weights) after a loud notice; other profiles raise
    :class:`WeightsUnavailableError`, which names the file and where to put it.

    Parameters
    ----------
    base : str
        A key of :data:`BASES`.
    include_top : bool
        True for the weights of the whole classifier, with its 1,000 ImageNet
        classes; False for those of the convolutional base alone.
    profile : str or Profile, optional
        The run profile ('quick', 'cpu' or 'full'); None: the active one.
    data_dir_ : str or pathlib.Path, optional
        The local data folder to look in instead of ``$CNN_BOOK_DATA``.

    Returns
    -------
    WeightsFile
        Pass its ``path`` as ``weights=`` to the Keras constructor.

    Raises
    ------
    WeightsUnavailableError
        If the file is missing and cannot be downloaded, in every profile but
        ``quick``.
    ValueError
        If ``base`` is not a key of :data:`BASES` or ``profile`` is not a profile.
    DataUnavailableError
        If ``data_dir_`` (or ``$CNN_BOOK_DATA``) is set but is not a folder.
    """
    spec = base_spec(base)
    profile = get_profile(profile)
    filename = spec.weights_file(include_top)
    path, source = _find_file(filename, spec.url, spec.md5.get(filename), data_dir_)
    if path is not None:
        return WeightsFile(path, filename, source)
    if not profile.allow_offline_fallback:
        raise WeightsUnavailableError(
            f"The ImageNet weights of {spec.title} are not available here: Keras needs the file {filename}. "
            f"Tried {source}.\nWhat to do: (a) run this cell once with internet access (Colab, Binder, a laptop "
            f"online), so Keras downloads it; or (b) copy the file into {keras_cache_dir()} or into "
            f"${DATA_ENV_VAR}/{WEIGHTS_SUBDIR}/; or (c) for an offline try-out, set CNN_BOOK_PROFILE=quick, "
            "which uses random weights (every number it produces is then meaningless).")
    loud_notice(
        f"The ImageNet weights of {spec.title} could not be found or downloaded\n({filename}),\n"
        "so this run builds the network with RANDOM weights (weights=None). The layers and\n"
        "parameter counts are right, but every accuracy and prediction below is MEANINGLESS.\n"
        "Run the chapter online, or with the file in the Keras cache, for the real results.",
        heading="RANDOM WEIGHTS, NOT IMAGENET: THE NUMBERS BELOW MEAN NOTHING")
    return WeightsFile(None, filename, "RANDOM (weights=None): offline stand-in, ImageNet weights unavailable")


@keras.saving.register_keras_serializable(package="convlib")
class ImageNetPreprocess(keras.layers.Layer):
    """A base's own ``preprocess_input`` as a layer, so that a model takes raw pixels (0..255).

    MobileNet and MobileNetV2 scale pixels to [-1, 1]; VGG16 reorders RGB to BGR
    and subtracts ImageNet's mean pixel. Inside the model, the preprocessing is
    saved with it and nobody can forget it at prediction time.

    Parameters
    ----------
    base : str
        A key of :data:`BASES`: whose ``preprocess_input`` the layer applies.
    **kwargs
        Passed on to ``keras.layers.Layer``, such as ``name``.
    """

    def __init__(self, base="mobilenet_v2", **kwargs):
        super().__init__(**kwargs)
        self.base = base_spec(base).name

    def call(self, inputs):
        return BASES[self.base].preprocess_input(keras.ops.cast(inputs, self.compute_dtype))

    def get_config(self):
        return {**super().get_config(), "base": self.base}


def trainable_counts(model):
    """The trainable and non-trainable parameter counts of a Keras model or layer.

    Batch normalisation's moving mean and variance are non-trainable weights: they
    are updated by running data through the layer, never by the optimiser.

    Parameters
    ----------
    model : keras.Model or keras.layers.Layer

    Returns
    -------
    trainable, non_trainable : int
        The numbers of values in ``model.trainable_weights`` and in
        ``model.non_trainable_weights``.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model or layer.
    """
    if not hasattr(model, "trainable_weights") or not hasattr(model, "non_trainable_weights"):
        raise TypeError(f"model must be a Keras model or layer; got {type(model).__name__}.")
    count = lambda weights: sum(int(np.prod(w.shape)) for w in weights)  # noqa: E731
    return count(model.trainable_weights), count(model.non_trainable_weights)


def square_photos(photos, size):
    """Centre-crop each photo to a square and resize it to ``size`` x ``size`` pixels.

    Parameters
    ----------
    photos : dict, list or numpy.ndarray
        RGB images of shape (height, width, 3): a dict name -> image (as
        ``data.sample_photos()`` returns), a list of images or an (n, h, w, 3) array.
        Images that are not uint8 are rounded and clipped to 0..255.
    size : int
        The side of the squares, in pixels.

    Returns
    -------
    names : list of str
        The dict's keys, or 'photo 0', 'photo 1', ... for a list or an array.
    images : numpy.ndarray
        uint8, shape (n, size, size, 3).

    Raises
    ------
    ValueError
        If ``size`` is not a positive whole number, there are no photos, or a photo
        is not of shape (height, width, 3).
    TypeError
        If ``photos`` is neither a dict, a list nor an (n, h, w, 3) array.
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


def _check_model(model, name):
    if not isinstance(model, keras.Model):
        raise TypeError(f"{name} must be a keras.Model; got {type(model).__name__}.")


def decode_top(probs, profile=None, top=5):
    """The ImageNet class names of the ``top`` largest probabilities of each row.

    Does what ``keras.applications.*.decode_predictions`` does (every ImageNet
    network shares the 1,000 classes), with the class index
    ``imagenet_class_index.json`` found as :func:`find_weights` finds weights.
    Without it the ``quick`` profile prints a loud notice and labels classes by
    number ("ImageNet class 281"); other profiles raise :class:`WeightsUnavailableError`.

    Parameters
    ----------
    probs : array_like
        Shape (n, 1000): one row of ImageNet class probabilities per image.
    profile : str or Profile, optional
        The run profile ('quick', 'cpu' or 'full'); None: the active one.
    top : int
        How many classes per row, from 1 to 1000.

    Returns
    -------
    list of list of (str, float)
        For each row, ``top`` pairs (class name, probability), the most probable first.

    Raises
    ------
    ValueError
        If ``probs`` is not of shape (n, 1000) or ``top`` is out of range.
    WeightsUnavailableError
        If the class index is missing and cannot be downloaded, in every profile
        but ``quick``.
    """
    profile = get_profile(profile)
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[1] != 1000:
        raise ValueError(f"probs must have shape (n, 1000), one row of ImageNet probabilities per image; "
                         f"got {probs.shape}.")
    if not is_int(top) or not 1 <= top <= 1000:
        raise ValueError(f"top must be a whole number from 1 to 1000; got {top!r}.")
    path, source = _find_file(CLASS_INDEX_FILE, CLASS_INDEX_URL.rsplit("/", 1)[0] + "/", CLASS_INDEX_MD5)
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top]
    if path is not None:  # what decode_predictions does, with the file found above
        with open(path) as f:
            index = json.load(f)
        return [[(index[str(i)][1], float(row[i])) for i in idx] for row, idx in zip(probs, order)]
    if not profile.allow_offline_fallback:
        raise WeightsUnavailableError(
            f"The ImageNet class names are not available here: Keras needs {CLASS_INDEX_FILE}. Tried {source}. "
            f"Run this cell once online, or copy the file into {keras_cache_dir()} or ${DATA_ENV_VAR}/{WEIGHTS_SUBDIR}/.")
    loud_notice(f"The ImageNet class names ({CLASS_INDEX_FILE}) could not be found or downloaded,\n"
                "so the classes below are shown by number only.", heading="NO IMAGENET CLASS NAMES")
    return [[(f"ImageNet class {i}", float(row[i])) for i in idx] for row, idx in zip(probs, order)]


def imagenet_top5(model, photos, base="mobilenet", profile=None, top=5):
    """The ``top`` most probable ImageNet classes of each photo.

    The photos are cropped and resized to the model's input size
    (:func:`square_photos`) and preprocessed here.

    Parameters
    ----------
    model : keras.Model
        A 1,000-class ImageNet classifier with square inputs that expects the
        preprocessing of ``base``, such as ``keras.applications.MobileNet(alpha=0.25)``
        with its top.
    photos : dict, list or numpy.ndarray
        RGB images, as for :func:`square_photos`.
    base : str
        The key of :data:`BASES` whose ``preprocess_input`` the model expects.
    profile : str or Profile, optional
        The run profile, as for :func:`decode_top`.
    top : int
        How many classes per photo.

    Returns
    -------
    dict
        Photo name -> list of ``top`` pairs (class name, probability), the most
        probable first.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If ``model`` does not take square images and give 1,000 outputs, or as for
        :func:`square_photos` and :func:`decode_top`.
    """
    _check_model(model, "model")
    spec = base_spec(base)
    in_shape, out_shape = tuple(model.inputs[0].shape[1:]), tuple(model.outputs[0].shape[1:])
    if out_shape != (1000,) or len(in_shape) != 3 or in_shape[0] is None or in_shape[0] != in_shape[1]:
        raise ValueError("model must be an ImageNet classifier with square inputs and 1,000 outputs, such as "
                         f"keras.applications.MobileNet(include_top=True); got input {in_shape} and output {out_shape}.")
    names, images = square_photos(photos, in_shape[0])
    probs = model.predict(spec.preprocess_input(images.astype("float32")), verbose=0)
    return dict(zip(names, decode_top(probs, profile, top)))


def print_top5(predictions):
    """Print the result of :func:`imagenet_top5`: each photo's name, then one line per class.

    Parameters
    ----------
    predictions : dict
        Photo name -> list of (class name, probability), as :func:`imagenet_top5` returns.
    """
    for name, rows in predictions.items():
        print(name)
        for label, p in rows:
            print(f"  {p:7.2%}  {label}")
