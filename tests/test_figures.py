"""Static figures: read back what each figure draws (cells by gid, colours, markers) and
check it against counts worked by hand, a brute-force dependency search and Keras."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import convlib  # noqa: E402
from convlib.figures import MARKED, plot_receptive_field, plot_same_padding  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cells_by_layer(fig):
    """{layer: {cell: (x centre, marked?)}} read from the Rectangles' gids and colours."""
    layers = {}
    for patch in fig.axes[0].patches:
        gid = patch.get_gid() or ""
        if gid.startswith("layer"):
            level, cell = (int(part) for part in gid[len("layer"):].split("-cell"))
            marked = to_hex(patch.get_facecolor()) == to_hex(MARKED)
            layers.setdefault(level, {})[cell] = (patch.get_x() + patch.get_width() / 2, marked)
    return layers


def marked_cells(layer):
    return [j for j, (_, marked) in sorted(layer.items()) if marked]


# Worked by hand, bottom row first: (cells in the row, first and last marked cell).
# [3, 3, 3]: 9 inputs -> 7 -> 5 -> 3; the middle output reads 1..3, 1..5, 1..7.
# [3, 2, 3] with strides [1, 2, 1]: 12 -> 10 -> 5 -> 3; cells 1..3 of layer 2 read
# 2..7 of layer 1 (j*2 .. j*2+1), which read inputs 2..9.
HAND = {
    ((3, 3, 3), None): [(9, 1, 7), (7, 1, 5), (5, 1, 3), (3, 1, 1)],
    ((3, 2, 3), (1, 2, 1)): [(12, 2, 9), (10, 2, 7), (5, 1, 3), (3, 1, 1)],
}


@pytest.mark.parametrize("kernel_sizes, strides", list(HAND))
def test_receptive_field_rows_worked_by_hand(kernel_sizes, strides):
    fig = plot_receptive_field(list(kernel_sizes), strides=None if strides is None else list(strides))
    layers = cells_by_layer(fig)
    assert sorted(layers) == list(range(len(kernel_sizes) + 1))
    for level, (length, first, last) in enumerate(HAND[kernel_sizes, strides]):
        assert len(layers[level]) == length
        assert marked_cells(layers[level]) == list(range(first, last + 1))


def depends_on(kernel_sizes, strides, n, output_cell):
    """Input cells whose value changes the chosen output cell, found by trying each one
    (all-ones kernels, so every input cell a window reads contributes)."""
    found = []
    for i in range(n):
        x = np.zeros((1, n))
        x[0, i] = 1.0
        for f, s in zip(kernel_sizes, strides):
            x = convlib.conv2d(x, np.ones((1, f)), strides=(1, s))
        if x[0, output_cell] != 0:
            found.append(i)
    return found


@pytest.mark.parametrize("kernel_sizes, strides", [([3, 3, 3], [1, 1, 1]), ([3, 2, 3], [1, 2, 1]),
                                                    ([5, 3], [2, 2]), ([2, 2, 2, 2], [2, 2, 2, 2]), ([4], [3])])
def test_marked_input_cells_are_what_the_output_depends_on(kernel_sizes, strides):
    fig = plot_receptive_field(kernel_sizes, strides=strides)
    layers = cells_by_layer(fig)
    top = layers[len(kernel_sizes)]
    (chosen,) = marked_cells(top)
    inputs = layers[0]
    assert marked_cells(inputs) == depends_on(kernel_sizes, strides, len(inputs), chosen)
    field = convlib.receptive_field(list(zip(kernel_sizes, strides)))
    assert len(marked_cells(inputs)) == field
    assert f"{field} input cells" in fig.axes[0].get_title()
    # the output cell is drawn above the middle of the input cells it depends on
    xs = [inputs[j][0] for j in marked_cells(inputs)]
    assert top[chosen][0] == pytest.approx(np.mean(xs))


def test_receptive_field_default_strides_are_one_and_ax_is_used():
    fig, ax = plt.subplots()
    assert plot_receptive_field([3, 3], ax=ax) is fig
    assert len(marked_cells(cells_by_layer(fig)[0])) == 5


