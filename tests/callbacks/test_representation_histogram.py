import glob
import os

import keras
import numpy as np
import pytest

import keras_ae
from keras_ae.callbacks import RepresentationHistogram


def _dim(prior_weight):
    inputs = keras.Input((8, 8, 1))
    feature_map = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    y = keras.layers.Dense(3, activation="sigmoid")(keras.layers.Flatten()(feature_map))
    return keras_ae.models.DeepInfoMax(keras.Model(inputs, [feature_map, y]), critic_units=8,
                                       critic_dim=4, prior_weight=prior_weight)


def _histograms(logdir):
    (events,) = glob.glob(os.path.join(logdir, "representation", "*"))
    found = {}
    import tensorflow as tf

    for event in tf.compat.v1.train.summary_iterator(events):
        for value in event.summary.value:
            found.setdefault(value.tag, []).append(
                (event.step, tf.make_ndarray(value.tensor)))
    return found


@pytest.mark.parametrize("prior_weight", [0.1, 0.0])
def test_writes_representation_beside_prior(tmp_path, prior_weight):
    model = _dim(prior_weight)
    x = np.random.default_rng(0).uniform(size=(40, 8, 8, 1)).astype("float32")
    callback = RepresentationHistogram(x, str(tmp_path), buckets=10)
    callback.set_model(model)
    callback.on_epoch_end(0)
    callback.on_epoch_end(1)
    found = _histograms(str(tmp_path))
    assert [step for step, _ in found["representation"]] == [0, 1]
    # Each bucket row is (left edge, right edge, count); all 40 × 3 values are counted.
    _, buckets = found["representation"][0]
    assert buckets.shape == (10, 3) and buckets[:, 2].sum() == 120
    y = keras.ops.convert_to_numpy(model.encode(x))
    assert buckets[0, 0] == pytest.approx(y.min(), abs=1e-6)
    if prior_weight:
        _, prior = found["prior"][1]
        assert prior[:, 2].sum() == 120 and prior[0, 0] >= 0 and prior[-1, 1] <= 1
    else:
        assert "prior" not in found


def test_leaves_the_models_seed_state_alone(tmp_path):
    model = _dim(0.1)
    state = np.array(model.seed_generator.state)
    callback = RepresentationHistogram(np.zeros((4, 8, 8, 1), "float32"), str(tmp_path))
    callback.set_model(model)
    callback.on_epoch_end(0)
    np.testing.assert_array_equal(np.array(model.seed_generator.state), state)


@pytest.mark.parametrize("kwargs, match", [
    ({"inputs": np.zeros((0, 3))}, "inputs"),
    ({"inputs": np.zeros((3,))}, "inputs"),
    ({"every_n_epochs": 0}, "every_n_epochs=0"),
    ({"buckets": 1}, "buckets=1"),
])
def test_bad_arguments(kwargs, match, tmp_path):
    arguments = {"inputs": np.zeros((2, 3)), "logdir": str(tmp_path), **kwargs}
    with pytest.raises(ValueError, match=match):
        RepresentationHistogram(**arguments)


def test_needs_a_model_that_encodes(tmp_path):
    callback = RepresentationHistogram(np.zeros((2, 3)), str(tmp_path))
    callback.set_model(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="encode"):
        callback.on_epoch_end(0)
