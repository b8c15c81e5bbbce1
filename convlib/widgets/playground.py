"""Filter playground: apply a hand-made kernel to a real photograph.

    filter_playground(photo, kernel)       the widget (ipywidgets)
    filter_playground_animation(photo, kernels)  its static twin, one frame per kernel
    photo(name, step)                      a grayscale photo from skimage.data, as floats 0..255
    playground_state(image, kernel)        the numbers both of them draw
    draw_playground(fig, state)            the drawing both of them use
"""
import numpy as np

from .._validate import as_array, positive_int
from ..conv import conv2d
from ..kernels import KERNEL_NAMES, kernel as named_kernel
from . import _draw

PHOTOS = ("camera", "coins", "moon", "astronaut", "brick", "checkerboard")


def photo(name="camera", step=4):
    """A grayscale photo from skimage.data as float64 in 0..255, keeping every
    ``step``-th row and column (step=4 turns the 512 x 512 camera into 128 x 128)."""
    try:
        from skimage import data
    except ImportError:
        raise ImportError("photo() loads its pictures from scikit-image: pip install scikit-image") from None
    if name not in PHOTOS:
        raise ValueError(f"photo name must be one of {', '.join(PHOTOS)}; got {name!r}.")
    step = positive_int(step, "step")
    image = getattr(data, name)()
    if image.ndim == 3:  # colour: the usual luminance weights
        image = image[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
    return np.asarray(image, dtype=float)[::step, ::step]


def _kernel(k):
    return named_kernel(k) if isinstance(k, str) else as_array(k, "kernel").astype(float)


def playground_state(image, kernel, name=None):
    """The feature map conv2d(image, kernel, padding='same') and how to show it.

    Kernels whose weights sum to about 0 (edge detectors) give signed maps centred on 0:
    they are shown in blue (negative) / red (positive) with symmetric limits. Others
    (blur, sharpen, identity) keep the image's brightness and are shown in grey, 0..255.
    """
    image = as_array(image, "image")
    if image.ndim != 2:
        raise ValueError(f"image must be a 2-D grayscale (H, W) array; got shape {image.shape}.")
    k = _kernel(kernel)
    feature_map = conv2d(image, k, padding="same")
    signed = abs(k.sum()) < 1e-9
    if signed:
        lim = float(np.percentile(np.abs(feature_map), 99)) or 1.0
        display = dict(cmap="RdBu_r", vmin=-lim, vmax=lim)
    else:
        display = dict(cmap="gray", vmin=0, vmax=255)
    return dict(image=image, kernel=k, feature_map=feature_map, kernel_sum=float(k.sum()),
                signed=signed, display=display,
                name=name or (kernel if isinstance(kernel, str) else "custom"))


def draw_playground(fig, state):
    """Photo, kernel (numbers) and feature map side by side."""
    s = state
    fig.clf()
    ax_img, ax_k, ax_map = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=[3, 1.4, 3]))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.08)
    ax_img.imshow(s["image"], cmap="gray", vmin=0, vmax=255)
    ax_img.set_title("photo", fontsize=9)
    lim = np.abs(s["kernel"]).max() or 1
    _draw.draw_grid(ax_k, s["kernel"], cmap="coolwarm", vmin=-lim, vmax=lim, fontsize=7,
                    title=f"{s['name']}\n(sum {_draw.format_value(s['kernel_sum'])})")
    ax_map.imshow(s["feature_map"], **s["display"])
    ax_map.set_title("feature map" + (" (red +, blue -)" if s["signed"] else ""), fontsize=9)
    for ax in (ax_img, ax_map):
        ax.set_xticks([]); ax.set_yticks([])


class FilterPlayground(_draw.Explorer):
    """The widget returned by filter_playground (see there)."""

    figsize = (7.2, 2.9)

    def __init__(self, image="camera", kernel="sobel_x", step=4):
        import ipywidgets as widgets

        self.images = {name: photo(name, step) for name in PHOTOS}
        if not isinstance(image, str):
            self.images = {"your image": as_array(image, "image"), **self.images}
            image = "your image"
        custom = _kernel(kernel) if not isinstance(kernel, str) else named_kernel("laplacian")
        self.custom_cells = [[widgets.FloatText(value=float(v), layout=widgets.Layout(width="56px"))
                              for v in row] for row in custom]
        self.controls = dict(
            photo=widgets.Dropdown(options=list(self.images), value=image, description="photo"),
            kernel=widgets.Dropdown(options=[*KERNEL_NAMES, "custom"],
                                    value=kernel if isinstance(kernel, str) else "custom",
                                    description="kernel", layout=widgets.Layout(width="320px")),
        )
        for row in self.custom_cells:
            for cell in row:
                self.controls[f"custom_{id(cell)}"] = cell
        grid = widgets.VBox([widgets.HBox(r) for r in self.custom_cells])
        self._build([[widgets.VBox([self.controls["photo"], self.controls["kernel"]]), grid]])

    def current_kernel(self):
        """The kernel the controls select: a named kernel or the editable grid."""
        if self.controls["kernel"].value == "custom":
            return np.array([[cell.value for cell in row] for row in self.custom_cells], dtype=float)
        return named_kernel(self.controls["kernel"].value)

    def compute_state(self):
        name = self.controls["kernel"].value
        for row in self.custom_cells:
            for cell in row:
                cell.disabled = name != "custom"
        return playground_state(self.images[self.controls["photo"].value], self.current_kernel(), name)

    draw = staticmethod(draw_playground)


def filter_playground(image="camera", kernel="sobel_x", step=4):
    """Widget: pick a photo (a name from PHOTOS, or your own 2-D array) and a kernel
    (a name from convlib.KERNEL_NAMES, or 'custom' to type your own 3 x 3 numbers);
    see the feature map that convlib.conv2d(..., padding='same') produces."""
    return FilterPlayground(image, kernel, step)


def filter_playground_animation(image="camera", kernels=KERNEL_NAMES, step=4, interval=1500):
    """Static twin: one frame per kernel (names or (name, array) pairs), drawn by the
    playground's own drawing code; frames are JPEG, which suits photographs."""
    import matplotlib.pyplot as plt

    picture = photo(image, step) if isinstance(image, str) else as_array(image, "image")
    items = [(k, k) if isinstance(k, str) else k for k in kernels]
    fig = plt.figure(figsize=FilterPlayground.figsize, dpi=_draw.DPI)

    def frame(i):
        name, k = items[i]
        draw_playground(fig, playground_state(picture, k, name))

    return _draw.animate(fig, frame, len(items), interval=interval, frame_format="jpeg")
