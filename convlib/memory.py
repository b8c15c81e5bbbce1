"""Memory per layer: activations, bytes, parameters and multiplications, layer by layer.

One forward pass keeps every layer's output until the backward pass has used it, so
the activations of all layers together are the memory one image costs in training;
the parameters are stored once, whatever the batch size. :func:`memory_table` counts
both for a Keras model (shapes and parameters read from Keras) or for a plain list of
layer specs (shapes and parameters computed with ``convlib.arithmetic``), and
:func:`print_memory_table` prints the result.
"""
import dataclasses
import math

from .arithmetic import conv_multiplies, conv_output_shape, conv_params, dense_multiplies, dense_params, output_size
from ._validate import is_int, positive_pair

SPEC_KINDS = {
    "conv": {"filters", "kernel_size", "strides", "padding", "dilation_rate", "use_bias"},
    "pool": {"pool_size", "strides", "padding"},
    "flatten": set(),
    "dense": {"units", "use_bias"},
}
SPEC_REQUIRED = {"conv": {"filters", "kernel_size"}, "pool": {"pool_size"}, "flatten": set(), "dense": {"units"}}


@dataclasses.dataclass(frozen=True)
class LayerMemory:
    """One row of :func:`memory_table`.

    Attributes
    ----------
    name : str
        The layer's name.
    kind : str
        Its type (the Keras class name, or the spec's kind).
    output_shape : tuple of int
        The output's shape without the batch axis.
    activations : int
        Values in the output for one input image.
    bytes : int
        ``activations * dtype_bytes``.
    parameters : int
        Weights and biases (Keras' ``count_params()``, non-trainable ones included).
    multiplies : int or None
        Multiplications by a weight for one image: exact for convolutions (also grouped,
        depthwise and separable) and dense layers, 0 for layers without weights, and
        None for other layers with weights (batch normalisation, for example), which
        are left out of the total.
    """

    name: str
    kind: str
    output_shape: tuple
    activations: int
    bytes: int
    parameters: int
    multiplies: int | None


def memory_table(model, input_shape=None, dtype_bytes=4):
    """Tabulate each layer's output shape, activations, bytes, parameters and multiplications.

    Parameters
    ----------
    model : keras.Model or list of dict
        A built Keras model with a fixed input size (nested models are opened layer by
        layer, their layers named ``outer/inner``), or a list of layer specs such as
        ``{"kind": "conv", "filters": 64, "kernel_size": 3, "padding": "same"}``. Spec
        kinds and their keys: ``conv`` (filters, kernel_size, strides=1, padding='valid',
        dilation_rate=1, use_bias=True), ``pool`` (pool_size, strides=pool_size,
        padding='valid'), ``flatten``, ``dense`` (units, use_bias=True); each may also
        have a ``name``.
    input_shape : tuple of int, optional
        (height, width, channels) of one input; required for a list of specs, not
        accepted for a Keras model (which knows its own).
    dtype_bytes : int, default 4
        Bytes per value: 4 for float32, 2 for float16.

    Returns
    -------
    list of LayerMemory
        The input first, then one row per layer.

    Raises
    ------
    TypeError
        If `model` is neither a Keras model nor a list of specs.
    ValueError
        If `dtype_bytes` is not a positive integer, a shape is unknown (None), or a
        spec is malformed.

    Examples
    --------
    >>> rows = memory_table([{"kind": "conv", "filters": 8, "kernel_size": 3}], input_shape=(5, 5, 1))
    >>> [(r.output_shape, r.activations, r.parameters, r.multiplies) for r in rows]
    [((5, 5, 1), 25, 0, 0), ((3, 3, 8), 72, 80, 648)]
    """
    if not is_int(dtype_bytes) or dtype_bytes < 1:
        raise ValueError(f"dtype_bytes must be a positive integer (4 for float32, 2 for float16); "
                         f"got {dtype_bytes!r}.")
    if isinstance(model, (list, tuple)):
        if input_shape is None:
            raise ValueError("input_shape is required with a list of layer specs, e.g. input_shape=(224, 224, 3).")
        return _spec_rows(model, input_shape, dtype_bytes)
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model or a list of layer specs (dicts); got {type(model).__name__}.")
    if input_shape is not None:
        raise ValueError(f"input_shape is only for a list of layer specs; a Keras model has its own "
                         f"({model.inputs[0].shape[1:]}); got input_shape={input_shape!r}.")
    rows = []
    if not any(isinstance(layer, keras.layers.InputLayer) for layer in model.layers):  # a Sequential model
        rows.append(_row("input", "InputLayer", _shape(model.inputs[0], "input"), 0, 0, dtype_bytes))
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            inner = memory_table(layer, dtype_bytes=dtype_bytes)
            rows += [dataclasses.replace(r, name=f"{layer.name}/{r.name}") for r in inner if r.kind != "InputLayer"]
            continue
        outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        shapes = [_shape(t, layer.name) for t in outputs]
        rows.append(LayerMemory(
            name=layer.name, kind=type(layer).__name__,
            output_shape=shapes[0] if len(shapes) == 1 else tuple(shapes),
            activations=sum(math.prod(s) for s in shapes),
            bytes=sum(math.prod(s) for s in shapes) * dtype_bytes,
            parameters=int(layer.count_params()),
            multiplies=_keras_multiplies(layer, keras)))
    return rows


