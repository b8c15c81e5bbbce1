"""Backward passes of convlib.backprop against finite differences and TensorFlow's autodiff.

References are independent of the code under test: central finite differences of the
forward functions, tf.GradientTape on tf.nn ops, the loop version, and a worked example.
Run with `-s` to see the largest mismatch against TensorFlow over all examples.
"""
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib.backprop import (
    avg_pool2d_backward,
    check_gradient,
    conv2d_backward,
    conv2d_backward_naive,
    dense,
    dense_backward,
    max_pool2d_backward,
    numerical_gradient,
    relu_backward,
    softmax_cross_entropy,
)

RUNS = settings(max_examples=50, deadline=None)
FEW = settings(max_examples=25, deadline=None)

# Largest |convlib - TensorFlow| per backward pass, over every example run (float64).
MISMATCH = {}


@pytest.fixture(scope="module", autouse=True)
def report_mismatch():
    yield
    if MISMATCH:
        print("\nlargest |convlib - TensorFlow| gradient difference (float64):")
        for name, value in sorted(MISMATCH.items()):
            print(f"  {name:28s} {value:.3e}")


def record(name, got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{name}: shape {got.shape} != TensorFlow's {expected.shape}"
    diff = float(np.abs(got - expected).max()) if got.size else 0.0
    MISMATCH[name] = max(MISMATCH.get(name, 0.0), diff)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, err_msg=name)


# ----------------------------------------------------------------------------- convolution cases

@st.composite
def conv_case(draw, max_size=9):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    fh, fw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h, w = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    mode = draw(st.sampled_from(["valid", "same", "full", "int", "explicit"]))
    padding = {"int": lambda: draw(st.integers(0, 2)),
               "explicit": lambda: tuple(tuple(draw(st.integers(0, 2)) for _ in range(2)) for _ in range(2)),
               }.get(mode, lambda: mode)()
    case = dict(shape=(n, h, w, c), kernel=(fh, fw, c, f), strides=strides, dilation=dilation,
                padding=padding, seed=draw(st.integers(0, 2**16)))
    assume(fits(case))
    return case


def explicit_pads(case):
    """((top, bottom), (left, right)) for the modes TensorFlow has no name for."""
    (fh, fw), (dh, dw), padding = case["kernel"][:2], case["dilation"], case["padding"]
    if padding == "full":
        return ((dh * (fh - 1),) * 2, (dw * (fw - 1),) * 2)
    if isinstance(padding, int):
        return ((padding,) * 2,) * 2
    return padding


def fits(case):
    if case["padding"] in ("same", "full"):
        return True
    (_, h, w, _), (fh, fw) = case["shape"], case["kernel"][:2]
    (t, b), (l, r) = ((0, 0), (0, 0)) if case["padding"] == "valid" else explicit_pads(case)
    return (case["dilation"][0] * (fh - 1) + 1 <= h + t + b
            and case["dilation"][1] * (fw - 1) + 1 <= w + l + r)


def conv_args(case):
    return dict(strides=case["strides"], padding=case["padding"], dilation_rate=case["dilation"])


