"""Seeing inside a trained CNN: filters, feature maps, activation maximisation, occlusion, Grad-CAM.

Every function takes a Keras 3 model built on an explicit ``keras.Input`` (a
Sequential model that starts with ``keras.Input``, or a functional model) with
one image input and one output of class probabilities. Augmentation and
preprocessing layers may sit in front: the functions call the model in
inference mode, where augmentation does nothing. A layer may also live one
level down, in a model nested inside the classifier (a frozen base under a new
head); the outer model must then be a simple chain of layers, as every
Sequential model is. For deeper nesting, pass the inner model itself.

Images are one (height, width, channels) array each, on the scale the model
expects; the drawing helpers are in :mod:`convlib.inspection_plots`.
"""
import collections

import keras
import numpy as np

from ._validate import as_array, is_int, positive_int, positive_pair

ConvLayer = collections.namedtuple("ConvLayer", "name filters kernel_size strides padding output_shape model")
ActivationMaximisation = collections.namedtuple("ActivationMaximisation", "image trace")
GradCAM = collections.namedtuple("GradCAM", "heatmap predicted_class")


# --------------------------------------------------------------------------- models and layers

def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}.")
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise ValueError(f"model {model.name!r} has no defined inputs yet: build it on an explicit input, "
                         "e.g. keras.Sequential([keras.Input((32, 32, 3)), ...]).")
    if len(inputs) != 1 or len(outputs) != 1 or len(inputs[0].shape) != 4:
        raise ValueError(f"model must take one batch of images (batch, height, width, channels) and give one output; "
                         f"{model.name!r} has inputs {[tuple(t.shape) for t in inputs]} and "
                         f"{len(outputs)} output(s).")
    return model


def _nested(model):
    return [layer for layer in model.layers if isinstance(layer, keras.Model)]


def _all_layers(model):
    """(container, layer) for every layer of `model` and of the models nested directly inside it."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        found.append((model, layer))
        if isinstance(layer, keras.Model):
            found += [(layer, sub) for sub in layer.layers if not isinstance(sub, keras.layers.InputLayer)]
    return found


def _locate(model, layer_name, name="layer_name", kind=None):
    """(container, layer) for `layer_name`: a layer of `model` or of a model nested one level down.

    `kind` (a layer class) restricts the search, and the list of valid names, to that class.
    """
    candidates = [(c, layer) for c, layer in _all_layers(model) if kind is None or isinstance(layer, kind)]
    matches = [(c, layer) for c, layer in candidates if layer.name == layer_name]
    if len(matches) == 1:
        return matches[0]
    what = f"{kind.__name__} layer" if kind is not None else "layer"
    if matches:
        raise ValueError(f"{name} {layer_name!r} names a {what} in more than one of the models inside "
                         f"{model.name!r} ({', '.join(c.name for c, _ in matches)}); pass the inner model instead.")
    valid = ", ".join(repr(layer.name) for _, layer in candidates) or "none"
    raise ValueError(f"{name} {layer_name!r} is not a {what} of model {model.name!r}; valid names: {valid}.")


def conv_layers(model):
    """The Conv2D layers of `model` (and of models nested one level down), in order.

    Each is a ``ConvLayer(name, filters, kernel_size, strides, padding, output_shape, model)``
    where `output_shape` has no batch axis and `model` names the model that holds the layer.
    """
    _check_model(model)
    return [ConvLayer(layer.name, layer.filters, tuple(layer.kernel_size), tuple(layer.strides), layer.padding,
                      tuple(layer.output.shape[1:]), container.name)
            for container, layer in _all_layers(model) if isinstance(layer, keras.layers.Conv2D)]


def conv_filters(model, layer_name):
    """(kernel, bias) of a Conv2D layer as NumPy arrays: kernel (fh, fw, c_in, filters), bias (filters,) or None."""
    _check_model(model)
    _, layer = _locate(model, layer_name, kind=keras.layers.Conv2D)
    kernel = np.array(layer.kernel.numpy())
    bias = np.array(layer.bias.numpy()) if layer.use_bias else None
    return kernel, bias


_POOLS = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
# Layers that slide a window over the image; a depthwise convolution is not a Conv2D in Keras 3.
_WINDOWED = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)


def receptive_fields(model, layer_names=None):
    """{layer name: (rows, cols)}: how many input pixels one output position of the layer sees.

    Follows the model's convolution (also depthwise and separable) and pooling layers (and those of models nested
    one level down) in order, as :func:`convlib.receptive_field` does for a list of
    (kernel_size, strides, dilation_rate). Layers without a window (activations,
    batch normalisation) keep the field of the layer before them. `layer_names`
    defaults to every Conv2D layer; the model must be a chain of layers.
    """
    from .arithmetic import receptive_field

    _check_model(model)
    names = [c.name for c in conv_layers(model)] if layer_names is None else _layer_names(model, layer_names)
    windows, fields = [], {}
    for _, layer in _all_layers(model):
        if isinstance(layer, _WINDOWED):
            windows.append((layer.kernel_size, layer.strides, layer.dilation_rate))
        elif isinstance(layer, _POOLS):
            windows.append((layer.pool_size, layer.strides, (1, 1)))
        if not isinstance(layer, keras.Model):
            fields[layer.name] = tuple(receptive_field([(w[0][a], w[1][a], w[2][a]) for w in windows]) if windows
                                       else 1 for a in (0, 1))
    return {n: fields[n] for n in names}


def _layer_names(model, layer_names):
    if isinstance(layer_names, str):
        layer_names = [layer_names]
    if not isinstance(layer_names, (list, tuple)) or not layer_names:
        raise ValueError(f"layer_names must be a layer name or a non-empty list of names; got {layer_names!r}.")
    for n in layer_names:
        _locate(model, n, name="layer_names entry")
    if len(set(layer_names)) != len(layer_names):
        raise ValueError(f"layer_names must not repeat a name; got {list(layer_names)!r}.")
    return list(layer_names)


def _is_chain(model):
    """True if each layer of `model` takes the previous layer's output (always so for Sequential)."""
    if isinstance(model, keras.Sequential):
        return True
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    previous = model.inputs[0]
    for layer in layers:
        try:
            if layer.input is not previous:
                return False
            previous = layer.output
        except (AttributeError, ValueError):  # a layer called more than once
            return False
    return previous is model.outputs[0]


