"""CPC under tf.distribute: one step on two replicas is one step on one device.

The negatives are drawn from the global batch, gathered across replicas, so
the two runs score the same negatives. Runs in a fresh process, since logical
devices must be configured before TensorFlow starts.
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

mode = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.normal(size=(8, 64)).astype("float32")
groups = np.array([0, 1, 0, 1, 1, 0, 0, 1])

def build():
    encoder = keras.Sequential([
        keras.Input((64,)), keras.layers.Reshape((16, 4)),
        keras.layers.Dense(6, activation="tanh")])
    model = keras_ae.models.CPC(encoder, prediction_steps=3, negatives=mode, num_negatives=5,
                                context_units=4, seed=3)
    # SGD, not Adam: its first step is linear in the gradient, so a wrong
    # gradient scale or a missing cross-replica term shows.
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    return model

keras.utils.set_random_seed(0)
single = build()
initial = single.get_weights()
logs_single = single.fit(x, groups, batch_size=8, epochs=2, shuffle=False, verbose=0).history

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = build()
mirrored.set_weights(initial)
logs_mirrored = mirrored.fit(x, groups, batch_size=8, epochs=2, shuffle=False,
                             verbose=0).history

for a, b, start in zip(single.weights, mirrored.weights, initial):
    assert a.shape == b.shape, (a.path, b.path)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6,
                               err_msg=a.path)
moved = sum(not np.allclose(np.asarray(a), s) for a, s in zip(single.weights, initial))
assert moved == len(initial), (moved, len(initial))
for key in logs_single:
    # atol: a log near zero (an estimate at chance) differs in float32 rounding only.
    np.testing.assert_allclose(logs_single[key], logs_mirrored[key], rtol=1e-4, atol=1e-5,
                               err_msg=key)
print("OK", moved, len(initial), logs_single["loss"])
"""


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute")
@pytest.mark.parametrize("mode", ["batch", "same_sequence", "same_group"])
def test_one_mirrored_step_equals_one_device(mode):
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "PYTHONPATH": ROOT,
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-4000:]
