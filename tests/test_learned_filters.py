"""convlib.widgets.learned_filters: matches checked by brute force and SciPy's cosine distance,
the animation's frames counted, the comparison figure read back."""
import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.spatial.distance import cosine as cosine_distance  # noqa: E402

import convlib as cl  # noqa: E402
import convlib.widgets.learned_filters as learned_filters  # noqa: E402
from convlib.widgets import count_frames  # noqa: E402
from convlib.widgets.learned_filters import (  # noqa: E402
    closest_kernels,
    filter_training_animation,
    plot_closest_kernels,
)


def test_a_scaled_named_kernel_matches_itself_with_the_sign_of_the_scale():
    filters = np.stack([3 * cl.kernel("sobel_y"), -0.5 * cl.kernel("laplacian")], axis=-1)
    matches = closest_kernels(filters)
    assert [m.name for m in matches] == ["sobel_y", "laplacian"]
    np.testing.assert_allclose([m.cosine for m in matches], [1.0, -1.0], rtol=1e-12)


def test_random_filters_get_the_largest_absolute_cosine():
    rng = np.random.default_rng(0)
    filters = rng.standard_normal((3, 3, 1, 6))                    # a Conv2D kernel on one channel
    names = [n for n in cl.KERNEL_NAMES if n != "identity"]
    for f, match in enumerate(closest_kernels(filters)):
        similarity = {n: 1 - cosine_distance(filters[:, :, 0, f].ravel(), cl.kernel(n).ravel()) for n in names}
        # A kernel and its negative (vertical_edge, vertical_edge_dark_to_light) tie: either may win.
        assert abs(similarity[match.name]) == pytest.approx(max(abs(v) for v in similarity.values()), rel=1e-12)
        assert match.cosine == pytest.approx(similarity[match.name], rel=1e-12)


def test_names_restrict_the_comparison():
    matches = closest_kernels(cl.kernel("sobel_x")[:, :, None], names=["box_blur", "vertical_edge"])
    assert matches[0].name == "vertical_edge"


@pytest.mark.parametrize("filters, names, match", [
    (np.ones((3, 3)), None, r"filters must have shape \(fh, fw, F\).*\(3, 3\)"),
    (np.ones((5, 5, 2)), None, r"filters are 5x5 .*compare filters of the same size"),
    (np.ones((3, 3, 2)), ["no_such_kernel"], r"unknown: \['no_such_kernel'\]"),
    (np.zeros((3, 3, 2)), None, r"filters \[0, 1\] are all zeros"),
])
def test_bad_filters_get_clear_messages(filters, names, match):
    with pytest.raises(ValueError, match=match):
        closest_kernels(filters, names)


def test_plot_shows_each_filter_above_its_signed_match():
    filters = np.stack([cl.kernel("sobel_x"), -cl.kernel("box_blur")], axis=-1)
    fig = plot_closest_kernels(filters, closest_kernels(filters))
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[1]] == ["sobel x", "-box blur"]
    np.testing.assert_allclose(axes[1, 1].images[0].get_array(), -cl.kernel("box_blur"))
    np.testing.assert_allclose(axes[0, 0].images[0].get_array(), cl.kernel("sobel_x"))
    plt.close(fig)
    with pytest.raises(ValueError, match="one KernelMatch per filter"):
        plot_closest_kernels(filters, closest_kernels(filters)[:1])


def test_animation_has_a_frame_every_few_epochs_and_the_last():
    rng = np.random.default_rng(1)
    snapshots = [rng.standard_normal((3, 3, 1, 4)) for _ in range(6)]  # before training + 5 epochs
    assert count_frames(filter_training_animation(snapshots, every=2)) == 4  # 0, 2, 4 and 5
    assert count_frames(filter_training_animation(snapshots, every=1)) == 6
    with pytest.raises(ValueError, match="every must be"):
        filter_training_animation(snapshots, every=0)
    with pytest.raises(ValueError, match="at least one kernel"):
        filter_training_animation([])


def test_docstring_examples():
    assert doctest.testmod(learned_filters).failed == 0