def conv_arrays(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"])
    k = rng.standard_normal(case["kernel"])
    b = rng.standard_normal(case["kernel"][3])
    out = cl.conv2d(x, k, b, **conv_args(case))
    return x, k, b, rng.standard_normal(out.shape)


def tf_conv(x, k, case):
    """tf.nn.conv2d with the dilation written into the kernel (zeros between its taps),
    because TensorFlow's CPU gradient kernels do not support dilation_rate > 1."""
    pad = case["padding"]
    tf_pad = pad.upper() if pad in ("valid", "same") else [[0, 0], *map(list, explicit_pads(case)), [0, 0]]
    (fh, fw, c, f), (dh, dw) = case["kernel"], case["dilation"]
    taps = [[u * dh, v * dw] for u in range(fh) for v in range(fw)]
    dilated = tf.scatter_nd(taps, tf.reshape(k, (fh * fw, c, f)), (dh * (fh - 1) + 1, dw * (fw - 1) + 1, c, f))
    return tf.nn.conv2d(x, dilated, strides=case["strides"], padding=tf_pad)


# ----------------------------------------------------------------------------- convolution

@RUNS
@given(conv_case())
def test_conv2d_backward_matches_tensorflow(case):
    x, k, b, dout = conv_arrays(case)
    xt, kt, bt = tf.Variable(x), tf.Variable(k), tf.Variable(b)
    with tf.GradientTape() as tape:
        out = tf_conv(xt, kt, case) + bt
    assert out.shape == dout.shape
    dx_tf, dk_tf, db_tf = tape.gradient(out, [xt, kt, bt], output_gradients=tf.constant(dout))
    dx, dk, db = conv2d_backward(dout, x, k, **conv_args(case))
    record("conv2d dx", dx, dx_tf.numpy())
    record("conv2d dkernel", dk, dk_tf.numpy())
    record("conv2d dbias", db, db_tf.numpy())


@RUNS
@given(conv_case())
def test_conv2d_backward_matches_the_loop_version(case):
    x, k, _, dout = conv_arrays(case)
    for fast, slow in zip(conv2d_backward(dout, x, k, **conv_args(case)),
                          conv2d_backward_naive(dout, x, k, **conv_args(case))):
        np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-10)


@FEW
@given(conv_case(max_size=6))
def test_conv2d_backward_matches_finite_differences(case):
    x, k, b, dout = conv_arrays(case)
    dx, dk, db = conv2d_backward(dout, x, k, **conv_args(case))
    args = conv_args(case)
    assert check_gradient(lambda v: np.sum(cl.conv2d(v, k, b, **args) * dout), x, dx)
    assert check_gradient(lambda v: np.sum(cl.conv2d(x, v, b, **args) * dout), k, dk)
    assert check_gradient(lambda v: np.sum(cl.conv2d(x, k, v, **args) * dout), b, db)


@pytest.mark.parametrize("x_shape, k_shape", [((6, 7), (3, 2)), ((6, 7), (3, 2, 1, 4)), ((6, 7, 2), (2, 3, 2, 3))])
def test_conv2d_backward_keeps_the_teaching_layouts(x_shape, k_shape):
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    dout = rng.standard_normal(cl.conv2d(x, k, strides=2, padding="same").shape)
    dx, dk, db = conv2d_backward(dout, x, k, strides=2, padding="same")
    assert dx.shape == x.shape and dk.shape == k.shape
    assert check_gradient(lambda v: np.sum(cl.conv2d(v, k, strides=2, padding="same") * dout), x, dx)
    assert check_gradient(lambda v: np.sum(cl.conv2d(x, v, strides=2, padding="same") * dout), k, dk)


def test_the_input_gradient_is_a_full_convolution_with_the_kernel():
    """Stride 1, no padding: dx = scipy.signal.convolve2d(dout, kernel, 'full')."""
    import scipy.signal
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 4))
    dx, dk, _ = conv2d_backward(dout, x, k)
    np.testing.assert_allclose(dx, scipy.signal.convolve2d(dout, k, mode="full"), atol=1e-12)
    np.testing.assert_allclose(dk, scipy.signal.correlate2d(x, dout, mode="valid"), atol=1e-12)


# ----------------------------------------------------------------------------- pooling

