"""convlib: NumPy reference implementations of the operations inside a CNN.

`import convlib` needs only NumPy. Widgets, plotting, data loading and Keras
helpers live in submodules that import their own dependencies.
Layouts and argument names follow Keras: NHWC inputs, kernels (fh, fw, C, F),
`strides`, `padding`, `dilation_rate`, `pool_size`.
"""
from .activations import leaky_relu, relu, sigmoid, softmax
from .arithmetic import (
    conv_multiplies,
    conv_output_shape,
    conv_params,
    dense_multiplies,
    dense_params,
    effective_kernel_size,
    output_size,
    receptive_field,
    same_padding,
)
from .conv import conv2d, conv2d_naive, convolve2d, pad2d
from .kernels import KERNEL_NAMES, kernel
from .pooling import (
    avg_pool2d,
    global_avg_pool2d,
    global_max_pool2d,
    max_pool2d,
    min_pool2d,
    mixed_pool2d,
    sum_pool2d,
)
from .transpose import conv2d_transpose, conv_transpose_output_size

__version__ = "0.1.0"

__all__ = [
    "pad2d", "conv2d", "conv2d_naive", "convolve2d",
    "max_pool2d", "avg_pool2d", "min_pool2d", "sum_pool2d", "mixed_pool2d",
    "global_max_pool2d", "global_avg_pool2d",
    "output_size", "same_padding", "effective_kernel_size", "conv_output_shape",
    "conv_params", "dense_params", "conv_multiplies", "dense_multiplies", "receptive_field",
    "relu", "leaky_relu", "sigmoid", "softmax",
    "kernel", "KERNEL_NAMES",
    "conv2d_transpose", "conv_transpose_output_size",
]
