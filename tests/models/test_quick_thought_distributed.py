"""QuickThought under tf.distribute: two steps on two replicas equal two on one device.

Each replica scores its sentences against the `g` embeddings of the whole
global batch, gathered across replicas, and finds their neighbours across the
replicas' boundary. Runs in a fresh process, since logical devices must be
configured before TensorFlow starts.
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

context_size = int(sys.argv[1])
ids = np.random.default_rng(0).integers(1, 30, size=(16, 6))

def build():
    inputs = keras.Input((6,), dtype="int32")
    h = keras.layers.Embedding(30, 8, mask_zero=True)(inputs)
    f = keras.Model(inputs, keras.layers.Dense(5)(keras.layers.GlobalAveragePooling1D()(h)))
    model = keras_ae.models.QuickThought(f, context_size=context_size)
    # SGD: its step is linear in the gradient, so a wrong scale or a missing
    # cross-replica term shows.
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    return model

keras.utils.set_random_seed(0)
single = build()
initial = single.get_weights()
logs_single = single.fit(ids, batch_size=8, epochs=2, shuffle=False, verbose=0).history

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = build()
mirrored.set_weights(initial)
logs_mirrored = mirrored.fit(ids, batch_size=8, epochs=2, shuffle=False, verbose=0).history

for a, b, start in zip(single.weights, mirrored.weights, initial):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6, err_msg=a.path)
moved = sum(not np.allclose(np.asarray(a), s) for a, s in zip(single.weights, initial))
# All but g's output bias, which adds f(s_i)·b to a whole row of scores and so
# gets no gradient through the softmax.
assert moved == len(initial) - 1, (moved, len(initial))
for key in logs_single:
    np.testing.assert_allclose(logs_single[key], logs_mirrored[key], rtol=1e-4, atol=1e-5,
                               err_msg=key)
print("OK", moved, len(initial), logs_single["loss"])
"""


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute")
@pytest.mark.parametrize("context_size", [1, 2])
def test_one_mirrored_step_equals_one_device(context_size):
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "PYTHONPATH": ROOT,
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(context_size)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-4000:]
