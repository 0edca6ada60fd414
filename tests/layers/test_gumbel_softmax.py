import keras
import numpy as np
import pytest
from keras import ops

import keras_ae
from keras_ae.layers import GumbelSoftmax
from keras_ae.testing import run_layer_test


@pytest.mark.parametrize("hard", [False, True])
def test_layer_checks(hard):
    run_layer_test(
        GumbelSoftmax,
        {"temperature": 0.5, "hard": hard, "seed": 1},
        input_shape=(4, 3, 5),
        expected_output_shape=(4, 3, 5),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=1,
    )


def test_sample_frequencies_match_softmax():
    probs = np.array([0.05, 0.15, 0.3, 0.5], "float32")
    logits = np.tile(np.log(probs), (20000, 1))
    layer = GumbelSoftmax(temperature=0.7, hard=True, seed=42)
    samples = ops.convert_to_numpy(layer(logits, training=True))
    assert set(np.unique(samples)) == {0.0, 1.0}
    np.testing.assert_array_equal(samples.sum(-1), 1.0)
    freq = samples.mean(0)
    # 4 standard errors of a frequency estimated from 20,000 draws.
    np.testing.assert_allclose(freq, probs, atol=4 * np.sqrt(0.25 / 20000))


def test_relaxed_samples_match_tfp_reference():
    tfp = pytest.importorskip("tensorflow_probability")
    logits = np.log(np.array([0.1, 0.2, 0.7], "float32"))
    n = 20000
    ours = ops.convert_to_numpy(
        GumbelSoftmax(temperature=0.5, seed=3)(np.tile(logits, (n, 1)), training=True)
    )
    dist = tfp.distributions.RelaxedOneHotCategorical(0.5, logits=logits)
    reference = np.asarray(dist.sample(n, seed=7))
    np.testing.assert_allclose(ours.sum(-1), 1.0, atol=1e-5)
    assert np.all(ours >= 0)
    # Same distribution: equal means and equal mean of the largest entry.
    np.testing.assert_allclose(ours.mean(0), reference.mean(0), atol=0.015)
    np.testing.assert_allclose(ours.max(-1).mean(), reference.max(-1).mean(), atol=0.015)


def test_inference_is_one_hot_argmax():
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]], "float32")
    out = GumbelSoftmax(hard=False)(logits, training=False)
    np.testing.assert_array_equal(ops.convert_to_numpy(out), [[0, 1, 0], [1, 0, 0]])


def test_hard_gradient_is_the_relaxed_sample_gradient(grad):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 5)).astype("float32")
    w = rng.normal(size=(6, 5)).astype("float32")
    hard = grad(lambda x: GumbelSoftmax(0.8, hard=True, seed=5)(x, training=True), logits, w)
    soft = grad(lambda x: GumbelSoftmax(0.8, hard=False, seed=5)(x, training=True), logits, w)
    np.testing.assert_allclose(hard, soft, atol=1e-6)
    assert np.abs(soft).max() > 0


def test_gumbel_noise_is_finite_and_standard():
    g = ops.convert_to_numpy(keras_ae.ops.gumbel_noise((400000,), seed=0))
    assert np.all(np.isfinite(g))
    assert g.mean() == pytest.approx(0.5772, abs=0.01)  # Euler-Mascheroni
    assert g.var() == pytest.approx(np.pi**2 / 6, rel=0.02)


def test_mixed_precision_low_temperature_is_finite():
    layer = GumbelSoftmax(temperature=0.01, dtype="mixed_float16", seed=0)
    out = layer(np.array([[300.0, -300.0, 0.0]], "float32"), training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert np.all(np.isfinite(ops.convert_to_numpy(ops.cast(out, "float32"))))


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("inf"), "1"])
def test_bad_temperature(temperature):
    with pytest.raises(ValueError, match="temperature="):
        GumbelSoftmax(temperature=temperature)


def test_bad_axis_size():
    with pytest.raises(ValueError, match="category axis"):
        GumbelSoftmax().build((None, None))
