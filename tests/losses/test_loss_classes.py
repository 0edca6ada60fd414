import json

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae.losses import DonskerVaradhanLoss
from keras_ae.losses import InfoNCE
from keras_ae.losses import JensenShannonLoss
from keras_ae.losses import donsker_varadhan_mi
from keras_ae.losses import info_nce
from keras_ae.losses import jensen_shannon_mi

LOSS_CLASSES = [InfoNCE, JensenShannonLoss, DonskerVaradhanLoss]


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def batch(rng, n=6, m=4):
    scores = rng.normal(size=(n, m)).astype("float32") * 2
    labels = rng.integers(0, m, size=n)
    # Rows hold one positive each here; the masks below also test uneven rows.
    return scores, labels, np.eye(m, dtype="float32")[labels]


def test_info_nce_value_equals_function():
    scores, labels, _ = batch(np.random.default_rng(0))
    per_row = to_numpy(info_nce(scores, labels))
    mean = per_row.mean()
    np.testing.assert_allclose(float(InfoNCE()(labels, scores)), mean, rtol=1e-6)
    column = labels[:, None].astype("float32")
    np.testing.assert_allclose(float(InfoNCE()(column, scores)), mean, rtol=1e-6)
    rows = to_numpy(InfoNCE(reduction=None)(labels, scores))
    np.testing.assert_allclose(rows, per_row, rtol=1e-6)
    weights = np.linspace(0.0, 1.0, len(labels)).astype("float32")
    np.testing.assert_allclose(
        float(InfoNCE()(labels, scores, sample_weight=weights)),
        np.sum(per_row * weights) / len(labels),
        rtol=1e-6,
    )


@pytest.mark.parametrize("uneven", [False, True])
def test_jensen_shannon_loss_mean_is_exactly_the_negative_estimate(uneven):
    rng = np.random.default_rng(1)
    scores, _, mask = batch(rng)
    if uneven:  # rows with different numbers of positives, one with none
        mask = (rng.random(scores.shape) < 0.4).astype("float32")
        mask[0], mask[1, 0], mask[1, 1] = 0.0, 1.0, 0.0
    estimate = float(jensen_shannon_mi(scores, mask))
    loss = float(JensenShannonLoss()(mask, scores))
    np.testing.assert_allclose(loss, -estimate, rtol=1e-5)
    rows = to_numpy(JensenShannonLoss(reduction=None)(mask, scores))
    assert rows.shape == (scores.shape[0],)
    np.testing.assert_allclose(rows.mean(), -estimate, rtol=1e-5)


def test_donsker_varadhan_loss_is_the_negative_estimate_per_row():
    rng = np.random.default_rng(2)
    scores, _, mask = batch(rng)
    estimate = float(donsker_varadhan_mi(scores, mask))
    loss = float(DonskerVaradhanLoss()(mask, scores))
    np.testing.assert_allclose(loss, -estimate, rtol=1e-5)
    rows = to_numpy(DonskerVaradhanLoss(reduction=None)(mask, scores))
    np.testing.assert_allclose(rows, np.full(scores.shape[0], -estimate), rtol=1e-5)


@pytest.mark.parametrize("cls", LOSS_CLASSES)
def test_config_round_trip(cls):
    loss = cls(reduction="sum", name="custom", dtype="float32")
    config = loss.get_config()
    assert config == {"name": "custom", "reduction": "sum", "dtype": "float32"}
    assert cls.from_config(config).get_config() == config


@pytest.mark.parametrize("cls", LOSS_CLASSES)
def test_json_serialization_round_trip(cls):
    loss = cls(name="custom")
    serialized = json.dumps(keras.saving.serialize_keras_object(loss))
    restored = keras.saving.deserialize_keras_object(json.loads(serialized))
    assert type(restored) is cls
    assert restored.get_config() == loss.get_config()
    assert keras.saving.get_registered_name(cls) == f"keras_ae>{cls.__name__}"


def score_model(num_features, num_candidates, kernel_stddev=0.1):
    # A critic reduced to its essence: one score per (row, candidate) pair.
    keras.utils.set_random_seed(0)
    init = keras.initializers.RandomNormal(stddev=kernel_stddev, seed=0)
    inputs = keras.Input((num_features,))
    scores = keras.layers.Dense(num_candidates, kernel_initializer=init)(inputs)
    return keras.Model(inputs, scores)


def separable_data(n=32, num_features=8, num_candidates=5):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, num_features)).astype("float32")
    projection = rng.normal(size=(num_features, num_candidates))
    labels = np.argmax(x @ projection, axis=1)
    return x, labels, np.eye(num_candidates, dtype="float32")[labels]


@pytest.mark.parametrize(
    "loss, target",
    [
        (keras_ae.losses.InfoNCE(), "labels"),
        (keras_ae.losses.JensenShannonLoss(), "mask"),
        (keras_ae.losses.DonskerVaradhanLoss(), "mask"),
    ],
)
def test_fit_decreases_the_loss(loss, target):
    x, labels, mask = separable_data()
    y = labels if target == "labels" else mask
    model = score_model(x.shape[1], mask.shape[1])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, y, batch_size=len(x), epochs=5, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    assert history[-1] < history[0]


@pytest.mark.parametrize("cls", LOSS_CLASSES)
def test_fit_step_with_huge_scores_keeps_weights_finite(cls):
    # Scores of order 1e3-1e4: masked entries and log-sum-exp must not leak
    # inf or NaN into the gradient. Batches of 12, 12 and 8 rows also check
    # that a partial last batch (a new static shape, or None) works.
    x, labels, mask = separable_data()
    y = labels if cls is InfoNCE else mask
    model = score_model(x.shape[1], mask.shape[1], kernel_stddev=1e3)
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss=cls())
    history = model.fit(x, y, batch_size=12, epochs=1, verbose=0).history["loss"]
    assert np.isfinite(history[0])
    assert all(np.all(np.isfinite(to_numpy(w.value))) for w in model.weights)
