import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_ae
from keras_ae.callbacks import TemperatureSchedule


def _model():
    inputs = keras.Input((6,))
    codes = keras_ae.layers.GumbelSoftmax(temperature=1.0, hard=True, seed=0, name="gumbel")(
        keras.layers.Dense(4)(inputs)
    )
    model = keras.Model(inputs, keras.layers.Dense(6)(codes))
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    return model


def test_schedule_formula():
    s = TemperatureSchedule(2.0, 0.5, 0.1)
    assert s.temperature_at(0) == 2.0
    assert s.temperature_at(5) == pytest.approx(2.0 * math.exp(-0.5))
    assert s.temperature_at(10**6) == 0.5


def test_anneals_during_fit_and_resumes_from_optimizer_step():
    x = np.random.default_rng(0).normal(size=(40, 6)).astype("float32")
    model = _model()
    schedule = TemperatureSchedule(1.0, 0.1, 0.05)
    history = model.fit(x, x, batch_size=8, epochs=2, verbose=0, callbacks=[schedule])
    gumbel = model.get_layer("gumbel")
    # 10 steps; the last batch started at step 9.
    assert float(ops.convert_to_numpy(gumbel.temperature)) == pytest.approx(math.exp(-0.05 * 9), rel=1e-6)
    assert history.history["temperature"][-1] == pytest.approx(math.exp(-0.05 * 9), rel=1e-6)
    # A new fit continues from the optimizer's step count, not from τ0.
    model.fit(x, x, batch_size=8, epochs=1, verbose=0, callbacks=[TemperatureSchedule(1.0, 0.1, 0.05)])
    assert float(ops.convert_to_numpy(gumbel.temperature)) == pytest.approx(math.exp(-0.05 * 14), rel=1e-6)


@pytest.mark.parametrize("tau, expected_loss", [(1e-3, 0.25), (1e3, 1 / 16)])
def test_temperature_reaches_the_training_step(tau, expected_loss):
    # The model outputs the relaxed sample itself and the loss is mean(y²):
    # 1/4 for one-hot codes of 4 (τ → 0), 1/16 for uniform ones (τ → ∞), so
    # the first step's loss shows which τ the compiled step really used.
    inputs = keras.Input((4,))
    outputs = keras_ae.layers.GumbelSoftmax(temperature=1.0, seed=0)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse")
    x = np.zeros((16, 4), "float32")
    history = model.fit(x, x, batch_size=16, epochs=1, verbose=0,
                        callbacks=[TemperatureSchedule(tau, tau, 0.0)])
    assert history.history["loss"][0] == pytest.approx(expected_loss, rel=0.02)


def test_no_gumbel_layer_is_an_error():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="no GumbelSoftmax"):
        model.fit(np.zeros((2, 2)), np.zeros((2, 2)), verbose=0, callbacks=[TemperatureSchedule()])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"initial_temperature": 0}, "initial_temperature=0"),
     ({"min_temperature": -1}, "min_temperature=-1"),
     ({"initial_temperature": 0.1, "min_temperature": 0.5}, "must not exceed"),
     ({"anneal_rate": -0.1}, "anneal_rate=-0.1")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TemperatureSchedule(**kwargs)
