"""Block diagrams of Keras models, drawn with matplotlib alone.

One box per layer (or per group of consecutive layers), labelled with the layer's
name, type and output shape; arrows follow the data. Branches (the shortcut of a
residual block, the four paths of an Inception module) are drawn side by side, and
a shortcut that skips layers in the same column is drawn as a bracket on the right.
"""
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# box colours by layer family
COLOURS = {
    "conv": "#cfe2f3", "pool": "#fce5cd", "dense": "#d9ead3", "merge": "#e6d3ea",
    "input": "#eeeeee", "other": "#f3f3f3",
}


def _family(layer):
    kind = type(layer).__name__
    if "Conv" in kind:
        return "conv"
    if "Pool" in kind:
        return "pool"
    if kind == "Dense":
        return "dense"
    if kind in ("Add", "Concatenate", "Multiply", "Average", "Maximum", "Subtract"):
        return "merge"
    if kind == "InputLayer":
        return "input"
    return "other"


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def describe_layer(layer):
    """Short text for a layer: its type, kernel or pool size, stride and activation.

    >>> describe_layer(keras.layers.Conv2D(96, 11, strides=4, activation="relu"))  # doctest: +SKIP
    'Conv2D 11x11 /4, relu'
    """
    kind = type(layer).__name__
    config = layer.get_config()
    text = kind.replace("Pooling2D", "Pool").replace("GlobalAverage", "GlobalAvg")
    if kind == "Activation":
        return config["activation"]
    size = config.get("kernel_size") or config.get("pool_size")
    if size is not None and "Global" not in kind:
        fh, fw = _pair(size)
        text += f" {fh}x{fw}"
    strides = config.get("strides")
    if strides is not None and "Global" not in kind and _pair(strides) != (1, 1) and _pair(strides) != _pair(size):
        text += " /" + "x".join(str(s) for s in sorted(set(_pair(strides))))
    activation = config.get("activation")
    if activation not in (None, "linear"):
        text += f", {activation}"
    return text


def _shape_text(shape):
    shape = tuple(shape[1:])
    return "×".join(str(s) for s in shape)


