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
    with pytest.raises(ValueError, match=r"axis must be an integer between -2 and 1 .*got 2"):
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


# ----------------------------------------------------------------------------- pad2d and integer dtypes

@pytest.mark.parametrize("value, wider", [(-1, "int16"), (300, "uint16"), (-129, "int16")])
def test_pad2d_refuses_a_value_the_integer_dtype_cannot_hold(value, wider):
    x = np.full((2, 2), 7, dtype=np.uint8) if value != -129 else np.full((2, 2), 7, dtype=np.int8)
    holds = "0 to 255" if x.dtype == np.uint8 else "-128 to 127"
    with pytest.raises(ValueError, match=rf"value={value} does not fit x's dtype {x.dtype}, which holds {holds}; "
                                         rf"cast x first, e.g. pad2d\(x.astype\(np.{wider}\), ...\)"):
        cl.pad2d(x, 1, value=value)
    # The suggested cast works and keeps the value.
    padded = cl.pad2d(x.astype(wider), 1, value=value)
    assert padded[0, 0] == value and padded[1, 1] == 7


def test_pad2d_values_that_fit_or_need_floats():
    x = np.full((2, 2), 7, dtype=np.uint8)
    assert cl.pad2d(x, 1, value=255)[0, 0] == 255 and cl.pad2d(x, 1, value=255).dtype == np.uint8
    half = cl.pad2d(x, 1, value=0.5)
    assert half.dtype == np.float64 and half[0, 0] == 0.5 and half[1, 1] == 7
    assert np.isnan(cl.pad2d(x, 1, value=np.nan)[0, 0])


@pytest.mark.parametrize("value", ["a", None, (1, 2), 1 + 2j])
def test_pad2d_value_must_be_a_real_number(value):
    with pytest.raises(TypeError, match=r"value must be a real number \(an int or a float\); got"):
        cl.pad2d(X, 1, value=value)


# ----------------------------------------------------------------------------- messages name the argument

@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: cl.conv_output_shape((0, 5, 3), 3, 8), ValueError,
         "input_shape[0] (height) must be a positive integer (1, 2, ...); got 0."),
        (lambda: cl.conv_output_shape((5.0, 5, 3), 3, 8), ValueError,
         "input_shape[0] (height) must be a positive integer (1, 2, ...); got 5.0."),
        (lambda: cl.conv_output_shape("abc", 3, 8), ValueError,
         "input_shape must be (height, width, channels); got 'abc'."),
        (lambda: cl.conv_output_shape(28, 3, 8), ValueError,
         "input_shape must be (height, width, channels); got 28."),
        (lambda: cl.conv_output_shape((2, 2, 3), 5, 8), ValueError,
         "the kernel (5x5, dilation_rate=(1, 1): span 5x5) is larger than the padded input (2x2 from 2x2 with "
         "padding='valid'); use a smaller kernel or dilation, more padding, or padding='same'."),
        (lambda: cl.conv_multiplies((5, 5, 0), 3, 8), ValueError,
         "input_shape[2] (channels) must be a positive integer (1, 2, ...); got 0."),
        (lambda: cl.conv_multiplies((28, 0, 3), 3, 8), ValueError,
         "input_shape[1] (width) must be a positive integer (1, 2, ...); got 0."),
        (lambda: cl.receptive_field([(0, 1)]), ValueError,
         "kernel_size of layers[0] must be a positive integer (1, 2, ...); got 0."),
        (lambda: cl.receptive_field([(3, 1), (3.5, 1)]), ValueError,
         "kernel_size of layers[1] must be a positive integer (1, 2, ...); got 3.5."),
        (lambda: cl.receptive_field([(3, 1, 0)]), ValueError,
         "dilation_rate of layers[0] must be a positive integer (1, 2, ...); got 0."),
        (lambda: cl.receptive_field(5), TypeError,
         "layers must be a list of (kernel_size, strides) or (kernel_size, strides, dilation_rate) tuples; got 5."),
        (lambda: cl.conv_params(3, 3, 2, use_bias="yes"), TypeError, "use_bias must be True or False; got 'yes'."),
        (lambda: cl.dense_params(10, 2, use_bias=np.ones(3)), TypeError,
         "use_bias must be True or False; got an array of shape (3,) and dtype float64."),
        (lambda: cl.softmax(X, axis="a"), ValueError,
         "axis must be an integer between -2 and 1 for an input of shape (5, 5); got 'a'."),
        (lambda: cl.softmax(X, axis=1.5), ValueError,
         "axis must be an integer between -2 and 1 for an input of shape (5, 5); got 1.5."),
        (lambda: cl.kernel(["sobel_x"]), TypeError, "name must be a string, one of: identity, edge_diagonal, "),
        (lambda: cl.leaky_relu(X, float("nan")), ValueError, "negative_slope must be a number >= 0; got nan."),
        (lambda: cl.conv2d(X, K, strides=np.ones(3)), ValueError,
         "strides must be a positive integer or a pair (rows, cols) of positive integers; "
         "got an array of shape (3,) and dtype float64."),
    ],
)
def test_messages_name_the_public_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)


