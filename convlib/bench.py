"""Benchmark: python -m convlib.bench

Median wall time of four ways to compute the same 'same'-padded, stride-1
cross-correlation, and each one's ratio to eager tf.nn.conv2d; then the wall time
of chapter 08's NumPy training run as a fraction of the chapter's one-minute budget.
Needs SciPy, TensorFlow and scikit-learn (all in requirements.txt); prints tables,
asserts nothing.
"""
import os
import time

import numpy as np

from .arithmetic import same_padding
from .conv import conv2d, conv2d_naive, pad2d

CASES = [((1, 64, 64, 16), (3, 3, 16, 32)), ((32, 32, 32, 3), (3, 3, 3, 32))]


def median_time(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def scipy_conv2d_same(x, k):
    """Per image and filter, one 3-D scipy.signal.correlate over (H, W, C) of the padded input."""
    from scipy.signal import correlate

    fh, fw = k.shape[:2]
    xp = pad2d(x, (same_padding(x.shape[1], fh), same_padding(x.shape[2], fw)))
    out = np.empty(x.shape[:3] + (k.shape[3],), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(k.shape[3]):
            out[n, :, :, f] = correlate(xp[n], k[..., f], mode="valid")[:, :, 0]
    return out


def main(repeats=30):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    rng = np.random.default_rng(0)
    print(f"{'input x kernel':<34}{'method':<16}{'median':>12}{'vs TF':>10}")
    for x_shape, k_shape in CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        k = rng.standard_normal(k_shape).astype(np.float32)
        reference = tf.nn.conv2d(x, k, 1, "SAME").numpy()
        methods = {
            "tf.nn.conv2d": (lambda: tf.nn.conv2d(x, k, 1, "SAME").numpy(), repeats),
            "conv2d": (lambda: conv2d(x, k, padding="same"), repeats),
            "scipy": (lambda: scipy_conv2d_same(x, k), max(3, repeats // 10)),
            "conv2d_naive": (lambda: conv2d_naive(x, k, padding="same"), 3),
        }
        for name, (fn, _) in methods.items():
            if not np.allclose(fn(), reference, atol=1e-3):
                raise AssertionError(f"{name} disagrees with tf.nn.conv2d on {x_shape} x {k_shape}")
        tf_time = median_time(methods["tf.nn.conv2d"][0], repeats)
        label = f"{x_shape} x {k_shape}"
        for name, (fn, n) in methods.items():
            t = tf_time if name == "tf.nn.conv2d" else median_time(fn, n)
            print(f"{label:<34}{name:<16}{t * 1e3:>10.3f}ms{t / tf_time:>9.2f}x")
            label = ""
    tiny_cnn_training()


def tiny_cnn_training(budget_s=60.0):
    """Chapter 08's training (TinyCNN, 8x8 digits, SGD with momentum, 20 epochs)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from .tinycnn import SGD, TinyCNN, train

    digits = load_digits()
    x = (digits.images / 16.0)[..., None]
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    start = time.perf_counter()
    model = TinyCNN(seed=0)
    train(model, x_train, y_train, SGD(0.05, momentum=0.9), epochs=20, batch_size=32, seed=0)
    elapsed = time.perf_counter() - start
    _, accuracy = model.evaluate(x_test, y_test)
    print(f"\nchapter 08 training, 20 epochs on {len(x_train)} digits: {elapsed:.1f} s "
          f"= {elapsed / budget_s:.2f} of the chapter's {budget_s:.0f} s budget; test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
