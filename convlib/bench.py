"""Benchmark: python -m convlib.bench

Times convlib's conv2d and conv2d_transpose against TensorFlow on the same float32
inputs, twice, each time in a fresh process (TensorFlow fixes its thread pools when it
first runs an op):

1. one thread each: NumPy's BLAS limited with threadpoolctl, TensorFlow's intra-op and
   inter-op pools set to 1. These ratios compare the algorithms.
2. each library's default threads: what a reader's machine does, but also how the
   libraries share the cores with whatever else runs.

A table row gives the fastest of several calls and its ratio to TensorFlow's (below
1.00x is faster). Both sides take NumPy arrays and return one, so TensorFlow's times
include converting them. Every method is checked against TensorFlow's result before it
is timed. The default-threads run ends with chapter 08's NumPy training time against the
chapter's one-minute budget. Needs SciPy, TensorFlow, threadpoolctl and scikit-learn.

    python -m convlib.bench               # both runs
    python -m convlib.bench --threads 1   # only the single-threaded one
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from .arithmetic import same_padding
from .conv import conv2d, conv2d_naive, pad2d
from .transpose import conv2d_transpose

# (input, kernel, dilation_rate, also time these); every case pads 'same', stride 1.
CONV_CASES = [
    ((1, 64, 64, 16), (3, 3, 16, 32), 1, ("scipy", "conv2d_naive")),
    ((32, 32, 32, 3), (3, 3, 3, 32), 1, ("scipy",)),
    ((32, 56, 56, 64), (3, 3, 64, 64), 1, ()),
    ((32, 56, 56, 64), (3, 3, 64, 64), 2, ()),
]
# (input, kernel (fh, fw, C_out, C_in), strides): an upsampling layer, 'same' padding.
TRANSPOSE_CASES = [((8, 32, 32, 64), (4, 4, 32, 64), 2)]
SECONDS_PER_METHOD = 2.0  # fewer repeats for slow methods, at least 3


def best_times(methods, max_repeats):
    """{name: fastest wall time of fn()}, timing the methods in turn (round robin).

    Other processes on the same cores only ever add time, so the fastest call is the one
    closest to the method's own cost, and taking turns exposes all methods to the same
    changes in load. Each method gets as many calls as fit in SECONDS_PER_METHOD, at
    least 3, at most max_repeats."""
    first = {}
    for name, fn in methods.items():  # one warm-up call each, which also sizes the repeats
        start = time.perf_counter()
        fn()
        first[name] = time.perf_counter() - start
    counts = {name: int(min(max_repeats, max(3, SECONDS_PER_METHOD // t))) for name, t in first.items()}
    times = {name: [] for name in methods}
    for r in range(max(counts.values())):
        for name, fn in methods.items():
            if r < counts[name]:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: min(ts) for name, ts in times.items()}


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


def quiet_tensorflow(threads):
    """Import TensorFlow without its start-up log lines; threads=1 pins both of its pools to one thread."""
    import absl.logging

    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # TensorFlow 2.21 writes its oneDNN notice to stderr while it loads even so (when NumPy
    # was imported first): send file descriptor 2 to a temporary file for the import, and
    # show that file only if the import fails.
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    if threads == 1:  # must come before TensorFlow runs its first op
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe_threads(tf):
    """The thread pools in use: each BLAS/OpenMP library loaded (with OpenBLAS's kernel) and TensorFlow's."""
    from threadpoolctl import threadpool_info

    lines = []
    for pool in threadpool_info():
        path = pool["filepath"]
        owner = next((pkg for pkg in ("numpy", "scipy", "sklearn", "tensorflow") if f"/{pkg}" in path), "")
        about = " ".join(str(v) for v in (owner, pool["internal_api"], pool.get("version")) if v)
        kernel = f", {pool['architecture']} kernel" if pool.get("architecture") else ""
        lines.append(f"  {about}{kernel}: {plural(pool['num_threads'], 'thread')} ({os.path.basename(path)})")
    pools = [tf.config.threading.get_intra_op_parallelism_threads(),
             tf.config.threading.get_inter_op_parallelism_threads()]
    sizes = ("its default intra-op and inter-op pools (0)" if pools == [0, 0]
             else f"intra-op {plural(pools[0], 'thread')}, inter-op {plural(pools[1], 'thread')}")
    lines.append(f"  TensorFlow {tf.__version__}: {sizes}")
    return "\n".join(["thread pools:", *lines])


def conv_rows(tf, rng, repeats):
    rows = []
    for x_shape, k_shape, d, extra in CONV_CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        k = rng.standard_normal(k_shape).astype(np.float32)
        methods = {
            "tf.nn.conv2d": lambda: tf.nn.conv2d(x, k, 1, "SAME", dilations=d).numpy(),
            "conv2d": lambda: conv2d(x, k, padding="same", dilation_rate=d),
            "scipy": lambda: scipy_conv2d_same(x, k),
            "conv2d_naive": lambda: conv2d_naive(x, k, padding="same", dilation_rate=d, force=True),
        }
        label = f"{x_shape} x {k_shape} same" + (f", dilation {d}" if d > 1 else "")
        chosen = ["tf.nn.conv2d", "conv2d", *extra]
        rows += time_methods(label, {name: methods[name] for name in chosen}, repeats)
    return rows


def transpose_rows(tf, rng, repeats):
    rows = []
    for x_shape, k_shape, s in TRANSPOSE_CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        k = rng.standard_normal(k_shape).astype(np.float32)
        out_shape = (x_shape[0], x_shape[1] * s, x_shape[2] * s, k_shape[2])
        methods = {
            "tf.nn.conv2d_transpose": lambda: tf.nn.conv2d_transpose(x, k, out_shape, s, "SAME").numpy(),
            "conv2d_transpose": lambda: conv2d_transpose(x, k, strides=s, padding="same"),
        }
        rows += time_methods(f"{x_shape} x {k_shape} same, strides {s}", methods, repeats)
    return rows


def time_methods(label, methods, repeats):
    """Rows (label, method, seconds, ratio to the first method, which is TensorFlow's)."""
    fns = list(methods.values())
    reference = fns[0]()
    for name, fn in methods.items():
        out = fn()
        error = np.abs(out - reference).max() / np.abs(reference).max()
        if out.shape != reference.shape or not error < 1e-4:
            raise AssertionError(f"{name} disagrees with {next(iter(methods))} on {label}: relative error {error:.1e}")
    times = best_times(methods, repeats)
    tf_time = times[next(iter(methods))]
    return [(label, name, t, t / tf_time) for name, t in times.items()]


def print_rows(rows):
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'input x kernel':<{width}}{'method':<24}{'fastest':>12}{'vs TF':>9}")
    last = None
    for label, name, t, ratio in rows:
        print(f"{label if label != last else '':<{width}}{name:<24}{t * 1e3:>10.2f}ms{ratio:>8.2f}x")
        last = label


def run(threads, repeats):
    """One table: every case with `threads` (1, or None for each library's default)."""
    import scipy.signal  # noqa: F401  (loads SciPy's BLAS before the limit is set)
    from threadpoolctl import threadpool_limits

    tf = quiet_tensorflow(threads)
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=threads):
        print(describe_threads(tf))
        rows = conv_rows(tf, rng, repeats) + transpose_rows(tf, rng, repeats)
        print_rows(rows)
        ours = [f"{ratio:.2f}x" for _, name, _, ratio in rows if name in ("conv2d", "conv2d_transpose")]
        met = sum(ratio <= 1.0 for _, name, _, ratio in rows if name in ("conv2d", "conv2d_transpose"))
        print(f"convlib vs TensorFlow, case by case: {', '.join(ours)} ({met} of {len(ours)} at or below 1.00x)")
        if threads is None:
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m convlib.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", choices=["1", "default"], help="run one of the two tables only")
    parser.add_argument("--repeats", type=int, default=30, help="at most this many timed calls per method")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be a positive integer; got {args.repeats}")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f} at the start "
          "(other processes on the cores slow every method)")
    print(f"NumPy {np.__version__}; OPENBLAS_CORETYPE {'= ' + coretype if coretype else 'not set'}; "
          f"TF_ENABLE_ONEDNN_OPTS {os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'not set (oneDNN on)')}")
    tables = {"1": (1, "One thread each: the algorithms"), "default": (None, "Default threads")}
    for key in [args.threads] if args.threads else tables:
        threads, title = tables[key]
        print(f"\n{title}", flush=True)
        code = f"from convlib.bench import run; run({threads}, {args.repeats})"
        subprocess.run([sys.executable, "-c", code], check=True)  # a fresh TensorFlow for each table


if __name__ == "__main__":
    main()
