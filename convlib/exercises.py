"""Checkers for the book's coding exercises.

Each checker runs a learner's function on a handful of tricky cases, compares
it with convlib, and explains in plain words what went wrong: an output one
cell too small, a flipped kernel, padding or strides ignored, an integer
output array that wraps around, and so on. A checker returns a `Verdict`
that prints as a short report and is truthy when every case passed.

    >>> from convlib.exercises import check_output_size
    >>> check_output_size(lambda n, f, p, s: (n + 2 * p - f) // s + 1)
    PASSED: all 8 cases of output_size(n, f, p, s) agree with convlib.

The expected answers always come from convlib itself (`conv2d`, the pooling
functions, `output_size`, `conv_params`); nothing is re-implemented here.
"""
import inspect

import numpy as np

from .arithmetic import conv_params, output_size
from .conv import conv2d, convolve2d
from .pooling import avg_pool2d, max_pool2d, min_pool2d, sum_pool2d

__all__ = ["Verdict", "check_conv2d", "check_output_size", "check_pool2d", "check_param_count"]


class Verdict:
    """The outcome of a checker.

    `passed` is True when every case agreed; `problems` lists one plain-language
    explanation per distinct mistake found; `bugs` holds short codes for the
    same mistakes (e.g. 'flipped_kernel'), handy for tests.
    """

    def __init__(self, subject, n_cases):
        self.subject = subject
        self.n_cases = n_cases
        self.problems = []
        self.bugs = []

    def add(self, bug, message):
        if bug not in self.bugs:
            self.bugs.append(bug)
            self.problems.append(message)

    @property
    def passed(self):
        return not self.problems

    def __bool__(self):
        return self.passed

    def __repr__(self):
        if self.passed:
            return f"PASSED: all {self.n_cases} cases of {self.subject} agree with convlib."
        lines = [f"NOT YET: {len(self.problems)} problem(s) found in {self.subject}:"]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)

    __str__ = __repr__


def _call(fn, verdict, case_name, *args, **kwargs):
    """Run the learner's function; record a crash or a non-array result as a problem."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # the learner's code may raise anything
        verdict.add(f"error:{case_name}", f"on the {case_name} case your function raised "
                                          f"{type(exc).__name__}: {exc}")
        return None
    try:
        arr = np.asarray(result)
        if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise TypeError
    except Exception:
        verdict.add("not_array", f"on the {case_name} case your function returned {type(result).__name__}, "
                                 "not an array of numbers.")
        return None
    return arr


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b)


def _wrapped(expected, dtype):
    """What `expected` becomes when stored in an integer array of `dtype` (wrap-around, fractions dropped)."""
    info = np.iinfo(dtype)
    # values within round-off of a whole number count as that number before cutting the fraction
    cut = np.trunc(np.where(np.isclose(expected, np.round(expected)), np.round(expected), expected))
    if info.bits >= 64:
        return cut
    span = int(info.max) - int(info.min) + 1
    return (cut.astype(np.int64) - info.min) % span + info.min


def _first_difference(verdict, name, got, expected):
    i, j = np.argwhere(~np.isclose(got, expected))[0]
    verdict.add(f"values:{name}", f"{name}: the shape is right but the values differ; first at [{i}, {j}]: "
                                  f"expected {expected[i, j]:g}, got {got[i, j]:g}.")


# ---------------------------------------------------------------------- conv2d

def _conv_features(fn):
    """Which optional keyword arguments the learner's conv function accepts."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None, None
    stride_name = next((n for n in ("strides", "stride") if n in params), None)
    padding_name = "padding" if "padding" in params else None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        stride_name, padding_name = stride_name or "strides", padding_name or "padding"
    return stride_name, padding_name


