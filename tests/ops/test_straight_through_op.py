import numpy as np
import pytest
from keras import ops

import keras_ae


@pytest.mark.parametrize("assume_finite", [False, True])
def test_forward_is_exact_and_gradient_is_identity(grad, assume_finite):
    rng = np.random.default_rng(0)
    soft = rng.uniform(size=(5, 7)).astype("float32")
    hard = np.round(soft * 3).astype("float32")
    out = ops.convert_to_numpy(keras_ae.ops.straight_through(hard, soft, assume_finite))
    np.testing.assert_array_equal(out, hard)
    w = rng.normal(size=(5, 7)).astype("float32")
    g = grad(lambda s: keras_ae.ops.straight_through(ops.round(s * 3), s, assume_finite),
             soft, w)
    np.testing.assert_array_equal(g, w)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="forward.shape=\\(2,\\)"):
        keras_ae.ops.straight_through(np.zeros(2), np.zeros(3))


def test_one_hot_argmax():
    x = np.array([[0.2, 0.9, 0.1], [5.0, 1.0, 1.0]], "float32")
    np.testing.assert_array_equal(
        ops.convert_to_numpy(keras_ae.ops.one_hot_argmax(x)), [[0, 1, 0], [1, 0, 0]]
    )


def test_infinite_backward_value_keeps_the_forward_value():
    soft = np.array([np.inf, -np.inf, 0.5], "float32")
    hard = np.array([1.0, 0.0, 1.0], "float32")
    out = ops.convert_to_numpy(keras_ae.ops.straight_through(hard, soft))
    np.testing.assert_array_equal(out, hard)