@pytest.mark.parametrize("kwargs, words", [
    (dict(kernel_sizes=[]), ["kernel_sizes", "[]"]),
    (dict(kernel_sizes=3), ["kernel_sizes", "3"]),
    (dict(kernel_sizes=[3, 0]), ["kernel_sizes[1]", "0"]),
    (dict(kernel_sizes=[3, 3], strides=[1]), ["strides", "2", "[1]"]),
    (dict(kernel_sizes=[3, 3], strides=[1, 1.5]), ["strides[1]", "1.5"]),
])
def test_receptive_field_errors_name_the_argument(kwargs, words):
    with pytest.raises(ValueError) as info:
        plot_receptive_field(**kwargs)
    for word in words:
        assert word in str(info.value)


def padding_cells(fig):
    """Set of (row, col) drawn as padding, and the side of the padded grid."""
    cells = [p for p in fig.axes[0].patches if p.get_gid() in ("padding", "input")]
    side = int(round(np.sqrt(len(cells))))
    pad = {(int(round(p.get_y() + 0.5)), int(round(p.get_x() + 0.5))) for p in cells if p.get_gid() == "padding"}
    return pad, side


def window_starts(fig):
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == "starts"]
    return sorted(zip(line.get_ydata(), line.get_xdata()))


# (n, f, s): padding (top/left, bottom/right) and output size, worked by hand from
# out = ceil(n / s) and total = (out - 1) * s + f - n.
SAME = {
    (6, 3, 2): ((0, 1), 3),    # total 1: all of it on the bottom/right
    (6, 4, 2): ((1, 1), 3),    # total 2
    (5, 4, 1): ((1, 2), 5),    # even kernel, stride 1: total 3
    (7, 3, 3): ((1, 1), 3),    # total 2
    (4, 1, 2): ((0, 0), 2),    # a 1x1 kernel needs none
}


@pytest.mark.parametrize("n, f, s", list(SAME))
def test_same_padding_grid_worked_by_hand(n, f, s):
    (top, bottom), out = SAME[n, f, s]
    fig = plot_same_padding(n, f, s)
    pad, side = padding_cells(fig)
    assert side == n + top + bottom
    inside = set(range(top, top + n))
    expected = {(r, c) for r in range(side) for c in range(side) if r not in inside or c not in inside}
    assert pad == expected
    starts = list(range(0, out * s, s))
    assert window_starts(fig) == [(r, c) for r in starts for c in starts]
    assert f"output {out}x{out}" in fig.axes[0].get_title()
    last = [p for p in fig.axes[0].patches if p.get_gid() == "window-last"][0]
    assert (last.get_y() + 0.5, last.get_x() + 0.5, last.get_width()) == (starts[-1], starts[-1], f)
    if top + bottom:   # padding is added only as far as the last window reads
        assert starts[-1] + f == side


@pytest.mark.parametrize("n, f, s", [(6, 3, 2), (5, 4, 1), (8, 4, 3)])
def test_same_padding_grid_is_what_keras_pads(n, f, s):
    """A valid convolution of the grid the figure draws equals Keras' padding='same'."""
    keras = pytest.importorskip("keras")
    pad, side = padding_cells(plot_same_padding(n, f, s))
    top = min(r for r in range(side) if (r, side // 2) not in pad)
    bottom = side - n - top
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, n, n, 1)).astype("float32")
    k = rng.normal(size=(f, f, 1, 1)).astype("float32")
    same = keras.layers.Conv2D(1, f, strides=s, padding="same", use_bias=False)
    same.build(x.shape)
    same.set_weights([k])
    padded = keras.layers.ZeroPadding2D(((top, bottom), (top, bottom)))(x)
    np.testing.assert_allclose(convlib.conv2d(np.asarray(padded), k, strides=s), np.asarray(same(x)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs, name", [(dict(n=0, f=3, s=1), "n"), (dict(n=5, f=2.0, s=1), "f"),
                                          (dict(n=5, f=3, s=-1), "s")])
def test_same_padding_errors_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must"):
        plot_same_padding(**kwargs)
