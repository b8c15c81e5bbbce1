"""Widgets: drive the controls as a reader would (set .value) and check that what the
widget shows equals convlib's numbers, the curriculum's worked examples and SciPy;
check that each static twin is a JavaScript animation with the expected frames."""
import matplotlib

matplotlib.use("Agg")

import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import signal  # noqa: E402

import convlib  # noqa: E402
from convlib.widgets import count_frames, frame_indices, window_cells  # noqa: E402
from convlib.widgets.output_size import (  # noqa: E402
    output_size_animation,
    output_size_explorer,
    output_size_state,
)
from convlib.widgets.playground import (  # noqa: E402
    filter_playground,
    filter_playground_animation,
    photo,
    playground_state,
)
from convlib.widgets.sliding import (  # noqa: E402
    sliding_filter_animation,
    sliding_filter_explorer,
    sliding_state,
)

EXAMPLE_X = np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4], [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]])
EXAMPLE_OUT = np.array([[6, -9, -8], [-3, -2, -3], [-3, 0, -2]])  # curriculum item 2


def shown_numbers(ax):
    """The numbers written on a grid panel, in row-major order."""
    return [float(t.get_text()) for t in ax.texts]


# ---------------------------------------------------------------- shared helpers

def test_window_cells_follow_strides_and_dilation():
    # output cell (1, 2) of a 2x2 kernel, strides (2, 3), dilation (1, 2):
    # rows 2, 3 and columns 6, 8
    assert window_cells(1, 2, (2, 2), (2, 3), (1, 2)) == [(2, 6), (2, 8), (3, 6), (3, 8)]


def test_frame_indices_keep_first_and_last():
    assert frame_indices(5, 30) == [0, 1, 2, 3, 4]
    idx = frame_indices(100, 10)
    assert idx[0] == 0 and idx[-1] == 99 and len(idx) == 10


# ---------------------------------------------------------------- sliding explorer

def test_sliding_explorer_starts_on_the_curriculum_example():
    e = sliding_filter_explorer(EXAMPLE_X, "vertical_edge")
    np.testing.assert_array_equal(e.state["output"], EXAMPLE_OUT)
    # top-left: 7 + 4 + 3 - 3 - 3 - 2 = 6, shown in the products panel's sum and the output
    assert e.state["value"] == 6
    assert shown_numbers(e.figure.axes[3]) == [6]


def test_sliding_explorer_steps_fill_the_output():
    e = sliding_filter_explorer(EXAMPLE_X, "vertical_edge")
    for step in range(9):
        e.controls["step"].value = step
        i, j = divmod(step, 3)
        assert (e.state["i"], e.state["j"]) == (i, j)
        assert e.state["value"] == EXAMPLE_OUT[i, j]
        assert e.state["products"].sum() == EXAMPLE_OUT[i, j]
        # the output panel shows exactly the cells computed so far
        assert shown_numbers(e.figure.axes[3]) == EXAMPLE_OUT.ravel()[: step + 1].tolist()
        # the window outlines the patch the products came from
        np.testing.assert_array_equal(e.state["patch"], EXAMPLE_X[i:i + 3, j:j + 3])


@pytest.mark.parametrize("kernel_name", ["sobel_x", "sharpen", "laplacian", "edge_diagonal"])
@pytest.mark.parametrize("strides,padding,dilation", [((1, 1), "valid", 1), ((2, 1), "same", 1),
                                                      ((1, 2), 1, 2), ((2, 2), "full", 1)])
def test_sliding_explorer_controls_agree_with_conv2d(kernel_name, strides, padding, dilation):
    e = sliding_filter_explorer()
    c = e.controls
    c["input"].value = "photo crop 8x8"
    c["kernel"].value = kernel_name
    c["strides_rows"].value, c["strides_cols"].value = strides
    c["padding"].value = padding
    c["dilation_rate"].value = dilation
    x = e.inputs["photo crop 8x8"]
    expected = convlib.conv2d(x, convlib.kernel(kernel_name), strides=strides, padding=padding,
                              dilation_rate=dilation)
    np.testing.assert_allclose(e.state["output"], expected)
    assert c["step"].max == expected.size - 1
    c["step"].value = c["step"].max
    np.testing.assert_allclose(shown_numbers(e.figure.axes[3]), np.round(expected.ravel(), 2), atol=0.006)
    assert e.message.value == ""


