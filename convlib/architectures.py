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


# --------------------------------------------------------------------------- argument checks

def _positive(value, name, allow_none=False):
    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be a positive integer (1, 2, ...){extra}; got {value!r}.")
    return value


def _image_shape(input_shape, min_size, why):
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in input_shape)):
        raise ValueError(f"input_shape must be (height, width, channels), three positive integers; "
                         f"got {input_shape!r}.")
    if min(input_shape[:2]) < min_size:
        raise ValueError(f"input_shape {tuple(input_shape)!r} is too small: height and width must be at least "
                         f"{min_size}, {why}.")
    return tuple(input_shape)


def _feature_map(x, name="x"):
    """(height, width, channels) of a batched 4-D tensor such as ``keras.Input((32, 32, 64))``."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 4 or shape[-1] is None:
        raise ValueError(
            f"{name} must be a 4-D feature map (batch, height, width, channels) with a known number of "
            f"channels, such as keras.Input((32, 32, 64)); got {shape if shape is not None else type(x).__name__!r}.")
    return tuple(shape[1:])


def _block_name(name, prefix):
    if name is None:
        return f"{prefix}{keras.backend.get_uid(prefix)}"
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string used as the prefix of the block's layer names "
                         f"(or None for an automatic one); got {name!r}.")
    return name


# --------------------------------------------------------------------------- LeNet-5 and AlexNet

def build_lenet5(num_classes=10, name="lenet5"):
    """LeNet-5 (LeCun et al., 1998) in its common modern form, on 32 x 32 x 1 images.

    C1: 6 filters 5x5, tanh -> 28x28x6; S2: 2x2 average pooling -> 14x14x6;
    C3: 16 filters 5x5, tanh -> 10x10x16; S4: 2x2 average pooling -> 5x5x16;
    C5: 120 filters 5x5, tanh -> 1x1x120 (on a 5x5 input this is a dense layer
    with 120 units); F6: Dense(84, tanh); output: Dense(num_classes, softmax).

    Simplifications of the 1998 network: C3 here sees all six S2 maps (the paper
    connected each C3 map to a subset only), the pooling layers have no trained
    coefficient and bias, and the output is a softmax instead of radial basis units.
    """
    _positive(num_classes, "num_classes")
    return keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(6, (5, 5), activation="tanh", name="c1_conv"),
        layers.AveragePooling2D((2, 2), name="s2_avgpool"),
        layers.Conv2D(16, (5, 5), activation="tanh", name="c3_conv"),
        layers.AveragePooling2D((2, 2), name="s4_avgpool"),
        layers.Conv2D(120, (5, 5), activation="tanh", name="c5_conv"),
        layers.Flatten(name="flatten"),
        layers.Dense(84, activation="tanh", name="f6_dense"),
        layers.Dense(num_classes, activation="softmax", name="output"),
    ], name=name)


def build_alexnet(input_shape=(227, 227, 3), num_classes=1000, dropout=0.5, name="alexnet"):
    """AlexNet (Krizhevsky et al., 2012) as the single-stream network most textbooks build.

    conv1 96 x 11x11 stride 4 -> 55x55x96, 3x3 max-pool stride 2 -> 27x27x96;
    conv2 256 x 5x5 same -> 27x27x256, pool -> 13x13x256; conv3 384, conv4 384,
    conv5 256 (3x3 same) -> 13x13x256, pool -> 6x6x256; flatten (9,216), Dense(4096),
    dropout, Dense(4096), dropout, Dense(num_classes, softmax). ReLU everywhere.

    The 227 x 227 input makes the first layer's arithmetic exact ((227 - 11) / 4 + 1 = 55).
    The original split most layers across two GPUs (conv2, conv4 and conv5 saw only
    the half of the previous layer's maps on their own GPU, so it had fewer weights)
    and applied local response normalisation after conv1 and conv2; both are left out
    here, as in most modern re-implementations.
    """
    _positive(num_classes, "num_classes")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a rate in [0, 1) (0 leaves the dropout layers out); got {dropout!r}.")
    # 11x11 stride 4, then three 3x3 stride-2 poolings must leave at least one cell.
    input_shape = _image_shape(input_shape, 67, "so that conv1 and the three poolings leave at least 1 x 1 cells "
                                               "(use the standard (227, 227, 3))")
    stack = [keras.Input(input_shape),
             layers.Conv2D(96, (11, 11), strides=4, activation="relu", name="conv1"),
             layers.MaxPooling2D((3, 3), strides=2, name="pool1"),
             layers.Conv2D(256, (5, 5), padding="same", activation="relu", name="conv2"),
             layers.MaxPooling2D((3, 3), strides=2, name="pool2"),
             layers.Conv2D(384, (3, 3), padding="same", activation="relu", name="conv3"),
             layers.Conv2D(384, (3, 3), padding="same", activation="relu", name="conv4"),
             layers.Conv2D(256, (3, 3), padding="same", activation="relu", name="conv5"),
             layers.MaxPooling2D((3, 3), strides=2, name="pool5"),
             layers.Flatten(name="flatten")]
    for i in (6, 7):
        stack.append(layers.Dense(4096, activation="relu", name=f"fc{i}"))
        if dropout:
            stack.append(layers.Dropout(dropout, name=f"dropout{i}"))
    stack.append(layers.Dense(num_classes, activation="softmax", name="predictions"))
    return keras.Sequential(stack, name=name)


# --------------------------------------------------------------------------- building blocks

def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj, name=None):
    """An Inception module of GoogLeNet (Szegedy et al., 2015), functional API.

    Four parallel branches on the same input, concatenated along the channels:
    1x1 conv (``f1``); 1x1 reduce (``f3_reduce``) then 3x3 (``f3``); 1x1 reduce
    (``f5_reduce``) then 5x5 (``f5``); 3x3 max-pool (stride 1) then 1x1 (``pool_proj``).
    All convolutions use ReLU and 'same' padding, so every branch keeps the height
    and width and the output has f1 + f3 + f5 + pool_proj channels (the pooling
    branch passes all input channels on when ``pool_proj`` is None).

    ``f3_reduce``, ``f5_reduce`` or ``pool_proj`` set to None leaves that 1x1
    bottleneck out: the "naive" module, which shows what the 1x1 layers save.
    GoogLeNet's first module (3a) is f1=64, f3_reduce=96, f3=128, f5_reduce=16,
    f5=32, pool_proj=32 on a 28x28x192 input.
    """
    _feature_map(x)
    for value, arg in ((f1, "f1"), (f3, "f3"), (f5, "f5")):
        _positive(value, arg)
    for value, arg in ((f3_reduce, "f3_reduce"), (f5_reduce, "f5_reduce"), (pool_proj, "pool_proj")):
        _positive(value, arg, allow_none=True)
    name = _block_name(name, "inception")

    def conv(t, filters, size, label):
        return layers.Conv2D(filters, size, padding="same", activation="relu", name=f"{name}_{label}")(t)

    branch1 = conv(x, f1, 1, "1x1")
    branch3 = conv(x, f3_reduce, 1, "3x3_reduce") if f3_reduce else x
    branch3 = conv(branch3, f3, 3, "3x3")
    branch5 = conv(x, f5_reduce, 1, "5x5_reduce") if f5_reduce else x
    branch5 = conv(branch5, f5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    if pool_proj:
        pooled = conv(pooled, pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([branch1, branch3, branch5, pooled])


def separable_conv(x, filters, kernel_size=3, strides=1, split=True, use_bias=True, name=None):
    """A depthwise separable convolution, as in Xception (Chollet, 2017).

    Step 1 (depthwise): one kernel_size x kernel_size filter per input channel, no
    mixing across channels: k*k*C weights. Step 2 (pointwise): a 1x1 convolution
    that mixes the C channels into ``filters``: C*filters weights (+ filters biases).
    With ``split=True`` the two steps are separate layers (DepthwiseConv2D without
    bias, then Conv2D 1x1) so each can be inspected; with ``split=False`` it is one
    ``keras.layers.SeparableConv2D``. Both have the same parameters and outputs.
    """
    _feature_map(x)
    _positive(filters, "filters")
    _positive(kernel_size, "kernel_size")
    _positive(strides, "strides")
    if not isinstance(split, bool) or not isinstance(use_bias, bool):
        raise ValueError(f"split and use_bias must be True or False; got split={split!r}, use_bias={use_bias!r}.")
    name = _block_name(name, "sepconv")
    if not split:
        return layers.SeparableConv2D(filters, kernel_size, strides=strides, padding="same", use_bias=use_bias,
                                      name=name)(x)
    y = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                               name=f"{name}_depthwise")(x)
    return layers.Conv2D(filters, 1, use_bias=use_bias, name=f"{name}_pointwise")(y)


def separable_block(x, repeats=3, name=None):
    """Xception's middle-flow block: ``repeats`` times (ReLU, 3x3 separable conv, batch norm),
    added to the block's input (identity shortcut).

    The separable convolutions keep the number of channels, so the shortcut needs no
    projection. In Xception the block has 728 channels and is repeated eight times.
    """
    _, _, channels = _feature_map(x)
    _positive(repeats, "repeats")
    name = _block_name(name, "sepblock")
    y = x
    for i in range(1, repeats + 1):
        y = layers.Activation("relu", name=f"{name}_relu{i}")(y)
        y = layers.SeparableConv2D(channels, 3, padding="same", use_bias=False, name=f"{name}_sepconv{i}")(y)
        y = layers.BatchNormalization(name=f"{name}_bn{i}")(y)
    return layers.Add(name=f"{name}_add")([y, x])


def block_model(block, input_shape, **kwargs):
    """Wrap one block (``inception_module``, ``separable_conv``, ...) in a model on ``keras.Input(input_shape)``.

    Keyword arguments go to the block; ``name`` names both the block's layers and the model.
    """
    if not callable(block):
        raise ValueError(f"block must be a function such as inception_module; got {block!r}.")
    _image_shape(input_shape, 1, "")
    inputs = keras.Input(input_shape, name="input")
    outputs = block(inputs, **kwargs)
    return keras.Model(inputs, outputs, name=kwargs.get("name") or block.__name__)


# --------------------------------------------------------------------------- Keras Applications

#: Figures of the Keras Applications documentation, by model name, each the tuple
#: (size of the weight file in MB, ImageNet validation top-1 accuracy, top-5 accuracy,
#: depth). That page defines depth as the number of layers with parameters, which
#: :func:`depth` counts; its address is :data:`KERAS_PUBLISHED_SOURCE`.
KERAS_PUBLISHED = {
    "VGG16": (528, 0.713, 0.901, 16),
    "VGG19": (549, 0.713, 0.900, 19),
    "ResNet50": (98, 0.749, 0.921, 107),
    "ResNet50V2": (98, 0.760, 0.930, 103),
    "ResNet101": (171, 0.764, 0.928, 209),
    "InceptionV3": (92, 0.779, 0.937, 189),
    "InceptionResNetV2": (215, 0.803, 0.953, 449),
    "Xception": (88, 0.790, 0.945, 81),
    "MobileNet": (16, 0.704, 0.895, 55),
    "MobileNetV2": (14, 0.713, 0.901, 105),
    "DenseNet121": (33, 0.750, 0.923, 242),
    "EfficientNetB0": (29, 0.771, 0.933, 132),
}
#: The page that the figures of :data:`KERAS_PUBLISHED` come from.
KERAS_PUBLISHED_SOURCE = "https://keras.io/api/applications/"


def depth(model):
    """Layers that hold parameters (convolutions, dense, batch norm, ...): the Keras documentation's "depth"."""
    return sum(1 for layer in model.layers if layer.count_params() > 0)


def applications_table(names):
    """Build each ``keras.applications`` model with ``weights=None`` (no download) and measure it.

    Returns one dict per name: ``name``, ``parameters`` (all weights, as
    ``count_params()``), ``depth`` (layers with parameters, see :func:`depth`),
    ``layers`` (all layers, input included) and ``seconds`` (time to build).
    """
    import time

    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise ValueError(f"names must be a list of model names such as ['ResNet50', 'Xception']; got {names!r}.")
    names = list(names)
    available = sorted(n for n in dir(keras.applications) if n[:1].isupper())
    for n in names:
        if n not in available:
            raise ValueError(f"{n!r} is not a model in keras.applications; choose from: {', '.join(available)}.")
    rows = []
    for n in names:
        start = time.perf_counter()
        model = getattr(keras.applications, n)(weights=None)
        seconds = time.perf_counter() - start
        rows.append({"name": n, "parameters": model.count_params(), "depth": depth(model),
                     "layers": len(model.layers), "seconds": seconds})
        del model
        keras.backend.clear_session()
    return rows


def compare_with_formulas(model, expected):
    """Print each layer of ``expected`` ({name: (output shape, parameters)}) beside what ``model`` has.

    ``expected`` should list every layer that has parameters, so that the totals can be
    compared too. Returns True when every shape, every count and the total agree.
    """
    if not isinstance(expected, dict) or not expected:
        raise ValueError("expected must be a non-empty dict {layer name: (output shape, parameters)}; "
                         f"got {expected!r}.")
    names = {layer.name for layer in model.layers}
    missing = [n for n in expected if n not in names]
    if missing:
        raise ValueError(f"expected names layers that {model.name!r} does not have: {missing}; "
                         f"its layers are {sorted(names)}.")
    w = max(len("total"), *(len(n) for n in expected)) + 2
    print(f"{'layer':<{w}}{'shape: model':<16}{'formula':<16}{'params: model':>14}{'formula':>12}")
    ok = True
    for name, (shape, params) in expected.items():
        layer = model.get_layer(name)
        got_shape, got = tuple(layer.output.shape[1:]), layer.count_params()
        good = got_shape == tuple(shape) and got == params
        ok = ok and good
        print(f"{name:<{w}}{str(got_shape):<16}{str(tuple(shape)):<16}{got:>14,}{params:>12,}"
              + ("" if good else "   <- differs"))
    total = sum(p for _, p in expected.values())
    ok = ok and total == model.count_params()
    print(f"{'total':<{w + 32}}{model.count_params():>14,}{total:>12,}")
    print("model and formulas agree" if ok else "MODEL AND FORMULAS DIFFER")
    return ok


def print_layers(model):
    """Print each layer's name, type, output shape and parameters, with a total line."""
    from .models import layer_table

    rows = [(name, type(layer).__name__, shape, params)
            for (name, shape, params), layer in zip(layer_table(model), model.layers)]
    w = max(len("layer"), *(len(r[0]) for r in rows)) + 2
    t = max(len("type"), *(len(r[1]) for r in rows)) + 2
    print(f"{'layer':<{w}}{'type':<{t}}{'output shape':<18}{'parameters':>12}")
    for name, kind, shape, params in rows:
        print(f"{name:<{w}}{kind:<{t}}{str(shape):<18}{params:>12,}")
    print(f"{'total':<{w + t + 18}}{model.count_params():>12,}")
