"""Interactive widgets (ipywidgets + matplotlib) and their static twins.

This subpackage imports matplotlib and ipywidgets; `import convlib` never does.
Each widget is one call that returns an ipywidgets box; its twin
(`*_animation`) returns an IPython HTML object with a JavaScript animation drawn
by the same code, for readers of the static book.
"""
from ._draw import animate, count_frames, draw_grid, frame_indices, outline_cells, window_cells

__all__ = ["animate", "count_frames", "draw_grid", "frame_indices", "outline_cells", "window_cells"]
from .pooling import pooling_animation, pooling_explorer  # noqa: E402
from .volume import volume_animation, volume_explorer  # noqa: E402

__all__ += ["pooling_explorer", "pooling_animation", "volume_explorer", "volume_animation"]
