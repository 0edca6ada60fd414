"""The same step on TensorFlow, JAX and PyTorch, and models that move between them.

From the same weights (written once, on TensorFlow) and the same batch, one
`fit` step of every model on every backend gives the same new weights,
optimizer state and logs; random draws are numpy's in every process
(`_cross_backend.py`), so the three compute the same thing. Then a model
saved by one backend loads on another and trains on. Each backend runs in a
process of its own, so this runs once, from the TensorFlow run of the suite.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tiny_models
from conftest import JAX_XLA_FLAGS

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="starts a process per backend; run once")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BACKENDS = ("tensorflow", "jax", "torch")
MOVES = (("tensorflow", "jax"), ("jax", "torch"), ("torch", "tensorflow"))
# float32 on three backends: sums in other orders, other kernels.
RTOL, ATOL = 1e-4, 1e-5


def _run(backend, folder, *modes):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": ROOT,
           "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    if backend == "jax":  # compiles faster (see conftest.py): its step 55 s instead of 80 s
        env["XLA_FLAGS"] = JAX_XLA_FLAGS
    result = subprocess.run([sys.executable, os.path.join(HERE, "_cross_backend.py"), folder,
                             *modes],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0 and "OK" in result.stdout, (
        f"{backend} {modes}:\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("cross_backend"))
    # A process per move, after TensorFlow's: the target's own step (if it
    # has not taken it yet), then the resume of its source's saved models.
    _run("tensorflow", folder, "init", "step")
    stepped = {"tensorflow"}
    for source, target in MOVES:
        _run(target, folder, *([] if target in stepped else ["step"]), f"resume:{source}")
        stepped.add(target)
    assert stepped == set(BACKENDS)
    return folder


def _load(folder, backend, kind):
    with np.load(os.path.join(folder, f"{backend}_{kind}.npz")) as data:
        logs = json.loads(str(data["logs"]))
        arrays = {k: data[k] for k in data.files if k != "logs"}
    return logs, arrays


@pytest.mark.parametrize("kind", sorted(tiny_models.BUILDERS))
def test_one_step_is_the_same_on_every_backend(folder, kind):
    reference_logs, reference = _load(folder, "tensorflow", kind)
    moved = [k for k, v in reference.items()
             if k.startswith("weight/") and not np.array_equal(v, reference["initial/" + k[7:]])]
    assert moved, "the step changed no weight"
    for backend in BACKENDS[1:]:
        logs, arrays = _load(folder, backend, kind)
        assert sorted(logs) == sorted(reference_logs), backend
        for key, value in reference_logs.items():
            np.testing.assert_allclose(logs[key], value, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{backend}: log {key}")
        assert sorted(arrays) == sorted(reference), backend
        for key, value in reference.items():
            np.testing.assert_allclose(arrays[key], value, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{backend}: {key}")


@pytest.mark.parametrize("kind", sorted(tiny_models.BUILDERS))
@pytest.mark.parametrize("source,target", MOVES)
def test_saved_on_one_backend_trains_on_another(folder, kind, source, target):
    with open(os.path.join(folder, f"resume_{source}_{target}_{kind}.json")) as f:
        resumed = json.load(f)
    logs, _ = _load(folder, source, kind)
    assert sorted(resumed["logs"]) == sorted(logs)
    assert all(np.isfinite(v) for v in resumed["logs"].values())
    # One step there, one here: the optimizer's state came along and moved on.
    assert resumed["iterations"] == 2
    assert resumed["optimizer_moved"] > 0
