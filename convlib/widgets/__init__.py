"""Interactive widgets (ipywidgets + matplotlib) and their static twins.

This subpackage imports matplotlib and ipywidgets; ``import convlib`` never does.
Each widget is one call that returns an ipywidgets box; its twin
(``*_animation``) returns an IPython HTML object with a JavaScript animation drawn
by the same code, for readers of the static book.
"""
from ._draw import Explorer, animate, count_frames, draw_grid, frame_indices, outline_cells, window_cells
from .output_size import output_size_animation, output_size_explorer, output_size_state
from .playground import PHOTOS, filter_playground, filter_playground_animation, photo, playground_state
from .sliding import sliding_filter_animation, sliding_filter_explorer, sliding_state

__all__ = [
    "Explorer", "animate", "count_frames", "draw_grid", "frame_indices", "outline_cells", "window_cells",
    "sliding_filter_explorer", "sliding_filter_animation", "sliding_state",
    "output_size_explorer", "output_size_animation", "output_size_state",
    "filter_playground", "filter_playground_animation", "photo", "playground_state", "PHOTOS",
]
from .pooling import pooling_animation, pooling_explorer  # noqa: E402
from .volume import volume_animation, volume_explorer  # noqa: E402

__all__ += ["pooling_explorer", "pooling_animation", "volume_explorer", "volume_animation"]
