"""Bad input gets a message that names the argument, the value received and what is valid."""
import numpy as np
import pytest

import convlib as cl

X = np.zeros((5, 5))
K = np.ones((3, 3))


@pytest.mark.parametrize("conv", [cl.conv2d, cl.conv2d_naive, cl.convolve2d])
@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(kernel=np.ones((7, 7))), ValueError, r"kernel \(7x7.*larger than the padded input \(5x5"),
        (dict(dilation_rate=3), ValueError, r"span 7x7.*larger than the padded input"),
        (dict(kernel=np.ones((8, 8)), padding=1), ValueError, r"padded input \(7x7 from 5x5 with padding=1\)"),
        (dict(strides=0), ValueError, r"strides must be a positive integer.*got 0"),
        (dict(strides=1.5), ValueError, r"strides must be a positive integer.*got 1\.5"),
        (dict(strides=(1, -2)), ValueError, r"strides .*got \(1, -2\)"),
        (dict(dilation_rate=0), ValueError, r"dilation_rate must be a positive integer.*got 0"),
        (dict(dilation_rate=True), ValueError, r"dilation_rate must be a positive integer.*got True"),
        (dict(padding="half"), ValueError, r"padding must be one of 'valid', 'same', 'full'.*got 'half'"),
        (dict(padding=-1), ValueError, r"padding must be .*got -1"),
        (dict(padding=(1, 2, 3)), ValueError, r"padding must be .*got \(1, 2, 3\)"),
        (dict(x=np.zeros(5)), ValueError, r"x must have 2 dims .*got 1 dims with shape \(5,\)"),
        (dict(x=np.zeros((1, 1, 5, 5, 1))), ValueError, r"x must have 2 dims .*got 5 dims"),
        (dict(kernel=np.ones(3)), ValueError, r"kernel must have 2 dims .*got shape \(3,\)"),
        (dict(kernel=np.ones((3, 3, 3))), ValueError, r"kernel\[\.\.\., None\]"),
        (dict(x=np.zeros((5, 5, 3)), kernel=np.ones((3, 3, 2, 4))), ValueError,
         r"channel mismatch: x has 3 channel\(s\).*in_channels=2"),
        (dict(x=np.zeros((5, 5, 3))), ValueError, r"a 2-D kernel \(3, 3\) is for a 2-D \(H, W\) input"),
        (dict(x=np.zeros((5, 5, 1)), kernel=np.ones((3, 3, 1, 4)), bias=np.ones(3)), ValueError,
         r"bias must hold one value per filter \(4\); got shape \(3,\)"),
        (dict(x=[[1, 2], [3]]), TypeError, r"x must be an array of numbers"),
        (dict(x=np.array([["a", "b"], ["c", "d"]])), TypeError, r"x must hold integers or floats; got .*dtype <U1"),
    ],
)
def test_conv_errors(conv, kwargs, error, pattern):
    args = dict(x=X, kernel=K)
    args.update(kwargs)
    x, kernel = args.pop("x"), args.pop("kernel")
    with pytest.raises(error, match=pattern):
        conv(x, kernel, **args)


