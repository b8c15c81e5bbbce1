"""Hand-made 3x3 kernels of classical image processing, by name.

They are written for cross-correlation (conv2d), the operation CNN layers use.
"""
import numpy as np

_KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    # Three edge detectors: diagonal differences, 4-neighbour and 8-neighbour Laplacians.
    "edge_diagonal": [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "laplacian_8": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    # Sobel: positive where brightness increases to the right (x) or downwards (y).
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "box_blur": np.ones((3, 3)) / 9,
    "gaussian_blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    # The four +-1 edge filters: positive on a light-to-dark edge (left to right or
    # top to bottom), and their negatives for dark-to-light edges.
    "vertical_edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "vertical_edge_dark_to_light": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "horizontal_edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "horizontal_edge_dark_to_light": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
}

KERNEL_NAMES = tuple(_KERNELS)


def kernel(name):
    """A fresh float copy of the named 3x3 kernel (see KERNEL_NAMES)."""
    if name not in _KERNELS:
        raise ValueError(f"unknown kernel name {name!r}; choose one of: {', '.join(KERNEL_NAMES)}.")
    return np.array(_KERNELS[name], dtype=float)