@st.composite
def pool_case(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    assume(padding == "same" or (pool[0] <= h and pool[1] <= w))
    return dict(shape=(n, h, w, c), pool=pool, strides=strides, padding=padding, seed=draw(st.integers(0, 2**16)))


POOLS = [(cl.max_pool2d, max_pool2d_backward, tf.nn.max_pool2d), (cl.avg_pool2d, avg_pool2d_backward, tf.nn.avg_pool2d)]


@RUNS
@given(pool_case())
@pytest.mark.parametrize("forward, backward, tf_pool", POOLS, ids=["max", "avg"])
def test_pool_backward_matches_tensorflow(forward, backward, tf_pool, case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"])
    args = (case["pool"], case["strides"], case["padding"])
    dout = rng.standard_normal(forward(x, *args).shape)
    xt = tf.Variable(x)
    with tf.GradientTape() as tape:
        out = tf_pool(xt, case["pool"], case["strides"], case["padding"].upper())
    expected = tape.gradient(out, xt, output_gradients=tf.constant(dout)).numpy()
    record(f"{forward.__name__} dx", backward(dout, x, *args), expected)


@FEW
@given(pool_case())
@pytest.mark.parametrize("forward, backward", [p[:2] for p in POOLS], ids=["max", "avg"])
def test_pool_backward_matches_finite_differences(forward, backward, case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["shape"])
    args = (case["pool"], case["strides"], case["padding"])
    dout = rng.standard_normal(forward(x, *args).shape)
    assert check_gradient(lambda v: np.sum(forward(v, *args) * dout), x, backward(dout, x, *args))


def test_max_pool_gradient_on_the_worked_example():
    """2x2 max pooling of the curriculum's 4x4 example picks 7, 6, 9 and 8: only they get gradient."""
    x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])
    expected = np.zeros((4, 4))
    expected[1, 1], expected[0, 2], expected[3, 0], expected[2, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(max_pool2d_backward(dout, x), expected)


def test_avg_pool_gradient_on_the_worked_example():
    x = np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]])
    dx = avg_pool2d_backward(np.array([[4.0, 8.0], [12.0, 16.0]]), x)
    np.testing.assert_array_equal(dx, np.kron([[1, 2], [3, 4]], np.ones((2, 2))))


# ----------------------------------------------------------------------------- relu, dense, softmax cross-entropy

@RUNS
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**16))
def test_dense_and_relu_backward_match_tensorflow(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    dout = rng.standard_normal((n, m))
    xt, wt, bt = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape(persistent=True) as tape:
        out = tf.matmul(xt, wt) + bt
        act = tf.nn.relu(out)
    np.testing.assert_allclose(dense(x, w, b), out.numpy(), atol=1e-12)
    for name, got, ref in zip(["dense dx", "dense dkernel", "dense dbias"], dense_backward(dout, x, w),
                              tape.gradient(out, [xt, wt, bt], output_gradients=tf.constant(dout))):
        record(name, got, ref.numpy())
    record("relu dx", relu_backward(dout, out.numpy()),
           tape.gradient(act, out, output_gradients=tf.constant(dout)).numpy())


@RUNS
@given(st.integers(1, 6), st.integers(2, 7), st.floats(0.1, 30), st.integers(0, 2**16))
def test_softmax_cross_entropy_matches_tensorflow(n, k, scale, seed):
    rng = np.random.default_rng(seed)
    logits, labels = scale * rng.standard_normal((n, k)), rng.integers(0, k, n)
    zt = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, zt))
    got_loss, got_grad = softmax_cross_entropy(logits, labels)
    np.testing.assert_allclose(got_loss, loss.numpy(), rtol=1e-12, atol=1e-12)
    record("softmax cross-entropy", got_grad, tape.gradient(loss, zt).numpy())


def test_softmax_cross_entropy_of_a_uniform_guess_is_log_of_the_classes():
    loss, grad = softmax_cross_entropy(np.zeros((3, 10)), [1, 2, 3])
    assert loss == pytest.approx(np.log(10))
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)


@FEW
@given(st.integers(1, 4), st.integers(1, 5), st.integers(2, 5), st.integers(0, 2**16))
def test_dense_relu_softmax_backward_match_finite_differences(n, d, m, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    labels = rng.integers(0, m, n)
    dout = rng.standard_normal((n, m))
    dx, dw, db = dense_backward(dout, x, w)
    assert check_gradient(lambda v: np.sum(dense(v, w, b) * dout), x, dx)
    assert check_gradient(lambda v: np.sum(dense(x, v, b) * dout), w, dw)
    assert check_gradient(lambda v: np.sum(dense(x, w, v) * dout), b, db)
    assert check_gradient(lambda v: np.sum(cl.relu(v) * dout), x @ w, relu_backward(dout, x @ w))
    _, grad = softmax_cross_entropy(x @ w, labels)
    assert check_gradient(lambda v: softmax_cross_entropy(v, labels)[0], x @ w, grad)


# ----------------------------------------------------------------------------- the gradient checker

def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 2), x), 2 * x, atol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sin(v).sum(), x), np.cos(x), atol=1e-8)
    assert x[0, 0] == 1.0  # the checker works on a copy


