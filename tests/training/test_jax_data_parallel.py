"""`keras.distribution.DataParallel` on JAX over 2 CPU devices: one step equals one device.

The jitted step sees the global batch (sharded over the devices), so the
contrastive models draw their negatives from all of it; the result must be
the step one device takes on the same batch. Runs in a process of its own
(`XLA_FLAGS` must be set before JAX starts).
"""

import os
import subprocess
import sys
import textwrap

import keras
import pytest

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX distribution")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import os, sys
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=2")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import jax, keras, numpy as np
import tiny_models
assert len(jax.devices()) == 2

def step(kind, weights):
    keras.utils.set_random_seed(0)
    model = tiny_models.build(kind)
    if weights is None:
        weights = model.get_weights()
    model.set_weights(weights)
    model.compile(optimizer=tiny_models.optimizer(kind, 0.1, "sgd"))
    x, y = tiny_models.batch(kind)
    history = model.fit(x, y, batch_size=tiny_models.BATCH, epochs=1, shuffle=False, verbose=0)
    return weights, model.get_weights(), {k: v[0] for k, v in history.history.items()}

one = {kind: step(kind, None) for kind in KINDS}
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
for kind in KINDS:
    initial, expected, logs = one[kind]
    _, got, got_logs = step(kind, initial)
    moved = [not np.array_equal(a, b) for a, b in zip(initial, expected)]
    assert any(moved), kind
    for i, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=f"{kind} weight {i}")
    for key, value in logs.items():
        np.testing.assert_allclose(got_logs[key], value, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{kind} {key}")
    print("SAME", kind)
print("OK")
"""


def test_two_devices_take_the_step_one_device_takes():
    kinds = ["deep_info_max", "cpc", "quick_thought", "vqvae"]
    script = textwrap.dedent(SCRIPT).replace("ROOT", repr(ROOT)).replace("KINDS", repr(kinds))
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, (
        result.stdout[-3000:] + result.stderr[-5000:])
    assert result.stdout.count("SAME") == len(kinds)
