"""DeepInfoMax under tf.distribute: one step on two replicas is one step on one device.

Runs in a fresh process, since logical devices must be configured before
TensorFlow starts.
"""

import os
import subprocess
import sys

import keras
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SCRIPT = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np, keras_ae

estimator = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.uniform(size=(16, 8, 8, 1)).astype("float32")
y = np.arange(16) % 3

def build():
    inputs = keras.Input((8, 8, 1))
    feature_map = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inputs)
    rep = keras.layers.Dense(4, activation="sigmoid")(keras.layers.Flatten()(feature_map))
    model = keras_ae.models.DeepInfoMax(
        keras.Model(inputs, [feature_map, rep]), estimator=estimator, critic_units=8,
        critic_dim=5, prior_weight=0.5, probe_classes=3, seed=3)
    # SGD, not Adam: its first step is linear in the gradient, so a wrong
    # gradient scale or a missing cross-replica term shows.
    model.compile(optimizer=keras.optimizers.SGD(0.5),
                  discriminator_optimizer=keras.optimizers.SGD(0.5),
                  probe_optimizer=keras.optimizers.SGD(0.5))
    return model

keras.utils.set_random_seed(0)
single = build()
initial = single.get_weights()
logs_single = single.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = build()
mirrored.set_weights(initial)
logs_mirrored = mirrored.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history

moved, still = 0, []
for a, b in zip(single.weights, mirrored.weights):
    assert a.shape == b.shape, (a.path, b.path)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6, err_msg=a.path)
for a, b, start in zip(single.weights, mirrored.weights, initial):
    if np.allclose(np.asarray(a), start):
        still.append(a.path)
    else:
        moved += 1
# Every network learned. Under InfoNCE the output biases of the
# representation side of each critic (global and local: y_out and
# y_shortcut) get no gradient: they add a constant to a row's scores, which
# softmax ignores. (Float rounding may move them a little, or not at all.)
allowed = ("y_out/bias", "y_shortcut/bias") if estimator == "infonce" else ()
assert all(path.endswith(allowed) for path in still) if allowed else not still, still
for key in ("loss", "local_mi", "global_mi", "discriminator_loss", "probe_loss"):
    # atol: a log near zero (an estimate at chance) differs in float32 rounding only.
    np.testing.assert_allclose(logs_single[key], logs_mirrored[key], rtol=1e-4, atol=1e-5,
                               err_msg=key)
print("OK", moved, len(initial))
"""


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute")
# Donsker-Varadhan is left out: its log-mean-exp over the negatives is taken
# per replica (over the replica's rows against the global batch), and the mean
# of per-replica logs is not the log of the global mean (documented).
@pytest.mark.parametrize("estimator", ["jsd", "infonce"])
def test_one_mirrored_step_equals_one_device(estimator):
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "PYTHONPATH": ROOT,
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, estimator], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-4000:]
