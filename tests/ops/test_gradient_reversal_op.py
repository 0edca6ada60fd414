import keras
import numpy as np
import pytest
from keras import ops

import keras_ae


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_forward_is_exact_in_the_input_dtype(dtype):
    rng = np.random.default_rng(0)
    x = ops.cast(rng.normal(size=(3, 5)) * 100.0, dtype)
    out = keras_ae.ops.gradient_reversal(x, 0.7)
    assert keras.backend.standardize_dtype(out.dtype) == dtype
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.cast(out, "float32")),
                                  ops.convert_to_numpy(ops.cast(x, "float32")))


def test_forward_is_exact_over_the_float32_range():
    # Normal numbers only: the CPU backends flush subnormals to zero in any
    # arithmetic (x + 0.0 included).
    rng = np.random.default_rng(1)
    magnitudes = 10.0 ** rng.integers(-37, 37, size=(6, 6))
    x = (rng.normal(size=(6, 6)) * magnitudes).astype("float32")
    x[0, :6] = [0.0, -0.0, np.finfo("float32").max, np.finfo("float32").tiny, np.inf, -np.inf]
    out = ops.convert_to_numpy(keras_ae.ops.gradient_reversal(x, 2.5))
    np.testing.assert_array_equal(out, x)
    assert np.signbit(out[0, 1])


@pytest.mark.parametrize("factor", [1.0, 0.5, 0.0, 4.0])
def test_gradient_is_exactly_minus_factor(grad, factor):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3)).astype("float32")
    upstream = rng.normal(size=(4, 3)).astype("float32")
    g = grad(lambda v: keras_ae.ops.gradient_reversal(v, factor), x, upstream)
    np.testing.assert_array_equal(g, -np.float32(factor) * upstream)


def test_factor_can_be_a_variable(grad):
    factor = keras.Variable(0.5, dtype="float32", trainable=False)
    x = np.ones((2, 2), "float32")
    fn = lambda v: keras_ae.ops.gradient_reversal(v, factor)  # noqa: E731
    np.testing.assert_array_equal(grad(fn, x), np.full((2, 2), -0.5, "float32"))
    factor.assign(2.0)
    np.testing.assert_array_equal(grad(fn, x), np.full((2, 2), -2.0, "float32"))


def test_composes_with_the_chain_rule(grad):
    # d/dx sum(reverse(x)^2 * 3) = -factor * 6x: the reversal multiplies the
    # gradient flowing into it, whatever comes after.
    x = np.array([[1.0, -2.0, 0.5]], "float32")
    g = grad(lambda v: 3.0 * ops.square(keras_ae.ops.gradient_reversal(v, 0.5)), x)
    np.testing.assert_allclose(g, -0.5 * 6.0 * x, rtol=1e-6)