@pytest.mark.parametrize("pool", [cl.max_pool2d, cl.avg_pool2d, cl.min_pool2d, cl.sum_pool2d])
@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(pool_size=6), r"pool_size \(6, 6\) is larger than the input \(5x5\) with padding='valid'"),
        (dict(pool_size=0), r"pool_size must be a positive integer.*got 0"),
        (dict(strides=(2, 0)), r"strides must be .*got \(2, 0\)"),
        (dict(padding="full"), r"padding for pooling must be 'valid' or 'same' \(as in Keras\); got 'full'"),
        (dict(padding=1), r"padding for pooling must be 'valid' or 'same'.*got 1"),
    ],
)
def test_pool_errors(pool, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        pool(X, **kwargs)


def test_pool_rejects_wrong_dims():
    with pytest.raises(ValueError, match=r"x must have 2 dims .*got 1 dims"):
        cl.max_pool2d(np.zeros(4))
    with pytest.raises(ValueError, match=r"x must have 2 dims .*shape \(4,\)"):
        cl.global_avg_pool2d(np.zeros(4))


@pytest.mark.parametrize("lam", [-0.1, 1.5, "half", None, True])
def test_mixed_pool_lambda(lam):
    with pytest.raises(ValueError, match=r"lam must be a number between 0 and 1; got"):
        cl.mixed_pool2d(X, lam)


def test_pad2d_errors():
    with pytest.raises(ValueError, match=r"pad2d needs explicit amounts .*got the mode 'same'.*same_padding"):
        cl.pad2d(X, "same")
    with pytest.raises(ValueError, match=r"padding must be .*got -2"):
        cl.pad2d(X, -2)


def test_pad2d_forms():
    assert cl.pad2d(X, 1).shape == (7, 7)
    assert cl.pad2d(X, (1, 2)).shape == (7, 9)
    assert cl.pad2d(X, ((0, 1), (2, 3))).shape == (6, 10)
    assert cl.pad2d(np.zeros((2, 5, 5, 3)), 1).shape == (2, 7, 7, 3)
    assert cl.pad2d(np.zeros((5, 5, 3)), 1, value=9)[0, 0, 0] == 9


@pytest.mark.parametrize(
    "args, kwargs, pattern",
    [
        ((5, 7), {}, r"kernel \(f=7, dilation_rate=1: span 7\) is larger than the padded input \(n=5"),
        ((5, 3), dict(padding="middle"), r"padding must be one of .*got 'middle'"),
        ((5, 3), dict(strides=0), r"strides must be a positive integer .*got 0"),
        ((0, 3), {}, r"n must be a positive integer .*got 0"),
        ((5, 3), dict(padding=(1, 2, 3)), r"padding for one axis must be .*got \(1, 2, 3\)"),
        ((5, 2.5), {}, r"f must be a positive integer .*got 2\.5"),
    ],
)
def test_output_size_errors(args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cl.output_size(*args, **kwargs)


def test_count_and_field_errors():
    with pytest.raises(ValueError, match=r"filters must be a positive integer .*got 0"):
        cl.conv_params(3, 3, 0)
    with pytest.raises(ValueError, match=r"kernel_size must be a positive integer or a pair .*got \(3, 3, 3\)"):
        cl.conv_params((3, 3, 3), 3, 2)
    with pytest.raises(ValueError, match=r"input_shape must be \(height, width, channels\); got \(28, 28\)"):
        cl.conv_multiplies((28, 28), 3, 8)
    with pytest.raises(ValueError, match=r"layers\[1\] must be \(kernel_size, strides\)"):
        cl.receptive_field([(3, 1), 3])
    with pytest.raises(ValueError, match=r"unknown kernel name 'blur'; choose one of: identity"):
        cl.kernel("blur")


def test_activation_errors():
    with pytest.raises(ValueError, match=r"negative_slope must be a number >= 0; got -1"):
        cl.leaky_relu(X, -1)
    with pytest.raises(ValueError, match=r"axis must be between -2 and 1 .*got 2"):
        cl.softmax(X, axis=2)
    with pytest.raises(ValueError, match=r"softmax needs at least one axis"):
        cl.softmax(3.0)


def test_guard_size_refuses_large_calls_unless_forced():
    from convlib._validate import MAX_BYTES, MAX_LOOP_MULTIPLY_ADDS, guard_size

    with pytest.raises(ValueError, match=r"^op would allocate about 5\.0 GB, more than the 4 GB .*force=True"):
        guard_size("op", nbytes=5 * 10**9)
    with pytest.raises(ValueError, match=r"^op would run 20,000,000 multiply-adds in Python loops, more than "
                                         r"the 10,000,000 .*force=True"):
        guard_size("op", loop_multiply_adds=2 * 10**7)
    guard_size("op", nbytes=MAX_BYTES, loop_multiply_adds=MAX_LOOP_MULTIPLY_ADDS)  # at the limit: allowed
    guard_size("op", nbytes=10**15, loop_multiply_adds=10**15, force=True)