def _conv_cases(stride_name, padding_name):
    rng = np.random.default_rng(7)
    edge = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    cases = [
        ("5x5 vertical-edge", np.array([[7, 2, 3, 3, 8], [4, 5, 3, 8, 4], [3, 3, 2, 8, 4],
                                         [2, 8, 7, 2, 7], [5, 4, 4, 5, 4]]), edge, 1, 0),
        ("non-square 5x7 input with a 2x3 kernel", rng.integers(-4, 5, size=(5, 7)),
         np.array([[1, 2, 0], [-1, 3, 1]]), 1, 0),
        ("uint8 image (values near 255)", rng.integers(200, 256, size=(6, 6)).astype(np.uint8), edge.T * 3, 1, 0),
        ("integer image with a 1/9 box blur", rng.integers(0, 10, size=(5, 5)), np.full((3, 3), 1 / 9), 1, 0),
    ]
    if padding_name:
        cases += [
            ("padding=1 on a 5x5 input", rng.integers(1, 9, size=(5, 5)), edge, 1, 1),
            ("padding=2 on a 4x6 input", rng.integers(1, 9, size=(4, 6)), np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), 1, 2),
        ]
    if stride_name:
        cases += [
            ("strides=2 on a 7x9 input", rng.integers(-5, 6, size=(7, 9)), np.array([[1, 2, 3], [0, 1, 0], [-1, 0, 2]]), 2, 0),
            ("strides=2 on a 6x6 input (the last window does not fit)", rng.integers(-5, 6, size=(6, 6)), edge, 2, 0),
            ("strides=(1, 2) (rows, cols) on a 7x9 input", rng.integers(-5, 6, size=(7, 9)),
             np.array([[2, 0, 1], [1, 3, 0], [0, 1, -2]]), (1, 2), 0),
        ]
    return cases


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _diagnose_conv_shape(verdict, name, got, x, k, strides, padding):
    (h, w), (fh, fw) = x.shape, k.shape
    sh, sw = _pair(strides)
    exp = (output_size(h, fh, padding, sh), output_size(w, fw, padding, sw))
    if got == exp[::-1] and exp[0] != exp[1]:
        verdict.add("rows_cols_swapped", f"{name}: your output is {got}, expected {exp}: rows and columns are "
                                         "swapped. The first axis is rows (height), the second columns (width).")
    elif padding and got == (output_size(h, fh, 0, sh), output_size(w, fw, 0, sw)):
        verdict.add("padding_ignored", f"{name}: your output is {got}, expected {exp}. It is the size without "
                                       f"padding: pad the input with {padding} row(s)/column(s) of zeros on every "
                                       "side before sliding the kernel (np.pad or convlib.pad2d).")
    elif padding and got == ((h + padding - fh) // sh + 1, (w + padding - fw) // sw + 1):
        verdict.add("padding_one_side", f"{name}: your output is {got}, expected {exp}. You padded only one side; "
                                         "padding=p adds p cells on BOTH sides of each axis (n + 2p - f + 1).")
    elif (sh, sw) != (1, 1) and got == ((h + 2 * padding - fh) + 1, (w + 2 * padding - fw) + 1):
        verdict.add("stride_ignored", f"{name}: your output is {got}, expected {exp}. That is the stride-1 size: "
                                      "the window must jump `strides` cells at a time, giving "
                                      "floor((n + 2p - f) / s) + 1 cells per axis.")
    elif sh != sw and got == (output_size(h, fh, padding, sw), output_size(w, fw, padding, sh)):
        verdict.add("stride_swapped", f"{name}: your output is {got}, expected {exp}. You used the strides as "
                                      "(cols, rows); as in Keras, strides=(2, 3) means 2 rows down and 3 columns "
                                      "right per step.")
    elif (sh, sw) != (1, 1) and got == (-(-(h + 2 * padding - fh) // sh) + 1, -(-(w + 2 * padding - fw) // sw) + 1):
        verdict.add("stride_ceil", f"{name}: your output is {got}, expected {exp}. You kept a last window that runs "
                                   "off the edge of the input; only whole windows count: floor((n + 2p - f) / s) + 1.")
    elif got == (exp[0] - 1, exp[1] - 1):
        verdict.add("off_by_one_short", f"{name}: your output is {got}, expected {exp}: one row and one column "
                                        "short. A kernel of size f fits n - f + 1 times in n cells (not n - f); "
                                        "check your range(...) bounds.")
    elif got == (exp[0] + 1, exp[1] + 1):
        verdict.add("off_by_one_long", f"{name}: your output is {got}, expected {exp}: one row and one column too "
                                       "many; a kernel of size f fits n - f + 1 times in n cells.")
    elif padding == 0 and got == (h, w):
        verdict.add("same_size", f"{name}: your output has the input's shape {got}, but without padding it must "
                                 f"shrink to {exp} (n - f + 1 per axis).")
    else:
        verdict.add(f"shape:{name}", f"{name}: your output has shape {got}, expected {exp}.")


def _diagnose_conv_values(verdict, name, got, x, k, strides, padding):
    expected = conv2d(x, k, strides=strides, padding=padding)
    if _same(got, expected):
        return
    if np.issubdtype(got.dtype, np.integer) and (_same(got, _wrapped(expected, got.dtype))
                                                 or np.all(np.abs(got - expected) < 1 + 1e-9)):
        verdict.add("integer_output", f"{name}: your output array has the integer dtype {got.dtype}, so sums were "
                                      "wrapped around or had their fractions cut off. Compute and store in floating "
                                      "point, e.g. out = np.zeros(shape) or x.astype(float).")
    elif _same(np.mod(got, 256), np.mod(expected, 256)) and x.dtype == np.uint8:
        verdict.add("integer_output", f"{name}: your sums wrapped around modulo 256: the uint8 image was multiplied "
                                      "and added in 8-bit arithmetic. Convert it first: x.astype(float).")
    elif not np.allclose(k, k[::-1, ::-1]) and _same(got, convolve2d(x, k, strides=strides, padding=padding)):
        verdict.add("flipped_kernel", f"{name}: your result is the TRUE convolution: you flipped the kernel. CNN "
                                      "layers (and convlib.conv2d) compute cross-correlation: multiply each window "
                                      "by the kernel as it is, without flipping.")
    elif k.shape[0] == k.shape[1] and _same(got, conv2d(x, k.T, strides=strides, padding=padding)):
        verdict.add("transposed_kernel", f"{name}: your result matches the TRANSPOSED kernel: you indexed the kernel "
                                         "as [col, row]. Use kernel[u, v] with u the row offset, v the column offset.")
    elif padding and any(_same(got, conv2d(np.pad(x, padding, mode=m), k, strides=strides))
                         for m in ("edge", "reflect", "symmetric")):
        verdict.add("padding_not_zero", f"{name}: you padded with copies of the border values; padding=p means "
                                        "zeros around the input (np.pad(x, p) or convlib.pad2d(x, p)).")
    else:
        _first_difference(verdict, name, got, expected)


def check_conv2d(fn):
    """Check a learner's 2-D cross-correlation `fn(x, kernel)` against convlib.conv2d.

    If `fn` accepts a `padding` keyword (an int p: p zeros on every side) and/or a
    `strides` (or `stride`) keyword (an int or a (rows, cols) pair), those are
    tested too. Returns a Verdict.
    """
    stride_name, padding_name = _conv_features(fn)
    cases = _conv_cases(stride_name, padding_name)
    verdict = Verdict("your conv2d", len(cases))
    for name, x, k, strides, padding in cases:
        kwargs = {}
        if padding_name:
            kwargs[padding_name] = padding
        if stride_name:
            kwargs[stride_name] = strides
        got = _call(fn, verdict, name, x.copy(), k.copy(), **kwargs)
        if got is None:
            continue
        expected_shape = conv2d(x, k, strides=strides, padding=padding).shape
        if got.shape != expected_shape:
            if got.ndim == 2:
                _diagnose_conv_shape(verdict, name, got.shape, x, k, strides, padding)
            else:
                verdict.add(f"shape:{name}", f"{name}: your output has shape {got.shape}, expected {expected_shape}.")
            continue
        _diagnose_conv_values(verdict, name, got, x, k, strides, padding)
    if not padding_name or not stride_name:
        missing = [n for n, have in (("padding", padding_name), ("strides", stride_name)) if not have]
        verdict.subject += f" (without {' and '.join(missing)}: add the keyword(s) to test them too)"
    return verdict


# ----------------------------------------------------------------- output size

_SIZE_CASES = [  # (n, f, p, s)
    (7, 3, 1, 2), (25, 5, 0, 2), (11, 3, 1, 2), (5, 3, 0, 1),
    (6, 3, 0, 2), (32, 5, 0, 1), (28, 5, 2, 1), (10, 4, 1, 3),
]


_SIZE_BUGS = [  # (code, formula, explanation)
    ("missing_plus_one", lambda n, f, p, s: (n + 2 * p - f) // s,
     "you forgot the + 1 (the first window position is itself an output cell)."),
    ("plus_one_inside", lambda n, f, p, s: (n + 2 * p - f + 1) // s,
     "the + 1 goes outside the division: floor((n + 2p - f) / s) + 1."),
    ("ceil", lambda n, f, p, s: -(-(n + 2 * p - f) // s) + 1,
     "you rounded up; a window that would run past the edge is not used, so round down (floor)."),
    ("padding_once", lambda n, f, p, s: (n + p - f) // s + 1,
     "padding p is added on both sides, so the padded size is n + 2p."),
    ("stride_ignored", lambda n, f, p, s: n + 2 * p - f + 1,
     "divide by the stride s before adding 1."),
]


def check_output_size(fn):
    """Check a learner's `fn(n, f, p, s)` (input size, kernel size, padding per side,
    stride) against convlib.output_size. Returns a Verdict.

    A mistake is recognised by the whole pattern of answers, so the diagnosis
    names the formula that was used rather than one lucky case.
    """
    verdict = Verdict("output_size(n, f, p, s)", len(_SIZE_CASES))
    answers = {}
    for n, f, p, s in _SIZE_CASES:
        case = f"n={n}, f={f}, p={p}, s={s}"
        try:
            got = fn(n, f, p, s)
        except Exception as exc:
            verdict.add("error", f"for {case} your function raised {type(exc).__name__}: {exc}")
            continue
        if isinstance(got, (float, np.floating)) and not float(got).is_integer():
            verdict.add("float", f"for {case} you returned {got}, a fraction; sizes are whole numbers: use floor "
                                 "division // (the last partial step does not count).")
            continue
        answers[(n, f, p, s)] = got
    wrong = {c: g for c, g in answers.items() if g != output_size(*c)}
    if not wrong:
        return verdict
    for code, formula, why in _SIZE_BUGS:
        if all(g == formula(*c) for c, g in answers.items()):
            (n, f, p, s), got = next(iter(wrong.items()))
            verdict.add(code, f"for n={n}, f={f}, p={p}, s={s} you returned {got}, expected "
                              f"{output_size(n, f, p, s)}: {why}")
            return verdict
    for (n, f, p, s), got in wrong.items():
        verdict.add(f"wrong:{n},{f},{p},{s}", f"for n={n}, f={f}, p={p}, s={s} you returned {got}, expected "
                                               f"{output_size(n, f, p, s)}.")
    return verdict


# --------------------------------------------------------------------- pooling

_POOLS = {"max": max_pool2d, "average": avg_pool2d, "min": min_pool2d, "sum": sum_pool2d}


def _pool_cases():
    rng = np.random.default_rng(3)
    return [
        ("the 4x4 example, 2x2 stride 2", np.array([[3, 5, 6, 1], [1, 7, 2, 3], [1, 8, 3, 8], [9, 2, 7, 6]]), 2, 2),
        ("a 5x5 input, 2x2 stride 2 (the last row and column are left over)", rng.integers(0, 20, size=(5, 5)), 2, 2),
        ("a 5x5 input, 3x3 stride 1", rng.integers(-9, 10, size=(5, 5)), 3, 1),
        ("a 4x6 input, 2x2 stride 2", rng.integers(0, 9, size=(4, 6)), 2, 2),
        ("a 6x6 input, 3x3 stride 2", rng.integers(-9, 10, size=(6, 6)), 3, 2),
    ]


def check_pool2d(fn, mode="max"):
    """Check a learner's pooling `fn(x, pool_size, strides)` (ints; valid padding)
    against convlib's `mode` pooling ('max', 'average', 'min' or 'sum'). Returns a Verdict."""
    if mode not in _POOLS:
        raise ValueError(f"mode must be one of {sorted(_POOLS)}; got {mode!r}.")
    cases = _pool_cases()
    verdict = Verdict(f"your {mode} pooling", len(cases))
    for name, x, p, s in cases:
        got = _call(fn, verdict, name, x.copy(), p, s)
        if got is None:
            continue
        expected = _POOLS[mode](x, p, s)
        if _same(got, expected):
            continue
        (h, w) = x.shape
        if got.shape != expected.shape:
            exp = expected.shape
            if got.shape == (h - p + 1, w - p + 1):
                verdict.add("stride_ignored", f"{name}: your output is {got.shape}, expected {exp}: the window moved "
                                              f"one cell at a time; it must jump {s} cells (the stride).")
            elif got.shape == (-(-(h - p) // s) + 1, -(-(w - p) // s) + 1):
                verdict.add("partial_windows", f"{name}: your output is {got.shape}, expected {exp}: you kept "
                                               "windows that hang over the edge. With 'valid' pooling, leftover "
                                               "rows/columns that cannot fill a window are dropped.")
            elif got.shape == (exp[0] - 1, exp[1] - 1):
                verdict.add("off_by_one_short", f"{name}: your output is {got.shape}, expected {exp}: one row and "
                                                "column short; there are floor((n - pool) / s) + 1 windows per axis.")
            elif got.shape == exp[::-1]:
                verdict.add("rows_cols_swapped", f"{name}: your output is {got.shape}, expected {exp}: rows and "
                                                 "columns are swapped.")
            else:
                verdict.add(f"shape:{name}", f"{name}: your output has shape {got.shape}, expected {exp}.")
            continue
        other = next((m for m, f in _POOLS.items() if m != mode and _same(got, f(x, p, s))), None)
        if other:
            verdict.add("wrong_mode", f"{name}: you computed {other} pooling, but this checks {mode} pooling.")
        elif np.issubdtype(got.dtype, np.integer) and np.all(np.abs(got - expected) < 1 + 1e-9):
            verdict.add("integer_output", f"{name}: your output array has the integer dtype {got.dtype}, so "
                                          "averages lost their fractions. Store results in a float array.")
        elif _same(got, np.floor(expected)) or _same(got, np.round(expected)):
            verdict.add("integer_output", f"{name}: your averages were rounded to whole numbers; keep the "
                                          "fractions (use /, not //, and a float output array).")
        elif got.shape[0] == got.shape[1] and _same(got, expected.T):
            verdict.add("transposed", f"{name}: your output is the transpose of the right one: rows and columns "
                                      "are swapped.")
        else:
            _first_difference(verdict, name, got, expected)
    return verdict


# ------------------------------------------------------------ parameter count

_PARAM_CASES = [  # (kernel_size, in_channels, filters)
    (3, 3, 2), (5, 3, 6), (3, 3, 512), (1, 512, 64), (3, 1, 32), (3, 32, 64),
]


def check_param_count(fn):
    """Check a learner's `fn(kernel_size, in_channels, filters)` (square kernels)
    against convlib.conv_params (a Conv2D layer with bias). Returns a Verdict."""
    verdict = Verdict("param_count(kernel_size, in_channels, filters)", len(_PARAM_CASES))
    for f, c, k in _PARAM_CASES:
        case = f"a {f}x{f} kernel, {c} input channel(s), {k} filter(s)"
        try:
            got = fn(f, c, k)
        except Exception as exc:
            verdict.add("error", f"for {case} your function raised {type(exc).__name__}: {exc}")
            continue
        exp = conv_params(f, c, k)
        if got == exp:
            continue
        if got == f * f * c * k:
            verdict.add("no_bias", f"for {case} you returned {got}, expected {exp}: each filter also has one "
                                   "bias, so add 1 per filter: (f*f*c + 1) * k.")
        elif got == (f * f + 1) * k:
            verdict.add("no_channels", f"for {case} you returned {got}, expected {exp}: a filter spans every input "
                                       "channel, so it has f*f*c weights, not f*f.")
        elif got == f * f * c * k + 1:
            verdict.add("one_bias", f"for {case} you returned {got}, expected {exp}: there is one bias per filter, "
                                    "not one for the whole layer.")
        elif got == (f * f * c + c) * k or got == (f * f + 1) * c * k:
            verdict.add("bias_per_channel", f"for {case} you returned {got}, expected {exp}: a filter has ONE "
                                            "bias, not one per input channel.")
        elif got == (f * f * k + 1) * c:
            verdict.add("channels_swapped", f"for {case} you returned {got}, expected {exp}: you swapped input "
                                            "channels and filters.")
        else:
            verdict.add(f"wrong:{case}", f"for {case} you returned {got}, expected {exp}.")
    return verdict
