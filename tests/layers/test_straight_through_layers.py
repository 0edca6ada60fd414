import keras
import numpy as np
import pytest
from keras import ops

from keras_ae.layers import BinaryStraightThrough
from keras_ae.layers import OneHotStraightThrough
from keras_ae.testing import run_layer_test


def test_one_hot_layer_checks():
    run_layer_test(OneHotStraightThrough, {}, (4, 3, 5), (4, 3, 5),
                   expected_num_trainable_weights=0)


@pytest.mark.parametrize("stochastic", [False, True])
def test_binary_layer_checks(stochastic):
    run_layer_test(BinaryStraightThrough, {"threshold": 0.3, "stochastic": stochastic, "seed": 2},
                   (4, 7), (4, 7), expected_num_trainable_weights=0)


def test_one_hot_forward_and_softmax_gradient(grad):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype("float32")
    w = rng.normal(size=(8, 5)).astype("float32")
    layer = OneHotStraightThrough()
    out = ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(out, np.eye(5)[x.argmax(-1)])
    s = np.exp(x - x.max(-1, keepdims=True))
    s /= s.sum(-1, keepdims=True)
    expected = s * (w - (w * s).sum(-1, keepdims=True))  # softmax's VJP
    np.testing.assert_allclose(grad(layer, x, w), expected, atol=1e-6)


def test_one_hot_other_axis():
    x = np.array([[[0.0, 1.0], [2.0, -1.0]]], "float32")  # (1, 2, 2)
    out = ops.convert_to_numpy(OneHotStraightThrough(axis=1)(x))
    np.testing.assert_array_equal(out, [[[0.0, 1.0], [1.0, 0.0]]])


def test_binary_forward_and_sigmoid_gradient(grad):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 6)).astype("float32")
    w = rng.normal(size=(10, 6)).astype("float32")
    layer = BinaryStraightThrough(threshold=0.6)
    p = 1 / (1 + np.exp(-x))
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), (p > 0.6).astype("float32"))
    np.testing.assert_allclose(grad(layer, x, w), w * p * (1 - p), atol=1e-6)


def test_binary_stochastic_samples_have_sigmoid_mean():
    x = np.tile(np.array([[-2.0, 0.0, 1.0]], "float32"), (20000, 1))
    layer = BinaryStraightThrough(stochastic=True, seed=0)
    bits = ops.convert_to_numpy(layer(x, training=True))
    assert set(np.unique(bits)) == {0.0, 1.0}
    np.testing.assert_allclose(bits.mean(0), 1 / (1 + np.exp(-x[0])), atol=0.015)
    # Inference is deterministic.
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x[:1], training=False)), [[0, 0, 1]])


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, "a"])
def test_binary_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold="):
        BinaryStraightThrough(threshold=threshold)


def test_one_hot_bad_input():
    with pytest.raises(ValueError, match="rank >= 2"):
        OneHotStraightThrough()(np.zeros((3,), "float32"))


def test_binary_in_sequential_model_trains():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 8)).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8), BinaryStraightThrough(),
                              keras.layers.Dense(8)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, x, epochs=30, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