def test_sliding_explorer_custom_kernel_is_true_convolution_of_flipped_kernel():
    # Independent reference: SciPy's true convolution with the flipped kernel equals
    # the cross-correlation the explorer shows.
    e = sliding_filter_explorer(EXAMPLE_X, [[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    assert e.controls["kernel"].value == "custom"
    e.controls["input"].value = "your x"
    k = np.array([[1, 2, 0], [0, 3, 1], [-1, 0, 2]], dtype=float)
    for row, values in zip(e.custom_cells, k):
        for cell, v in zip(row, values):
            cell.value = v
    np.testing.assert_allclose(e.state["output"], signal.convolve2d(EXAMPLE_X, k[::-1, ::-1], mode="valid"))


def test_sliding_explorer_curriculum_third_example():
    x = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    e = sliding_filter_explorer(x, [[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    e.controls["step"].value = 8
    assert shown_numbers(e.figure.axes[3]) == [12, 12, 17, 10, 17, 19, 9, 6, 14]


def test_sliding_explorer_reports_an_impossible_setting_instead_of_failing():
    e = sliding_filter_explorer(EXAMPLE_X, "sharpen")
    e.controls["dilation_rate"].value = 3       # span 7 > 5
    assert "larger than the padded input" in e.message.value
    e.controls["padding"].value = "same"        # fixed again
    assert e.message.value == ""
    assert e.state["output"].shape == (5, 5)


def test_sliding_explorer_padding_cells_are_zero_and_marked():
    e = sliding_filter_explorer(EXAMPLE_X, "sharpen", padding=1)
    s = e.state
    assert s["padded"].shape == (7, 7) and s["pad_mask"].sum() == 49 - 25
    assert np.all(s["padded"][s["pad_mask"]] == 0)
    # top-left cell with padding 1: 5*7 - 2 - 4 = 29
    assert s["value"] == 29


def test_sliding_state_rejects_a_step_past_the_end():
    with pytest.raises(ValueError, match=r"step must be between 0 and 8 .*got 9"):
        sliding_state(EXAMPLE_X, "vertical_edge", step=9)


def test_sliding_state_rejects_non_2d_input():
    with pytest.raises(ValueError, match=r"x must be a 2-D .*shape \(2, 5, 5\)"):
        sliding_state(np.zeros((2, 5, 5)), "vertical_edge")


def test_sliding_state_rejects_non_2d_kernel():
    with pytest.raises(ValueError, match=r"kernel must be a 2-D .*shape \(3,\)"):
        sliding_state(EXAMPLE_X, [1, 0, -1])


def test_sliding_twin_has_one_frame_per_window_position():
    html = sliding_filter_animation(EXAMPLE_X, "vertical_edge")
    assert "<script" in html.data and count_frames(html) == 9


def test_sliding_twin_caps_the_frames():
    x = np.arange(100).reshape(10, 10)
    html = sliding_filter_animation(x, "box_blur", max_frames=12)
    assert count_frames(html) == 12


# ---------------------------------------------------------------- output-size explorer

@pytest.mark.parametrize("n,f,s,p,expected", [(7, 3, 2, 1, 4), (25, 5, 2, 0, 11), (11, 3, 2, 1, 6),
                                               (7, 3, 1, 0, 5), (5, 3, 1, 0, 3), (5, 3, 1, 1, 5),
                                               (12, 3, 1, 0, 10)])
def test_output_size_explorer_shows_the_curriculum_figures(n, f, s, p, expected):
    e = output_size_explorer()
    c = e.controls
    c["n"].value, c["f"].value, c["strides"].value, c["padding"].value = n, f, s, p
    assert e.state["out"] == expected == convlib.output_size(n, f, p, s)
    assert e.state["formula"].endswith(f"= {expected}$")
    assert e.figure.axes[1].get_title() == f"output {expected}x{expected}"
    assert c["position"].max == expected * expected - 1


def keras_output_side(n, f, padding, s, d):
    import keras

    x = np.zeros((1, n, n, 1), dtype="float32")
    k = np.zeros((f, f, 1, 1), dtype="float32")
    return keras.ops.conv(x, k, strides=s, padding=padding, dilation_rate=d).shape[1]


@pytest.mark.parametrize("n,f,padding,s,d", [(7, 3, "valid", 2, 1), (8, 4, "same", 1, 1), (9, 3, "same", 2, 1),
                                             (10, 3, "valid", 1, 2), (6, 2, "same", 3, 1), (12, 3, "valid", 3, 1)])
def test_output_size_explorer_agrees_with_keras(n, f, padding, s, d):
    e = output_size_explorer(n, f, padding, s, d)
    assert e.state["out"] == keras_output_side(n, f, padding, s, d)
    if padding == "same":
        # Keras pads the extra cell after (bottom/right); the explorer shows the same split
        total = e.state["before"] + e.state["after"]
        assert e.state["before"] == total // 2 and e.state["after"] == total - total // 2
    # the last window ends inside the padded grid
    assert e.state["reach"] <= e.state["padded"] - 1


def test_output_size_explorer_window_positions_follow_the_stride():
    e = output_size_explorer(7, 3, 1, 2)
    e.controls["position"].value = 5            # output cell (1, 1)
    assert (e.state["i"], e.state["j"]) == (1, 1)
    assert e.state["starts"] == [0, 2, 4, 6]
    assert e.state["cells"][0] == (2, 2) and e.state["cells"][-1] == (4, 4)
    e.controls["dilation_rate"].value = 2       # span 5 on a 9-cell padded axis: 3 windows
    assert e.state["span"] == 5 and e.state["out"] == 3
    assert e.controls["position"].max == 8


def test_output_size_explorer_reports_a_kernel_too_large():
    e = output_size_explorer(5, 3)
    e.controls["f"].value = 7
    assert "larger than the padded input" in e.message.value
    e.controls["padding"].value = "same"
    assert e.message.value == "" and e.state["out"] == 5


def test_output_size_state_rejects_a_position_past_the_end():
    with pytest.raises(ValueError, match=r"position must be between 0 and 15 .*got 16"):
        output_size_state(7, 3, 1, 2, position=16)


def test_output_size_twin_frames():
    assert count_frames(output_size_animation(7, 3, 1, 2)) == 16
    assert count_frames(output_size_animation(25, 5, 0, 2, max_frames=20)) == 20


# ---------------------------------------------------------------- filter playground

@pytest.mark.parametrize("photo_name", ["camera", "coins"])
@pytest.mark.parametrize("kernel_name", ["sobel_x", "sobel_y", "laplacian_8", "gaussian_blur", "sharpen"])
def test_filter_playground_shows_scipy_correlation(photo_name, kernel_name):
    from scipy import ndimage

    e = filter_playground()
    e.controls["photo"].value = photo_name
    e.controls["kernel"].value = kernel_name
    image = e.images[photo_name]
    expected = ndimage.correlate(image, convlib.kernel(kernel_name), mode="constant", cval=0.0)
    np.testing.assert_allclose(e.state["feature_map"], expected, atol=1e-9)
    shown = e.figure.axes[2].images[0].get_array()
    np.testing.assert_allclose(shown, expected, atol=1e-9)
    # the kernel panel writes the kernel's own numbers
    assert np.allclose(shown_numbers(e.figure.axes[1]), np.round(convlib.kernel(kernel_name).ravel(), 2))


def test_filter_playground_custom_kernel_and_signed_display():
    e = filter_playground("camera", "identity")
    np.testing.assert_allclose(e.state["feature_map"], e.images["camera"])   # identity keeps the photo
    assert not e.state["signed"]
    e.controls["kernel"].value = "custom"
    for row, values in zip(e.custom_cells, [[0, 0, 0], [-1, 1, 0], [0, 0, 0]]):
        for cell, v in zip(row, values):
            cell.value = v
    image = e.images["camera"]
    # this kernel computes x[i, j] - x[i, j - 1] (zero to the left of column 0)
    expected = image - np.pad(image, ((0, 0), (1, 0)))[:, :-1]
    np.testing.assert_allclose(e.state["feature_map"], expected)
    assert e.state["signed"] and e.state["display"]["vmin"] == -e.state["display"]["vmax"]


def test_filter_playground_laplacian_is_zero_on_a_flat_picture():
    flat = np.full((20, 20), 80.0)
    e = filter_playground(flat, "laplacian")
    assert np.all(e.state["feature_map"][1:-1, 1:-1] == 0)


def test_filter_playground_photo_is_a_gray_skimage_photo():
    from skimage import data

    np.testing.assert_array_equal(photo("camera", 4), data.camera()[::4, ::4])
    assert photo("astronaut", 8).shape == (64, 64)


def test_photo_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"photo name must be one of camera, .*got 'lena'"):
        photo("lena")


def test_playground_state_rejects_colour_images():
    with pytest.raises(ValueError, match=r"image must be a 2-D grayscale .*shape \(4, 4, 3\)"):
        playground_state(np.zeros((4, 4, 3)), "sobel_x")


def test_filter_playground_twin_has_one_frame_per_kernel():
    html = filter_playground_animation("coins", ["identity", "sobel_x", "box_blur"], step=8)
    assert count_frames(html) == 3 and "data:image/jpeg" in html.data


# ---------------------------------------------------------------- twins stored in the chapters

@pytest.mark.parametrize("notebook,expected", [
    ("02-convolution-operation.ipynb", [9]),          # 3 x 3 output: one frame per cell
    ("03-hand-made-filters.ipynb", [13]),             # one frame per named kernel
    ("04-padding-stride-dilation.ipynb", [25, 16, 16]),  # padded sharpen 5x5, n=7 f=3 s=2 p=1 (4x4), dilated (4x4)
])
def test_chapters_store_their_static_twins(notebook, expected):
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parent.parent / "lessons" / notebook).read_text())
    frames = [count_frames("".join(out["data"]["text/html"]))
              for cell in nb["cells"] if cell["cell_type"] == "code"
              for out in cell.get("outputs", []) if "text/html" in out.get("data", {})]
    assert frames == expected


def test_photo_without_scikit_image_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)     # makes `from skimage import data` fail
    with pytest.raises(ImportError, match=r"pip install scikit-image"):
        photo("camera")
    # the sliding explorer still works, with its number grids only
    e = sliding_filter_explorer()
    assert "photo crop 8x8" not in e.inputs and e.state["value"] == 6
