"""The layers under data parallelism on several logical CPU devices.

Each case runs in a fresh process, since devices must be configured before
the backend starts.
"""

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

TF_MIRRORED = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np, keras_ae
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 6)).astype("float32")
with strategy.scope():
    inputs = keras.Input((6,))
    vq = keras_ae.layers.VectorQuantizer(16, codebook_update="ema", kmeans_init=True,
                                         dead_code_threshold=0.5, seed=0, name="vq")
    model = keras.Model(inputs, keras.layers.Dense(6)(vq(keras.layers.Dense(6)(inputs))))
    model.compile(keras.optimizers.Adam(1e-2), "mse")
history = model.fit(x, x, batch_size=64, epochs=8, verbose=0)
loss = history.history["loss"]
assert loss[-1] < loss[0], loss
for var in (vq.embeddings, vq.cluster_size, vq.embedding_sum, vq.initialized):
    copies = [np.asarray(v) for v in strategy.experimental_local_results(var.value)]
    assert len(copies) == 2
    np.testing.assert_array_equal(copies[0], copies[1], err_msg=var.path)
    assert np.all(np.isfinite(copies[0]))
print("OK", loss[0], loss[-1])
"""

JAX_DATA_PARALLEL = """
import os
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=2")
import keras, numpy as np, jax, keras_ae
assert len(jax.devices()) == 2
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
rng = np.random.default_rng(0)
k, d, decay = 8, 4, 0.9
codebook = rng.normal(size=(k, d)).astype("float32")
x = rng.normal(size=(64, d)).astype("float32")
inputs = keras.Input((d,))
vq = keras_ae.layers.VectorQuantizer(k, codebook_update="ema", decay=decay, kmeans_init=False,
                                     dead_code_threshold=0.0, name="vq")
model = keras.Model(inputs, vq(inputs))
vq.embeddings.assign(codebook)
vq.embedding_sum.assign(codebook)
model.compile("sgd", "mse")
model.fit(x, x, batch_size=64, epochs=1, verbose=0)
# One step on the global batch, as if on one device.
nearest = ((x[:, None] - codebook[None]) ** 2).sum(-1).argmin(-1)
counts = np.bincount(nearest, minlength=k)
np.testing.assert_allclose(np.asarray(vq.cluster_size), decay + (1 - decay) * counts, rtol=1e-5)
print("OK")
"""


def _run(script, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr[-4000:]


def test_vector_quantizer_under_tf_mirrored_strategy():
    _run(TF_MIRRORED, "tensorflow")


def test_vector_quantizer_under_jax_data_parallel():
    pytest.importorskip("jax")
    _run(JAX_DATA_PARALLEL, "jax")
