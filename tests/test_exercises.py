"""The exercise checkers pass a correct learner implementation and name each typical bug.

The learner implementations below are written independently of convlib (plain loops
the way a reader would write them), each with one deliberate mistake.
"""
import math

import numpy as np
import pytest

from convlib.exercises import check_conv2d, check_output_size, check_param_count, check_pool2d


# ---------------------------------------------------------------- learner conv2d

def make_conv(bug=None):
    def my_conv2d(x, kernel, strides=1, padding=0):
        x = np.asarray(x)
        k = np.asarray(kernel)
        if bug == "flip":
            k = k[::-1, ::-1]
        if bug == "transpose":
            k = k.T
        sh, sw = (strides, strides) if np.ndim(strides) == 0 else strides
        if bug == "swap_strides":
            sh, sw = sw, sh
        if bug == "no_stride":
            sh = sw = 1
        if padding:
            if bug == "pad_edge":
                x = np.pad(x, padding, mode="edge")
            elif bug == "pad_one_side":
                x = np.pad(x, ((padding, 0), (padding, 0)))
            elif bug != "no_padding":
                x = np.pad(x, padding)
        fh, fw = k.shape
        H, W = x.shape
        if bug == "ceil":
            oh, ow = math.ceil((H - fh) / sh) + 1, math.ceil((W - fw) / sw) + 1
        else:
            oh, ow = (H - fh) // sh + 1, (W - fw) // sw + 1
        if bug == "off_by_one":
            oh, ow = oh - 1, ow - 1
        if bug == "int_output":
            out = np.zeros((oh, ow), dtype=x.dtype)
        else:
            out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                window = x[i * sh: i * sh + fh, j * sw: j * sw + fw]
                if bug == "ceil":
                    window = np.pad(window, ((0, fh - window.shape[0]), (0, fw - window.shape[1])))
                out[i, j] = np.sum(window * k)
        return out
    return my_conv2d


def test_correct_conv2d_passes():
    verdict = check_conv2d(make_conv())
    assert verdict.passed and bool(verdict), repr(verdict)
    assert repr(verdict).startswith("PASSED: all 9 cases")


def test_conv2d_without_options_is_checked_on_the_basic_cases():
    def basic(x, kernel):
        return make_conv()(x, kernel)
    verdict = check_conv2d(basic)
    assert verdict.passed
    assert "without padding and strides" in repr(verdict) and "all 4 cases" in repr(verdict)


@pytest.mark.parametrize("bug, code, words", [
    ("flip", "flipped_kernel", "TRUE convolution"),
    ("transpose", "transposed_kernel", "TRANSPOSED"),
    ("off_by_one", "off_by_one_short", "n - f + 1"),
    ("no_padding", "padding_ignored", "without padding"),
    ("pad_one_side", "padding_one_side", "BOTH sides"),
    ("pad_edge", "padding_not_zero", "zeros"),
    ("swap_strides", "stride_swapped", "(cols, rows)"),
    ("no_stride", "stride_ignored", "stride-1 size"),
    ("ceil", "stride_ceil", "only whole windows"),
    ("int_output", "integer_output", "integer dtype"),
])
def test_conv2d_bug_is_named(bug, code, words):
    verdict = check_conv2d(make_conv(bug))
    assert not verdict.passed
    assert code in verdict.bugs, repr(verdict)
    assert words in repr(verdict)
    assert repr(verdict).startswith("NOT YET")


def test_uint8_arithmetic_overflow_is_named():
    def eight_bit(x, kernel, strides=1, padding=0):
        x = np.asarray(x)
        k = np.asarray(kernel)
        if x.dtype == np.uint8:  # multiply and add in 8 bits: wraps modulo 256
            k = k.astype(np.uint8)
        oh, ow = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
        out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k, dtype=x.dtype)
        return make_conv()(x, kernel, strides, padding) if x.dtype != np.uint8 else out
    verdict = check_conv2d(eight_bit)
    assert verdict.bugs == ["integer_output"], repr(verdict)
    assert "modulo 256" in repr(verdict)


def test_crashing_conv2d_is_reported():
    def crashes(x, kernel):
        raise IndexError("index 5 is out of bounds")
    verdict = check_conv2d(crashes)
    assert not verdict.passed
    assert "raised IndexError: index 5 is out of bounds" in repr(verdict)


def test_non_array_result_is_reported():
    verdict = check_conv2d(lambda x, kernel: "done")
    assert "not_array" in verdict.bugs


# ----------------------------------------------------------------- output size