def test_check_gradient_accepts_a_right_gradient_and_catches_wrong_ones():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: np.sum(v ** 3)  # noqa: E731
    good = check_gradient(f, x, 3 * x ** 2)
    assert good.ok and bool(good) and "ok=True" in repr(good)
    flipped = check_gradient(f, x, -3 * x ** 2)
    assert not flipped and "sign is flipped" in repr(flipped)
    doubled = check_gradient(f, x, 6 * x ** 2)
    assert not doubled and "factor 2" in repr(doubled)
    off = 3 * x ** 2
    off[1] += 1
    bad = check_gradient(f, x, off)
    assert not bad and bad.worst_index == (1,) and "index (1,)" in repr(bad)


# ----------------------------------------------------------------------------- error messages

def test_backward_rejects_a_dout_of_the_wrong_shape():
    x, k = np.zeros((5, 5)), np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"dout must have the shape of the conv2d output, \(3, 3\); got \(5, 5\)"):
        conv2d_backward(np.zeros((5, 5)), x, k)
    with pytest.raises(ValueError, match=r"dout must have the shape of the conv2d output"):
        conv2d_backward_naive(np.zeros((2, 2)), x, k)
    with pytest.raises(ValueError, match=r"dout must have the shape of the pooling output, \(2, 2\); got \(4, 4\)"):
        max_pool2d_backward(np.zeros((4, 4)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the pooling output"):
        avg_pool2d_backward(np.zeros((1, 2)), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the relu"):
        relu_backward(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"dout must have the shape of the dense output, \(2, 3\); got \(3, 2\)"):
        dense_backward(np.zeros((3, 2)), np.zeros((2, 4)), np.zeros((4, 3)))


def test_backward_validates_like_the_forward_pass():
    with pytest.raises(ValueError, match=r"channel mismatch"):
        conv2d_backward(np.zeros((1, 3, 3, 1)), np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"padding must be"):
        conv2d_backward(np.zeros((3, 3)), np.zeros((5, 5)), np.zeros((3, 3)), padding="mirror")


def test_dense_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"x of shape \(N, D\) and kernel of shape \(D, M\).*got x \(2, 3\) and kernel \(4, 5\)"):
        dense(np.zeros((2, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\).*got \(4,\)"):
        dense(np.zeros((2, 4)), np.zeros((4, 5)), np.zeros(4))
    with pytest.raises(ValueError, match=r"x of shape \(N, D\).*got x \(2, 4, 1\) and kernel \(4, 5\).*reshape"):
        dense_backward(np.zeros((2, 5)), np.zeros((2, 4, 1)), np.zeros((4, 5)))


def test_softmax_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, classes\); got shape \(3,\)"):
        softmax_cross_entropy(np.zeros(3), [0, 1, 2])
    with pytest.raises(ValueError, match=r"labels must be 2 integer class indices.*got shape \(2, 3\).*argmax"):
        softmax_cross_entropy(np.zeros((2, 3)), np.eye(3)[:2])
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 for 3 classes; got values from 0 to 3"):
        softmax_cross_entropy(np.zeros((2, 3)), [0, 3])


def test_gradient_checker_error_messages():
    with pytest.raises(ValueError, match=r"grad must have the shape of x, \(3,\); got \(2,\)"):
        check_gradient(np.sum, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"f must return a single number.*shape \(3,\)"):
        check_gradient(lambda v: v * 2, np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"tol must be a positive number.*got -1"):
        check_gradient(np.sum, np.zeros(3), np.ones(3), tol=-1)
    with pytest.raises(ValueError, match=r"eps must be a small positive number.*got 0"):
        numerical_gradient(np.sum, np.zeros(3), eps=0)
