"""Feature-map browser: pick a layer and a channel, see what that channel computed for one image.

    feature_map_explorer(model, image, ...)    the widget (ipywidgets)
    feature_map_animation(model, image, ...)   its static twin (JavaScript animation)
    feature_map_state(maps, image, layer, ch)  the numbers both of them draw
    draw_feature_map(fig, state)               the drawing both of them use

The feature maps come from :func:`convlib.inspection.feature_maps`, computed once
for the image; browsing only picks slices of them.
"""
import numpy as np

from .._validate import as_array, is_int, positive_int
from ..inspection_plots import display_image
from . import _draw


def _check_maps(maps):
    if not isinstance(maps, dict) or not maps:
        raise ValueError(f"maps must be a non-empty dict {{layer name: (H, W, C) array}}; got {type(maps).__name__}.")
    for name, m in maps.items():
        if np.ndim(m) != 3:
            raise ValueError(f"maps[{name!r}] must have shape (H, W, C); got shape {np.shape(m)}.")
    return maps


def feature_map_state(maps, image, layer, channel=0):
    """What the browser shows for one layer and channel.

    ``maps`` is {layer name: (H, W, C) array}, as from :func:`convlib.inspection.feature_maps`.
    Returns a dict: image, layer, channel, channels (how many the layer has), map (that
    channel, (H, W)), mean_map (the mean over all channels), active (the fraction of the
    channel's positions above 0), peak (its largest value), layer_index and n_layers.
    """
    _check_maps(maps)
    if layer not in maps:
        raise ValueError(f"layer must be one of {', '.join(map(repr, maps))}; got {layer!r}.")
    m = np.asarray(maps[layer], dtype=float)
    if not is_int(channel) or not 0 <= channel < m.shape[-1]:
        raise ValueError(f"channel must be a whole number from 0 to {m.shape[-1] - 1} ({layer!r} has "
                         f"{m.shape[-1]} channels); got {channel!r}.")
    one = m[..., int(channel)]
    return dict(image=as_array(image, "image"), layer=layer, channel=int(channel), channels=m.shape[-1],
                map=one, mean_map=m.mean(axis=-1), active=float(np.mean(one > 0)), peak=float(one.max()),
                layer_index=list(maps).index(layer), n_layers=len(maps))


def draw_feature_map(fig, state):
    """Three panels: the input image, the chosen channel, the mean of the layer's channels."""
    s = state
    fig.clf()
    ax_img, ax_map, ax_mean = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.8, wspace=0.08)
    img = display_image(s["image"])
    ax_img.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
    ax_img.set_title("input", fontsize=9)
    h, w = s["map"].shape
    ax_map.imshow(s["map"], cmap="viridis", interpolation="nearest")
    ax_map.set_title(f"layer {s['layer_index'] + 1}/{s['n_layers']}: {s['layer']}\nchannel {s['channel']} "
                     f"of {s['channels']}, {h}x{w}, {s['active']:.0%} > 0", fontsize=8)
    ax_mean.imshow(s["mean_map"], cmap="viridis", interpolation="nearest")
    ax_mean.set_title(f"mean of all {s['channels']} channels", fontsize=8)
    for ax in (ax_img, ax_map, ax_mean):
        ax.set_xticks([])
        ax.set_yticks([])


class FeatureMapExplorer(_draw.Explorer):
    """The widget returned by feature_map_explorer (see there)."""

    figsize = (7.2, 2.8)

    def __init__(self, maps, image):
        import ipywidgets as widgets

        self.maps, self.image = _check_maps(maps), image
        first = next(iter(maps))
        self.controls = dict(
            layer=widgets.Dropdown(options=list(maps), value=first, description="layer",
                                   layout=widgets.Layout(width="260px")),
            channel=widgets.IntSlider(value=0, min=0, max=maps[first].shape[-1] - 1, description="channel",
                                      style={"description_width": "initial"}, layout=widgets.Layout(width="320px")),
        )
        self._build([[self.controls["layer"], self.controls["channel"]]])

    def compute_state(self):
        c = self.controls
        c["channel"].max = self.maps[c["layer"].value].shape[-1] - 1  # clamps the channel if needed
        return feature_map_state(self.maps, self.image, c["layer"].value, c["channel"].value)

    draw = staticmethod(draw_feature_map)


def _maps(model, image, layer_names):
    from ..inspection import feature_maps

    return feature_maps(model, image, layer_names)


def feature_map_explorer(model, image, layer_names=None):
    """Widget: choose a layer (dropdown) and a channel (slider) and see its feature map for ``image``.

    ``layer_names`` defaults to every Conv2D layer of ``model`` (see
    :func:`convlib.inspection.feature_maps`); name activation or pooling layers to see
    their outputs instead. ``.state`` holds what is shown.
    """
    return FeatureMapExplorer(_maps(model, image, layer_names), image)


def strongest_channels(maps, layer, count):
    """The ``count`` channels of ``layer`` with the largest mean activation, strongest first."""
    _check_maps(maps)
    m = np.asarray(maps[layer], dtype=float)
    return [int(c) for c in np.argsort(-m.mean(axis=(0, 1)), kind="stable")[:positive_int(count, "count")]]


def feature_map_animation(model, image, layer_names=None, channels=2, max_frames=12, interval=1200):
    """Static twin of the browser: a JavaScript animation stepping through the layers,
    showing each layer's ``channels`` most active channels (at most ``max_frames`` frames)."""
    import matplotlib.pyplot as plt

    maps = _maps(model, image, layer_names)
    frames = [(layer, c) for layer in maps for c in strongest_channels(maps, layer, channels)]
    frames = [frames[k] for k in _draw.frame_indices(len(frames), positive_int(max_frames, "max_frames"))]
    fig = plt.figure(figsize=FeatureMapExplorer.figsize, dpi=_draw.DPI)

    def frame(k):
        draw_feature_map(fig, feature_map_state(maps, image, *frames[k]))

    return _draw.animate(fig, frame, len(frames), interval=interval)
