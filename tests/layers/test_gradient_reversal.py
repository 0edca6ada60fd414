import os
import tempfile

import keras
import numpy as np
import pytest
from keras import ops

from keras_ae.layers import GradientReversal
from keras_ae.testing import run_layer_test


@pytest.mark.parametrize("shape", [(3, 5), (2, 4, 6)])
def test_layer_checks(shape):
    run_layer_test(GradientReversal, {"factor": 0.5}, shape, shape,
                   expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=1)


def test_forward_is_exact():
    rng = np.random.default_rng(0)
    magnitudes = 10.0 ** rng.integers(-30, 30, size=(4, 7))
    x = (rng.normal(size=(4, 7)) * magnitudes).astype("float32")
    x[0, :3] = [0.0, -0.0, np.finfo("float32").max]
    out = ops.convert_to_numpy(GradientReversal(factor=0.3)(x))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    assert np.signbit(out[0, 1])


def test_output_is_in_the_compute_dtype():
    x = np.random.default_rng(1).normal(size=(2, 3)).astype("float32")
    layer = GradientReversal(dtype="mixed_float16")
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    np.testing.assert_array_equal(ops.convert_to_numpy(out), x.astype("float16"))
    assert keras.backend.standardize_dtype(layer.factor.dtype) == "float32"


@pytest.mark.parametrize("factor", [1.0, 0.25, 3.0])
def test_gradient_is_minus_factor(grad, factor):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 4)).astype("float32")
    upstream = rng.normal(size=(5, 4)).astype("float32")
    layer = GradientReversal(factor=factor)
    expected = -np.float32(factor) * upstream
    np.testing.assert_array_equal(grad(layer, x, upstream), expected)


def test_assigning_the_factor_changes_the_gradient(grad):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4)).astype("float32")
    upstream = rng.normal(size=(3, 4)).astype("float32")
    layer = GradientReversal()
    layer.build(x.shape)
    np.testing.assert_array_equal(grad(layer, x, upstream), -upstream)
    layer.factor.assign(0.5)
    np.testing.assert_array_equal(grad(layer, x, upstream), -np.float32(0.5) * upstream)
    layer.factor.assign(0.0)
    np.testing.assert_array_equal(np.abs(grad(layer, x, upstream)), 0.0)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)


def _encoder_and_head(reverse):
    inputs = keras.Input((6,))
    code = keras.layers.Dense(4, name="encoder")(inputs)
    if reverse:
        code = GradientReversal()(code)
    outputs = keras.layers.Dense(2, name="head")(code)
    return keras.Model(inputs, outputs)


def test_a_training_step_moves_the_encoder_the_other_way():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    plain, reversed_ = _encoder_and_head(False), _encoder_and_head(True)
    for name in ("encoder", "head"):
        reversed_.get_layer(name).set_weights(plain.get_layer(name).get_weights())
    plain_step, reversed_step = (_one_sgd_step(m, x, y) for m in (plain, reversed_))
    for delta, reversed_delta in zip(plain_step["encoder"], reversed_step["encoder"]):
        assert np.abs(delta).max() > 1e-4
        np.testing.assert_allclose(reversed_delta, -delta, rtol=1e-4, atol=1e-7)
    # The head above the layer learns as usual.
    for delta, reversed_delta in zip(plain_step["head"], reversed_step["head"]):
        np.testing.assert_allclose(reversed_delta, delta, rtol=1e-4, atol=1e-7)


def _one_sgd_step(model, x, y):
    """The change of the encoder's and the head's weights in one SGD step."""
    model.compile(keras.optimizers.SGD(0.1), "mse")
    names = ("encoder", "head")
    before = {name: model.get_layer(name).get_weights() for name in names}
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)
    return {
        name: [a - b for a, b in zip(model.get_layer(name).get_weights(), before[name])]
        for name in names
    }


def test_assigned_factor_is_saved_with_the_model():
    model = _encoder_and_head(True)
    layer = next(lyr for lyr in model.layers if isinstance(lyr, GradientReversal))
    layer.factor.assign(0.25)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        revived = keras.saving.load_model(path)
    revived_layer = next(
        lyr for lyr in revived.layers if isinstance(lyr, GradientReversal)
    )
    assert float(ops.convert_to_numpy(revived_layer.factor)) == 0.25
    assert revived_layer.get_config()["factor"] == 1.0


@pytest.mark.parametrize("factor", [-0.5, float("nan"), float("inf"), "1", True, None])
def test_bad_factor(factor):
    with pytest.raises(ValueError, match="factor="):
        GradientReversal(factor=factor)
