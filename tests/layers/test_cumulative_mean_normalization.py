import keras
import numpy as np
import pytest

from keras_ae.layers import CumulativeMeanNormalization
from keras_ae.testing import run_layer_test


def test_layer_checks():
    run_layer_test(CumulativeMeanNormalization, {}, input_shape=(2, 7, 3),
                   expected_output_shape=(2, 7, 3), expected_num_trainable_weights=0)
    run_layer_test(CumulativeMeanNormalization, {"axis": 2}, input_shape=(2, 3, 5, 4),
                   expected_output_shape=(2, 3, 5, 4), expected_num_trainable_weights=0)


@pytest.mark.parametrize("axis", [1, 2, -2])
def test_matches_numpy(axis):
    x = np.random.default_rng(0).normal(size=(2, 6, 5, 3)).astype("float32")
    a = axis % x.ndim
    counts = np.arange(1, x.shape[a] + 1).reshape([-1 if i == a else 1 for i in range(x.ndim)])
    expected = x - np.cumsum(x, axis=a) / counts
    actual = keras.ops.convert_to_numpy(CumulativeMeanNormalization(axis=axis)(x))
    np.testing.assert_allclose(actual, expected, atol=1e-5)


def test_causal_and_removes_a_constant_offset():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 20, 4)).astype("float32")
    layer = CumulativeMeanNormalization()
    y = keras.ops.convert_to_numpy(layer(x))
    changed = x.copy()
    changed[:, 12:] = rng.normal(size=(1, 8, 4))  # the future changes ...
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(changed))[:, :12], y[:, :12],
                               atol=1e-6)
    # ... and a constant added to every step (a fixed filter on log-mel) is gone.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x + 7.0)), y, atol=1e-5)
    np.testing.assert_allclose(y[:, 0], 0.0)


def test_errors():
    with pytest.raises(ValueError, match="axis"):
        CumulativeMeanNormalization(axis=0)
    with pytest.raises(ValueError, match="axis"):
        CumulativeMeanNormalization(axis=3)(np.zeros((2, 3, 4), "float32"))