def test_correct_output_size_passes():
    assert check_output_size(lambda n, f, p, s: (n + 2 * p - f) // s + 1).passed


@pytest.mark.parametrize("fn, code", [
    (lambda n, f, p, s: (n + 2 * p - f) // s, "missing_plus_one"),
    (lambda n, f, p, s: math.ceil((n + 2 * p - f) / s) + 1, "ceil"),
    (lambda n, f, p, s: (n + p - f) // s + 1, "padding_once"),
    (lambda n, f, p, s: n + 2 * p - f + 1, "stride_ignored"),
    (lambda n, f, p, s: (n + 2 * p - f) / s + 1, "float"),
    (lambda n, f, p, s: (n + 2 * p - f + 1) // s, "plus_one_inside"),
])
def test_output_size_bug_is_named(fn, code):
    verdict = check_output_size(fn)
    assert code in verdict.bugs, repr(verdict)


def test_output_size_uses_the_curriculum_figures():
    # n=7, f=3, s=2, p=1 -> 4; n=25, f=5, s=2 -> 11; n=11, f=3, s=2, p=1 -> 6
    verdict = check_output_size(lambda n, f, p, s: {(7, 3, 1, 2): 4, (25, 5, 0, 2): 11}.get((n, f, p, s), 0))
    assert "n=7, f=3" not in repr(verdict) and "n=25, f=5" not in repr(verdict)
    assert "for n=11, f=3, p=1, s=2 you returned 0, expected 6" in repr(verdict)


# --------------------------------------------------------------------- pooling

def make_pool(reduce, bug=None):
    def my_pool(x, pool_size, strides):
        x = np.asarray(x)
        s = 1 if bug == "no_stride" else strides
        H, W = x.shape
        if bug == "partial":
            oh, ow = math.ceil((H - pool_size) / s) + 1, math.ceil((W - pool_size) / s) + 1
        else:
            oh, ow = (H - pool_size) // s + 1, (W - pool_size) // s + 1
        out = np.zeros((oh, ow), dtype=x.dtype if bug == "int_output" else float)
        for i in range(oh):
            for j in range(ow):
                out[i, j] = reduce(x[i * s: i * s + pool_size, j * s: j * s + pool_size])
        return out
    return my_pool


@pytest.mark.parametrize("mode, reduce", [("max", np.max), ("average", np.mean), ("min", np.min), ("sum", np.sum)])
def test_correct_pooling_passes(mode, reduce):
    assert check_pool2d(make_pool(reduce), mode).passed


def test_pool_checker_uses_the_curriculum_example():
    # 4x4 example, 2x2 stride 2: max [[7, 6], [9, 8]]
    verdict = check_pool2d(lambda x, p, s: np.array([[7, 6], [9, 8]]), "max")
    assert "4x4 example" not in repr(verdict)
    assert not verdict.passed


@pytest.mark.parametrize("reduce, mode, bug, code", [
    (np.mean, "max", None, "wrong_mode"),
    (np.max, "max", "no_stride", "stride_ignored"),
    (np.max, "max", "partial", "partial_windows"),
    (np.mean, "average", "int_output", "integer_output"),
])
def test_pooling_bug_is_named(reduce, mode, bug, code):
    verdict = check_pool2d(make_pool(reduce, bug), mode)
    assert code in verdict.bugs, repr(verdict)


def test_wrong_mode_message_names_both_modes():
    verdict = check_pool2d(make_pool(np.mean), "max")
    assert "you computed average pooling, but this checks max pooling" in repr(verdict)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of .* got 'median'"):
        check_pool2d(make_pool(np.median), "median")


# ------------------------------------------------------------ parameter count

def test_correct_param_count_passes():
    verdict = check_param_count(lambda f, c, k: (f * f * c + 1) * k)
    assert verdict.passed
    # the curriculum's figures: (3*3*3 + 1) * 2 = 56, six 5x5 filters on 3 channels = 456
    assert (3 * 3 * 3 + 1) * 2 == 56 and (5 * 5 * 3 + 1) * 6 == 456


@pytest.mark.parametrize("fn, code", [
    (lambda f, c, k: f * f * c * k, "no_bias"),
    (lambda f, c, k: (f * f + 1) * k, "no_channels"),
    (lambda f, c, k: f * f * c * k + 1, "one_bias"),
    (lambda f, c, k: (f * f + 1) * c * k, "bias_per_channel"),
    (lambda f, c, k: (f * f * k + 1) * c, "channels_swapped"),
])
def test_param_count_bug_is_named(fn, code):
    verdict = check_param_count(fn)
    assert code in verdict.bugs, repr(verdict)


def test_a_scipy_based_conv2d_passes():
    # an independent correct implementation: SciPy's correlation, then padding and strides by slicing
    from scipy import signal

    def scipy_conv2d(x, kernel, strides=1, padding=0):
        sh, sw = (strides, strides) if np.ndim(strides) == 0 else strides
        full = signal.correlate2d(np.pad(np.asarray(x, dtype=float), padding), kernel, mode="valid")
        return full[::sh, ::sw]

    verdict = check_conv2d(scipy_conv2d)
    assert verdict.passed, repr(verdict)