def memory_totals(rows):
    """Sums of the activations, bytes, parameters and multiplications of :func:`memory_table`'s rows.

    Parameters
    ----------
    rows : list of LayerMemory

    Returns
    -------
    dict
        Keys ``activations``, ``bytes``, ``parameters``, ``multiplies`` (rows whose
        multiplications are not counted add nothing) and ``uncounted``, the names of
        those rows.

    Raises
    ------
    TypeError
        If `rows` is not a list of LayerMemory.

    Examples
    --------
    >>> memory_totals(memory_table([{"kind": "conv", "filters": 8, "kernel_size": 3}], input_shape=(5, 5, 1)))
    {'activations': 97, 'bytes': 388, 'parameters': 80, 'multiplies': 648, 'uncounted': []}
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, LayerMemory) for r in rows):
        raise TypeError(f"rows must be the list that memory_table returns; got {type(rows).__name__}.")
    return {
        "activations": sum(r.activations for r in rows),
        "bytes": sum(r.bytes for r in rows),
        "parameters": sum(r.parameters for r in rows),
        "multiplies": sum(r.multiplies for r in rows if r.multiplies is not None),
        "uncounted": [r.name for r in rows if r.multiplies is None],
    }


def print_memory_table(rows):
    """Print :func:`memory_table`'s rows with a total line; memory in MB (10^6 bytes).

    The columns are as wide as their longest entry, so VGG16's table fits in 80 characters.
    A row whose multiplications are not counted shows "-", and a last line names them.

    Parameters
    ----------
    rows : list of LayerMemory

    Raises
    ------
    TypeError
        If `rows` is not a list of LayerMemory.

    Examples
    --------
    >>> print_memory_table(memory_table([{"kind": "conv", "filters": 8, "kernel_size": 3}], input_shape=(5, 5, 1)))
    layer  output shape  activations   MB  parameters  multiplies
    input  (5, 5, 1)              25  0.0           0           0
    conv1  (3, 3, 8)              72  0.0          80         648
    total                         97  0.0          80         648
    """
    totals = memory_totals(rows)
    cells = [(r.name, str(r.output_shape), f"{r.activations:,}", f"{r.bytes / 1e6:.1f}",
              f"{r.parameters:,}", "-" if r.multiplies is None else f"{r.multiplies:,}") for r in rows]
    total = ("total", "", f"{totals['activations']:,}", f"{totals['bytes'] / 1e6:.1f}",
             f"{totals['parameters']:,}", f"{totals['multiplies']:,}")
    header = ("layer", "output shape", "activations", "MB", "parameters", "multiplies")
    widths = [max(len(c[i]) for c in cells + [total, header]) for i in range(6)]
    for line in [header, *cells, total]:
        print(f"{line[0]:<{widths[0]}}  {line[1]:<{widths[1]}}"
              + "".join(f"  {v:>{w}}" for v, w in zip(line[2:], widths[2:])))
    if totals["uncounted"]:
        print(f"-: multiplications not counted for {', '.join(totals['uncounted'])}")


# --------------------------------------------------------------------------- helpers

def _keras():
    import keras

    return keras


def _row(name, kind, shape, parameters, multiplies, dtype_bytes):
    n = math.prod(shape)
    return LayerMemory(name, kind, tuple(shape), n, n * dtype_bytes, parameters, multiplies)


def _shape(tensor, where):
    shape = tuple(tensor.shape[1:])
    if any(d is None for d in shape):
        raise ValueError(f"the output of {where!r} has shape {shape} with an unknown size (None); build the "
                         "model with a fixed input shape, e.g. keras.Input((224, 224, 3)).")
    return tuple(int(d) for d in shape)


def _keras_multiplies(layer, keras):
    """Multiplications by a weight in one forward pass of `layer` on one image (see LayerMemory)."""
    L = keras.layers
    if isinstance(layer, (L.Conv2D, L.DepthwiseConv2D, L.SeparableConv2D)):
        if layer.data_format != "channels_last":
            raise ValueError(f"layer {layer.name!r} has data_format={layer.data_format!r}; "
                             "only 'channels_last' (NHWC, the Keras default) is counted.")
        h, w, c = _shape(layer.input, layer.name)
        geometry = dict(strides=layer.strides, padding=layer.padding, dilation_rate=layer.dilation_rate)
        if isinstance(layer, (L.DepthwiseConv2D, L.SeparableConv2D)):
            m = layer.depth_multiplier  # each channel alone, then (separable) a 1x1 mix of the c*m maps
            depthwise = c * conv_multiplies((h, w, 1), layer.kernel_size, m, **geometry)
            if isinstance(layer, L.DepthwiseConv2D):
                return depthwise
            oh, ow, _ = conv_output_shape((h, w, 1), layer.kernel_size, m, **geometry)
            return depthwise + oh * ow * dense_multiplies(c * m, layer.filters)
        return conv_multiplies((h, w, c), layer.kernel_size, layer.filters, **geometry) // layer.groups
    if isinstance(layer, L.Dense):
        shape = _shape(layer.input, layer.name)  # Dense acts on the last axis, at every other position
        return math.prod(shape[:-1]) * dense_multiplies(shape[-1], layer.units)
    return 0 if layer.count_params() == 0 else None


def _spec_rows(specs, input_shape, dtype_bytes):
    if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
            or not all(is_int(v) and v >= 1 for v in input_shape)):
        raise ValueError(f"input_shape must be (height, width, channels), three positive integers; got {input_shape!r}.")
    shape = tuple(int(v) for v in input_shape)
    rows = [_row("input", "input", shape, 0, 0, dtype_bytes)]
    for i, spec in enumerate(specs):
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind not in SPEC_KINDS:
            raise ValueError(f"layers[{i}] must be a dict whose 'kind' is one of {sorted(SPEC_KINDS)}; got {spec!r}.")
        unknown = set(spec) - SPEC_KINDS[kind] - {"kind", "name"}
        if unknown:
            raise ValueError(f"layers[{i}] ({kind!r}) has unknown keys {sorted(unknown)}; "
                             f"valid keys: {sorted(SPEC_KINDS[kind] | {'name'})}.")
        missing = SPEC_REQUIRED[kind] - set(spec)
        if missing:
            raise ValueError(f"layers[{i}] ({kind!r}) lacks {sorted(missing)}; got {spec!r}.")
        name = spec.get("name", f"{kind}{i + 1}")
        if kind == "flatten":
            shape, params, mults = (math.prod(shape),), 0, 0
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"layers[{i}] (dense) needs a flat input; got shape {shape}: add a 'flatten' layer first.")
            use_bias = spec.get("use_bias", True)
            params = dense_params(shape[0], spec["units"], use_bias)
            shape, mults = (spec["units"],), dense_multiplies(shape[0], spec["units"])
        elif len(shape) != 3:
            raise ValueError(f"layers[{i}] ({kind}) needs an (height, width, channels) input; got shape {shape}.")
        elif kind == "conv":
            geometry = {k: spec[k] for k in ("strides", "padding", "dilation_rate") if k in spec}
            params = conv_params(spec["kernel_size"], shape[2], spec["filters"], spec.get("use_bias", True))
            mults = conv_multiplies(shape, spec["kernel_size"], spec["filters"], **geometry)
            shape = conv_output_shape(shape, spec["kernel_size"], spec["filters"], **geometry)
        else:  # pool: one window per output cell and channel
            size = positive_pair(spec["pool_size"], "pool_size")
            strides = positive_pair(spec.get("strides", size), "strides")
            padding = spec.get("padding", "valid")
            shape = tuple(output_size(n, f, padding, s) for n, f, s in zip(shape[:2], size, strides)) + shape[2:]
            params, mults = 0, 0
        rows.append(_row(name, kind, shape, params, mults, dtype_bytes))
    return rows