def _graph_outputs(model, names):
    """[outputs of the named layers of functional `model`] + [the input of its last layer], from its own graph.

    None if a layer is inside a nested model, or also serves in another model and its
    .output belongs to that one.
    """
    if not set(names) <= {layer.name for layer in model.layers}:
        return None
    outputs = [model.get_layer(n).output for n in names] + [model.layers[-1].input]
    try:
        return keras.Model(model.inputs[0], outputs)
    except ValueError:
        return None


def _call_layers(model, x, names):
    """Call `model` on tensor `x`, returning ({name: output of that layer}, input of its last layer, output).

    A Sequential model (or a functional chain whose layers also serve elsewhere)
    is called layer by layer, so every intermediate tensor is at hand; a nested
    model that holds wanted layers is opened the same way.
    """
    graph = None if isinstance(model, keras.Sequential) else _graph_outputs(model, names)
    if graph is not None:
        outs = graph(x)
        return dict(zip(names, outs[:-1])), outs[-1], model.layers[-1](outs[-1])
    if not _is_chain(model):
        raise ValueError(f"model {model.name!r} is not a plain chain of layers, so layers inside its nested models "
                         "cannot be reached from its input; pass the nested model (and an image prepared for it).")
    found, head = {}, x
    for layer in [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]:
        head = x
        inner = [n for n in names if isinstance(layer, keras.Model) and n in [sub.name for sub in layer.layers]]
        if inner:
            sub_found, _, x = _call_layers(layer, x, inner)
            found.update(sub_found)
        else:
            x = layer(x)
        if layer.name in names:
            found[layer.name] = x
    return found, head, x


def _tap(model, layer_names, head_input=False):
    """A keras.Model: image batch -> [output of each named layer] (+ the input of the last layer).

    Built on a fresh input by calling the model's layers again (see :func:`_call_layers`):
    a layer's own .output may belong to another model that shares it (a base shares
    its layers with the model it came from; a nested model's layers live in its own
    graph). The layers, and so the weights, are the same objects.
    """
    for n in layer_names:
        _locate(model, n)
    inputs = keras.Input(tuple(model.inputs[0].shape[1:]))
    found, head, _ = _call_layers(model, inputs, layer_names)
    return keras.Model(inputs, [found[n] for n in layer_names] + ([head] if head_input else []))