# ----------------------------------------------------------------------------- empty arrays

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cl.conv2d(np.zeros((0, 5)), K), "x is empty (shape (0, 5)); every axis needs at least one element."),
        (lambda: cl.conv2d_naive(np.zeros((5, 0)), K), "x is empty (shape (5, 0))"),
        (lambda: cl.convolve2d(X, np.zeros((0, 3))), "kernel is empty (shape (0, 3))"),
        (lambda: cl.conv2d(np.zeros((1, 5, 5, 0)), np.zeros((3, 3, 0, 2))), "x is empty (shape (1, 5, 5, 0))"),
        (lambda: cl.conv2d(np.zeros((0, 5, 5, 1)), np.zeros((3, 3, 1, 2))), "x is empty (shape (0, 5, 5, 1))"),
        (lambda: cl.conv2d(X, np.zeros((3, 3, 1, 0))), "kernel is empty (shape (3, 3, 1, 0))"),
        (lambda: cl.max_pool2d(np.zeros((0, 5)), padding="same"), "x is empty (shape (0, 5))"),
        (lambda: cl.avg_pool2d(np.zeros((1, 0, 4, 2))), "x is empty (shape (1, 0, 4, 2))"),
        (lambda: cl.global_max_pool2d(np.zeros((5, 0))), "x is empty (shape (5, 0))"),
        (lambda: cl.global_avg_pool2d(np.zeros((1, 0, 5, 1))), "x is empty (shape (1, 0, 5, 1))"),
        (lambda: cl.softmax(np.zeros((5, 0))), "softmax needs at least one score along axis -1; x has shape (5, 0)."),
        (lambda: cl.softmax(np.zeros(0)), "softmax needs at least one score along axis -1; x has shape (0,)."),
    ],
)
def test_empty_arrays_get_a_clear_error(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(message)


def test_softmax_of_an_empty_batch_is_empty():
    assert cl.softmax(np.zeros((0, 3))).shape == (0, 3)


# ----------------------------------------------------------------------------- the size guard

@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cl.pad2d(X, 10**5), r"^pad2d with x of shape \(5, 5\) and padding=100000 would allocate about "
                                     r"320\.0 GB, more than the 4 GB allowed without force=True"),
        (lambda: cl.conv2d(X, K, padding=10**5), r"^conv2d with x of shape \(5, 5\), kernel \(3, 3\) and "
                                                 r"padding=100000 would allocate about 3,520\.1 GB"),
        (lambda: cl.convolve2d(X, K, padding=10**5), r"^conv2d with x .* would allocate about 3,520\.1 GB"),
        (lambda: cl.conv2d_naive(X, K, padding=10**5),
         r"^conv2d_naive with x as \(N, H, W, C\) = \(1, 5, 5, 1\), kernel \(3, 3, 1, 1\) and padding=100000 "
         r"would allocate about 320\.0 GB"),
        (lambda: cl.conv2d(np.zeros((1500, 1500)), np.ones((1500, 1500)), padding="same"),
         r"^conv2d with x of shape \(1500, 1500\), kernel \(1500, 1500\) and padding='same' would allocate "
         r"about 40,500\.1 GB"),
        (lambda: cl.max_pool2d(X, pool_size=10**5, padding="same"),
         r"^pooling x of shape \(5, 5\) with pool_size=100000 and padding='same' would allocate about 80\.0 GB"),
        (lambda: cl.conv2d_naive(np.zeros((1200, 1200)), K),
         r"^conv2d_naive with x as \(N, H, W, C\) = \(1, 1200, 1200, 1\), kernel \(3, 3, 1, 1\) and "
         r"padding='valid' would run 12,916,836 "
         r"multiply-adds in Python loops, more than the 10,000,000 allowed without force=True\. Use the vectorised "
         r"version for inputs this large, or call again with force=True"),
    ],
)
def test_size_guard_refuses_before_numpy_allocates(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_force_runs_what_the_guard_refuses(monkeypatch):
    import convlib._validate

    monkeypatch.setattr(convlib._validate, "MAX_LOOP_MULTIPLY_ADDS", 100)
    monkeypatch.setattr(convlib._validate, "MAX_BYTES", 5000)
    x = np.arange(36.0).reshape(6, 6)  # 4 x 4 outputs x 9 taps = 144 multiply-adds
    with pytest.raises(ValueError, match="would run 144 multiply-adds"):
        cl.conv2d_naive(x, K)
    np.testing.assert_array_equal(cl.conv2d_naive(x, K, force=True), cl.conv2d(x, K))
    # Padded to 46 x 46 (or 45 x 45 for the pooling) float64 cells: more than 5000 bytes.
    for call in (lambda **kw: cl.pad2d(x, 20, **kw), lambda **kw: cl.conv2d(x, K, padding=20, **kw),
                 lambda **kw: cl.max_pool2d(x, 40, padding="same", **kw)):
        with pytest.raises(ValueError, match="would allocate about"):
            call()
        call(force=True)


def test_chapter_sized_calls_pass_the_guard():
    # The largest calls the chapters make: a 512 x 512 photo through a 3 x 3 filter (vectorised and
    # naive), and chapter 08's 1,347 training digits through eight 3 x 3 filters.
    photo = np.zeros((512, 512))
    assert cl.conv2d(photo, K, padding="same").shape == (512, 512)
    assert cl.conv2d(np.zeros((1347, 8, 8, 1)), np.ones((3, 3, 1, 8)), padding="same").shape == (1347, 8, 8, 8)
    assert cl.conv2d_naive(photo[:256, :256], K, padding="same").shape == (256, 256)