def model_graph(model):
    """The boxes of ``model`` and how they connect.

    Returns (names, parents, info): layer names in a topological order (an input box
    first), for each name the names of the layers that feed it, and for each name a
    dict with ``parts`` (the :func:`describe_layer` text), ``shape`` (output shape
    without the batch axis) and ``family`` (the colour). Sequential and functional models.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model (Sequential or functional); got {type(model).__name__}.")

    def info(layer):
        family = _family(layer)
        return {"title": layer.name, "parts": ["Input" if family == "input" else describe_layer(layer)],
                "shape": _shape_text(layer.output.shape), "family": family}

    boxes = {layer.name: info(layer) for layer in model.layers}
    if isinstance(model, keras.Sequential):  # its layers do not include the input
        names = [layer.name for layer in model.layers]
        parents = {n: [names[i - 1]] if i else ["input"] for i, n in enumerate(names)}
        parents["input"] = []
        boxes["input"] = {"title": "input", "parts": ["Input"], "shape": _shape_text(model.inputs[0].shape),
                          "family": "input"}
        return ["input"] + names, parents, boxes

    def history(obj, found):
        if isinstance(obj, dict):
            if "keras_history" in obj.get("config", {}):
                found.append(obj["config"]["keras_history"][0])
            for value in obj.values():
                history(value, found)
        elif isinstance(obj, (list, tuple)):
            for value in obj:
                history(value, found)
        return found

    config = model.get_config()
    parents = {entry["name"]: history(entry.get("inbound_nodes", []), []) for entry in config["layers"]}
    return [layer.name for layer in model.layers], parents, boxes


def _merge_groups(names, parents, labels, group):
    """Merge runs of consecutive layers (one parent, one child) that ``group`` maps to the same key."""
    children = {n: [c for c in names if n in parents[c]] for n in names}
    merged, owner = [], {}
    for n in names:
        key = group(n)
        prev = parents[n][0] if len(parents[n]) == 1 else None
        if (key is not None and prev is not None and group(prev) == key and len(children[prev]) == 1):
            head = owner[prev]
            owner[n] = head
            labels[head]["parts"].append(labels[n]["parts"][0])
            labels[head]["shape"] = labels[n]["shape"]
            continue
        owner[n] = n
        merged.append(n)
        if key is not None:
            labels[n]["title"] = key
    new_parents = {n: sorted({owner[p] for p in parents[n]}, key=merged.index) for n in merged}
    return merged, new_parents


def _compact(parts):
    """['Conv2D 3x3, relu', 'Conv2D 3x3, relu', 'MaxPool 2x2'] -> 'Conv2D 3x3, relu ×2 | MaxPool 2x2'."""
    out = []
    for part in parts:
        if out and out[-1][0] == part:
            out[-1][1] += 1
        else:
            out.append([part, 1])
    return " | ".join(p if k == 1 else f"{p} ×{k}" for p, k in out)


def _layout(names, parents):
    """Level (row) and x position (column) of every box."""
    level = {}
    for n in names:
        level[n] = max((level[p] + 1 for p in parents[n]), default=0)
    children = {n: [c for c in names if n in parents[c]] for n in names}
    # Columns: walk back from the outputs; a layer's first input keeps its column,
    # every further input starts a new column to the right.
    column = {}

    def visit(n, col):
        column[n] = col
        for i, p in enumerate(parents[n]):
            if p not in column:
                visit(p, col if i == 0 else max(column.values()) + 1)

    for n in reversed(names):
        if n not in column:
            visit(n, max(column.values(), default=-1) + 1)
    x = {n: float(column[n]) for n in names}
    for n in names:  # merges sit centred under their inputs; a plain chain stays under its parent
        ps = parents[n]
        if len({x[p] for p in ps}) > 1:
            x[n] = sum(x[p] for p in ps) / len(ps)
        elif len(ps) == 1 and len(children[ps[0]]) == 1:
            x[n] = x[ps[0]]
    for n in names:  # a network input that feeds several columns sits centred above them
        if not parents[n] and len({x[c] for c in children[n]}) > 1:
            x[n] = sum(x[c] for c in children[n]) / len(children[n])
    return level, x


def _is_bracket(parent, child, level, x):
    return level[child] - level[parent] > 1 and x[parent] == x[child]


def _has_bracket(names, parents, level, x):
    return any(_is_bracket(p, n, level, x) for n in names for p in parents[n])


def plot_block_diagram(model, group=None, title=None, box_width=2.1, row_height=0.45, fontsize=7):
    """Draw ``model`` as boxes and arrows; returns the matplotlib figure.

    ``group`` (optional) maps a layer name to a group key or None; runs of consecutive
    layers with the same key become one box titled with the key (e.g. VGG's blocks).
    """
    if group is not None and not callable(group):
        raise ValueError(f"group must be a function from a layer name to a group key (or None); got {group!r}.")
    names, parents, labels = model_graph(model)
    if group is not None:
        names, parents = _merge_groups(names, parents, labels, group)
    level, x = _layout(names, parents)
    texts = {n: (labels[n]["title"], f"{_compact(labels[n]['parts'])} → {labels[n]['shape']}") for n in names}
    # one x unit holds a box (0.88 units) and a gap; make the box wide enough for its longest line
    longest = max(len(line) for pair in texts.values() for line in pair)
    unit_in = max(box_width, longest * fontsize * 0.0075) / 0.88
    x_lo, x_hi = min(x.values()) - 0.5, max(x.values()) + 0.5 + (0.25 if _has_bracket(names, parents, level, x) else 0)
    n_rows = max(level.values()) + 1
    fig, ax = plt.subplots(figsize=((x_hi - x_lo) * unit_in, n_rows * row_height + 0.2 + (0.25 if title else 0)),
                           dpi=75)
    half_w, half_h = 0.44, 0.34
    for n in names:
        lab = labels[n]
        ax.add_patch(FancyBboxPatch((x[n] - half_w, -level[n] - half_h), 2 * half_w, 2 * half_h,
                                    boxstyle="round,pad=0.0,rounding_size=0.08",
                                    facecolor=COLOURS[lab["family"]], edgecolor="#555555", linewidth=0.8))
        ax.text(x[n], -level[n] + 0.12, texts[n][0], ha="center", va="center", fontsize=fontsize,
                fontweight="bold")
        ax.text(x[n], -level[n] - 0.15, texts[n][1], ha="center",
                va="center", fontsize=fontsize - 0.5)
    bracket_pt = 0.2 * unit_in * 72  # 0.2 x units, in points
    arrow = dict(arrowstyle="-|>", mutation_scale=8, color="#333333", linewidth=0.8, shrinkA=0, shrinkB=0)
    for n in names:
        for p in parents[n]:
            x0, y0, x1, y1 = x[p], -level[p] - half_h, x[n], -level[n] + half_h
            if _is_bracket(p, n, level, x):  # a skip in the same column: a bracket on the right
                bar = f"bar,armA={-bracket_pt},armB={-bracket_pt},fraction=0"
                ax.add_patch(FancyArrowPatch((x0 + half_w, -level[p]), (x1 + half_w, -level[n]),
                                             connectionstyle=bar, **arrow))
                continue
            if level[n] - level[p] > 1:  # go down in the branch's own column first, then across
                ax.plot([x0, x0], [y0, -level[n] + 1 - half_h], color="#333333", linewidth=0.8)
                y0 = -level[n] + 1 - half_h
            ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), **arrow))
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(-(n_rows - 1) - 0.5, 0.5)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    fig.tight_layout(pad=0.2)
    return fig