def _as_list(outputs):
    """A Keras model built with a one-element list of outputs returns a bare tensor: make it a list again."""
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def feature_map_model(model, layer_names):
    """A keras.Model from the model's input to the output of each named layer, in order.

    Called on a batch it returns a list for two or more names and one tensor for one name
    (Keras' rule for a one-element output list).
    """
    _check_model(model)
    return _tap(model, _layer_names(model, layer_names))


def _image(model, image, name="image"):
    """`image` as float32 (H, W, C), checked against the model's input shape."""
    expected = tuple(model.inputs[0].shape[1:])
    shown = "(" + ", ".join("any" if d is None else str(d) for d in expected) + ")"
    x = as_array(image, name).astype("float32")
    if x.ndim == 2 and expected[-1] == 1:
        x = x[:, :, None]
    if x.ndim == 4 and x.shape[0] == 1:
        raise ValueError(f"{name} must be one image {shown}, not a batch; got shape {x.shape}: pass images[0].")
    if x.ndim != 3 or any(e is not None and e != s for e, s in zip(expected, x.shape)):
        raise ValueError(f"{name} must have shape {shown} to fit model {model.name!r}; got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must hold finite numbers; it contains NaN or infinity.")
    return x


def feature_maps(model, image, layer_names=None):
    """{layer name: output for one image} (an (H, W, C) array for a conv layer).

    `layer_names` defaults to every Conv2D layer (see :func:`conv_layers`).
    """
    _check_model(model)
    x = _image(model, image)
    names = [c.name for c in conv_layers(model)] if layer_names is None else _layer_names(model, layer_names)
    if not names:
        raise ValueError(f"model {model.name!r} has no Conv2D layer: pass layer_names.")
    outputs = _as_list(feature_map_model(model, names)(x[None], training=False))
    return {n: keras.ops.convert_to_numpy(out)[0] for n, out in zip(names, outputs)}


# --------------------------------------------------------------------------- classes and gradients

def _class_count(model):
    """Number of classes: the output units, or 2 for one sigmoid unit (class 1 is the unit's class)."""
    units = model.outputs[0].shape[-1]
    if len(model.outputs[0].shape) != 2:
        raise ValueError(f"model must output one row of class scores per image; {model.name!r} outputs shape "
                         f"{tuple(model.outputs[0].shape)}.")
    return 2 if units == 1 else units


def _class_index(model, class_index, allow_none=True):
    n = _class_count(model)
    if class_index is None and allow_none:
        return None
    if not is_int(class_index) or not 0 <= class_index < n:
        raise ValueError(f"class_index must be a whole number from 0 to {n - 1} (the model has {n} classes); "
                         f"got {class_index!r}.")
    return int(class_index)


def _probability(outputs, class_index):
    """Probability of `class_index` for each row of model outputs (one sigmoid unit: p is class 1)."""
    if outputs.shape[-1] == 1:
        return outputs[:, 0] if class_index == 1 else 1.0 - outputs[:, 0]
    return outputs[:, class_index]


def _predicted(outputs):
    return int(outputs[0, 0] >= 0.5) if outputs.shape[-1] == 1 else int(np.argmax(outputs[0]))


def _gradient(forward, x):
    """(value, d value / d wrt) where ``wrt, value = forward(x)``: the one backend-specific function.

    `wrt` is `x` itself or a tensor computed from it inside `forward`; value is a scalar.
    """
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"the inspection gradients need the TensorFlow backend; Keras runs on "
                         f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow before importing keras.")
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        wrt, value = forward(x)
    return float(value), keras.ops.convert_to_numpy(tape.gradient(value, wrt))


def _number(value, name, low=None, high=None, strict=False):
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and np.isfinite(value)
    ok = ok and (low is None or (value > low if strict else value >= low)) and (high is None or value <= high)
    if not ok:
        bound = "" if low is None else f" {'>' if strict else '>='} {low}"
        raise ValueError(f"{name} must be a number{bound}; got {value!r}.")
    return float(value)


