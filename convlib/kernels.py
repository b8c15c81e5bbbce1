"""Hand-made 3x3 kernels of classical image processing, by name.

They are written for cross-correlation (conv2d), the operation CNN layers use.
The examples assume ``import convlib``.
"""
import numpy as np

from ._validate import shown

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

#: The names that :func:`convlib.kernel` accepts, as a tuple of strings in a fixed order.
#: ``convlib.KERNEL_NAMES`` is this tuple.
KERNEL_NAMES = tuple(_KERNELS)


def kernel(name):
    """A named 3 x 3 kernel of classical image processing.

    Parameters
    ----------
    name : str
        One of :data:`~convlib.kernels.KERNEL_NAMES`: 'identity'; the edge
        detectors 'edge_diagonal', 'laplacian' and 'laplacian_8'; 'sobel_x' and
        'sobel_y' (positive where brightness grows to the right, or downwards);
        'sharpen'; 'box_blur' and 'gaussian_blur'; 'vertical_edge' and
        'horizontal_edge' (positive on a light-to-dark edge from left to right, or
        from top to bottom) and their negatives 'vertical_edge_dark_to_light' and
        'horizontal_edge_dark_to_light'.

    Returns
    -------
    numpy.ndarray
        A new (3, 3) float64 array, safe to modify.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`~convlib.kernels.KERNEL_NAMES`.
    TypeError
        If ``name`` is not a string.

    Notes
    -----
    The kernels are oriented for cross-correlation (``conv2d``); for
    ``convolve2d`` turn them by 180 degrees to get the same result.

    Examples
    --------
    >>> convlib.kernel("sobel_x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> print(convlib.kernel("laplacian").sum())  # so it gives 0 on a flat region
    0.0
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of: {', '.join(KERNEL_NAMES)}; got {shown(name)}.")
    if name not in _KERNELS:
        raise ValueError(f"unknown kernel name {name!r}; choose one of: {', '.join(KERNEL_NAMES)}.")
    return np.array(_KERNELS[name], dtype=float)