# --------------------------------------------------------------------------- activation maximisation

def gaussian_blur(image, sigma):
    """Blur each channel of an (H, W, C) image with a Gaussian of standard deviation `sigma` pixels.

    Separable: one 1-D kernel of radius ceil(3 sigma) along the rows, then along the
    columns; edges are extended by repeating the border pixels.
    """
    image = as_array(image, "image").astype(float)
    sigma = _number(sigma, "sigma", 0, strict=True)
    radius = int(np.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    weights /= weights.sum()
    for axis in (0, 1):
        pad = [(0, 0)] * image.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(image, pad, mode="edge")
        n = image.shape[axis]
        image = sum(w * np.take(padded, np.arange(i, i + n), axis=axis) for i, w in enumerate(weights))
    return image


def maximise_activation(model, layer_name, filter_index, size=None, steps=100, learning_rate=0.05, jitter=2,
                        blur_every=4, blur_sigma=0.5, value_range=(0.0, 1.0), seed=0):
    """Gradient ascent on the input image to maximise one filter's mean activation.

    Starts from mid-grey plus a little noise. Each step shifts the image by up
    to `jitter` pixels at random, takes the gradient of the filter's mean
    activation with respect to the shifted image, shifts the gradient back,
    and adds ``learning_rate * (high - low)`` times the gradient divided by its
    root mean square; then clips to `value_range`. Every `blur_every` steps
    (0: never) the image is blurred (sigma `blur_sigma` pixels). Jitter and
    blur keep the high-frequency noise that also excites a filter from taking over:
    with jitter the ascent maximises the activation averaged over the small
    shifts, so it favours patterns that survive being moved a pixel or two.

    `size` is the (height, width) to optimise (the model's input size by default).
    Works for any layer whose output ends in a channel (or unit) axis.
    Returns ``ActivationMaximisation(image, trace)``: the (H, W, C) image and the
    activation before each step (of the shifted image used) followed by that of the final image.
    """
    _check_model(model)
    _, layer = _locate(model, layer_name)
    channels = layer.output.shape[-1] if len(layer.output.shape) >= 2 else 1
    if not is_int(filter_index) or not 0 <= filter_index < channels:
        raise ValueError(f"filter_index must be a whole number from 0 to {channels - 1} ({layer_name!r} has "
                         f"{channels} channels); got {filter_index!r}.")
    in_shape = tuple(model.inputs[0].shape[1:])
    if size is None:
        if None in in_shape[:2]:
            raise ValueError(f"model {model.name!r} accepts any image size {in_shape}: pass size=(height, width).")
        size = in_shape[:2]
    size = positive_pair(size, "size")
    if any(e is not None and e != s for e, s in zip(in_shape[:2], size)):
        raise ValueError(f"size must be the model's input size {in_shape[:2]}; got {size}.")
    steps = positive_int(steps, "steps")
    learning_rate = _number(learning_rate, "learning_rate", 0, strict=True)
    if not is_int(jitter) or jitter < 0 or not is_int(blur_every) or blur_every < 0:
        raise ValueError(f"jitter and blur_every must be whole numbers >= 0 (0 turns them off); "
                         f"got jitter={jitter!r}, blur_every={blur_every!r}.")
    blur_sigma = _number(blur_sigma, "blur_sigma", 0, strict=True)
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in value_range)
            or not value_range[0] < value_range[1]):
        raise ValueError(f"value_range must be (low, high) with low < high, the model's pixel range, "
                         f"e.g. (0, 1) or (0, 255); got {value_range!r}.")
    low, high = float(value_range[0]), float(value_range[1])

    tap = _tap(model, [layer_name])

    def forward(x):
        out = _as_list(tap(x, training=False))[0]
        return x, keras.ops.mean(out[..., filter_index])

    rng = np.random.default_rng(seed)
    image = low + (high - low) * (0.5 + 0.1 * rng.uniform(-1, 1, size + (in_shape[-1],)))
    image = image.astype("float32")
    trace = []
    for step in range(1, steps + 1):
        shift = tuple(rng.integers(-jitter, jitter + 1, 2)) if jitter else (0, 0)
        value, grad = _gradient(forward, np.roll(image, shift, axis=(0, 1))[None])
        trace.append(value)
        grad = np.roll(grad[0], tuple(-s for s in shift), axis=(0, 1))
        image = image + learning_rate * (high - low) * grad / (np.sqrt(np.mean(grad ** 2)) + 1e-12)
        if blur_every and step % blur_every == 0:
            image = gaussian_blur(image, blur_sigma)
        image = np.clip(image, low, high).astype("float32")
    trace.append(_gradient(forward, image[None])[0])
    return ActivationMaximisation(image, np.array(trace))


# --------------------------------------------------------------------------- occlusion

def occlusion_map(model, image, class_index=None, patch_size=8, stride=4, fill=None, upsample=False,
                  batch_size=256):
    """How much the probability of `class_index` drops when a patch of the image is hidden.

    A `patch_size` square (or (rows, cols)) of `fill` slides over the image in
    steps of `stride`, as a valid convolution window would, so the map has
    ``output_size(H, patch, strides=stride)`` rows (and likewise columns).
    ``map[i, j] = p(original) - p(patch at row i*stride, column j*stride)``:
    large where hiding the pixels hurts. `fill` is a number or one value per
    channel; by default each channel's mean (a grey for a natural photo).
    `class_index` defaults to the predicted class. The occluded copies are
    predicted `batch_size` at a time. With ``upsample=True`` the map has the
    image's size instead: each pixel gets the mean drop of the patches that covered it
    (0 where none did).
    """
    _check_model(model)
    x = _image(model, image)
    class_index = _class_index(model, class_index)
    (h, w, c), (ph, pw) = x.shape, positive_pair(patch_size, "patch_size")
    sh, sw = positive_pair(stride, "stride")
    if ph > h or pw > w:
        raise ValueError(f"patch_size {(ph, pw)} must fit inside the {h}x{w} image.")
    fill = x.mean(axis=(0, 1)) if fill is None else as_array(fill, "fill").astype("float32")
    if fill.shape not in ((), (c,)):
        raise ValueError(f"fill must be one number or one value per channel ({c}); got shape {fill.shape}.")
    batch_size = positive_int(batch_size, "batch_size")

    predict = lambda batch: keras.ops.convert_to_numpy(model(batch, training=False))  # noqa: E731
    base = predict(x[None])
    class_index = _predicted(base) if class_index is None else class_index
    rows, cols = range(0, h - ph + 1, sh), range(0, w - pw + 1, sw)
    corners = [(r, q) for r in rows for q in cols]
    drops = []
    for start in range(0, len(corners), batch_size):
        chunk = corners[start:start + batch_size]
        batch = np.repeat(x[None], len(chunk), axis=0)
        for k, (r, q) in enumerate(chunk):
            batch[k, r:r + ph, q:q + pw] = fill
        drops.append(_probability(base, class_index)[0] - _probability(predict(batch), class_index))
    drop = np.concatenate(drops).reshape(len(rows), len(cols))
    if not upsample:
        return drop
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for (r, q), d in zip(corners, drop.ravel()):
        total[r:r + ph, q:q + pw] += d
        count[r:r + ph, q:q + pw] += 1
    return np.divide(total, count, out=np.zeros((h, w)), where=count > 0)


# --------------------------------------------------------------------------- Grad-CAM

_SQUASHES = ("softmax", "sigmoid")


def _logit_head(model):
    """A function: last layer's input -> class scores before the softmax/sigmoid; None if there is none.

    Grad-CAM (Selvaraju et al. 2017) differentiates the class score y^c before
    the softmax. A probability saturates: once p_c is close to 1 its gradient is
    close to 0 (exactly 0 in float32 for a confident model) and the map goes
    blank; it also mixes in the other classes' scores. So when the model ends in
    a Dense layer with a softmax or sigmoid activation, the score is recomputed
    from that layer's input with its own kernel and bias (the same weights, no
    copy of the model); when it ends in a separate softmax/sigmoid Activation
    layer, the score is that layer's input. Otherwise the last layer's own output is the score.
    """
    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense) and getattr(last.activation, "__name__", "") in _SQUASHES:
        def logits(h):
            z = keras.ops.matmul(h, last.kernel)
            return z + last.bias if last.use_bias else z
        return logits
    if isinstance(last, keras.layers.Softmax) or (isinstance(last, keras.layers.Activation)
                                                  and getattr(last.activation, "__name__", "") in _SQUASHES):
        return lambda h: h
    return None


def grad_cam(model, image, class_index=None, layer_name=None):
    """Grad-CAM heat map of `class_index` (default: the predicted class) at a conv layer.

    With A^k the layer's k-th feature map for this image and y^c the class
    score before the softmax: alpha_k = mean over positions of dy^c/dA^k, and
    the map is ReLU(sum_k alpha_k A^k), divided by its maximum (all zeros if
    nothing speaks for the class). `layer_name` defaults to the last Conv2D
    layer. Returns ``GradCAM(heatmap, predicted_class)``: an (h, w) map at the
    layer's resolution (:func:`resize_map` brings it to the image's size).
    """
    _check_model(model)
    x = _image(model, image)
    class_index = _class_index(model, class_index)
    convs = conv_layers(model)
    if layer_name is None:
        if not convs:
            raise ValueError(f"model {model.name!r} has no Conv2D layer: pass layer_name.")
        layer_name = convs[-1].name
    _, layer = _locate(model, layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer_name must name a layer with feature maps (height, width, channels); "
                         f"{layer_name!r} outputs shape {tuple(layer.output.shape[1:])}.")
    head = _logit_head(model) or model.layers[-1]
    tap = _tap(model, [layer_name], head_input=True)
    outputs = keras.ops.convert_to_numpy(model(x[None], training=False))
    predicted = _predicted(outputs)
    target = predicted if class_index is None else class_index

    seen = {}

    def forward(batch):
        tapped = tap(batch, training=False)
        seen["maps"] = tapped[0]
        scores = head(tapped[1])
        if scores.shape[-1] == 1:  # one sigmoid unit: its score speaks for class 1, against class 0
            return tapped[0], scores[0, 0] if target == 1 else -scores[0, 0]
        return tapped[0], scores[0, target]

    _, grads = _gradient(forward, x[None])
    maps = keras.ops.convert_to_numpy(seen["maps"])[0]
    alpha = grads[0].mean(axis=(0, 1))
    heat = np.maximum(maps @ alpha, 0)
    top = heat.max()
    return GradCAM(heat / top if top > 0 else np.zeros_like(heat), predicted)


# --------------------------------------------------------------------------- comparing maps

def _map(m, name):
    m = as_array(m, name).astype(float)
    if m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"{name} must be a non-empty 2-D map (rows, cols); got shape {m.shape}.")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must hold finite numbers; it contains NaN or infinity.")
    return m


def resize_map(heat, shape):
    """Bilinear resize of a 2-D map to `shape` (rows, cols), pixel centres aligned.

    The same rule as image resizing in TensorFlow and OpenCV (half-pixel
    centres): output pixel i looks at input position (i + 0.5) * n_in / n_out - 0.5,
    clamped to the edges.
    """
    out = _map(heat, "heat")
    shape = positive_pair(shape, "shape")
    for axis, n_out in enumerate(shape):
        n_in = out.shape[axis]
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        frac = (pos - lo).reshape((-1, 1) if axis == 0 else (1, -1))
        out = np.take(out, lo, axis=axis) * (1 - frac) + np.take(out, hi, axis=axis) * frac
    return out


def _ranks(values):
    """Ranks 1..n, ties sharing the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # ranks starts+1 .. ends, averaged
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def rank_correlation(a, b):
    """Spearman's rank correlation of two maps of the same shape (e.g. occlusion vs Grad-CAM).

    The Pearson correlation of the values' ranks (ties get their mean rank):
    1 when both maps order the pixels the same way, -1 when reversed. NaN when
    either map is constant (it orders nothing). Resize first with :func:`resize_map`.
    """
    a, b = _map(a, "a"), _map(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}. "
                         "Bring one to the other's shape with resize_map(map, shape).")
    ra, rb = _ranks(a.ravel()), _ranks(b.ravel())
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt((ra ** 2).sum() * (rb ** 2).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")
