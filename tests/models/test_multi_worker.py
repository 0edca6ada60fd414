"""Two workers under MultiWorkerMirroredStrategy train as one process on the global batch.

Two `python` processes on 127.0.0.1, configured through `TF_CONFIG` (ports
picked free at run time), train VQVAE (EMA codebook) and CPC (negatives
from the global batch, gathered across the workers) for two steps; a third
process trains the same models with `fit` and no strategy. (The workers
run the models' own `train_step` as `fit` would: Keras 3.15's `fit` fails
under a multi-worker strategy; see `_multi_worker_worker.py`.) Every
weight, trainable or not (the EMA codebook state too), and every logged
value of every step must agree. The three processes run once for both
models; each is killed if it outlives `TIMEOUT` or if another one fails.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORKER = os.path.join(os.path.dirname(__file__), "_multi_worker_worker.py")
TIMEOUT = 300  # seconds, for all three processes

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="tf.distribute")


def _free_ports(count):
    """`count` distinct ports free on 127.0.0.1 (all held until all are picked)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _environment():
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("TF_CONFIG", None)
    # gRPC would send the workers' traffic to 127.0.0.1 through a proxy.
    for key in ("http_proxy", "https_proxy", "all_proxy", "grpc_proxy"):
        env.pop(key, None)
        env.pop(key.upper(), None)
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The folder of the three processes' .npz files."""
    out = tmp_path_factory.mktemp("multi_worker")
    ports = [str(port) for port in _free_ports(2)]
    roles = {"reference": [], "worker0": ["0", *ports], "worker1": ["1", *ports]}
    env = _environment()
    processes, logs = {}, {}
    try:
        for role, args in roles.items():
            logs[role] = open(out / f"{role}.log", "w")
            processes[role] = subprocess.Popen(
                [sys.executable, WORKER, str(out), *args], cwd=ROOT, env=env,
                stdout=logs[role], stderr=subprocess.STDOUT)
        deadline = time.monotonic() + TIMEOUT
        # A worker whose peer died waits for it until its own timeout: stop
        # at the first failure.
        while any(p.poll() is None for p in processes.values()):
            failed = any(p.poll() not in (None, 0) for p in processes.values())
            if failed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            process.wait()
        for log in logs.values():
            log.close()
    report = []
    for role, process in processes.items():
        text = (out / f"{role}.log").read_text()
        if process.returncode != 0 or f"OK {role}" not in text:
            status = ("killed by the test" if process.returncode == -signal.SIGKILL
                      else f"exit code {process.returncode}")
            report.append(f"--- {role}: {status} ---\n{text[-4000:]}")
    if report:
        pytest.fail(f"A training process failed, or they outlived {TIMEOUT} s:\n"
                    + "\n".join(report))
    return out


def _mismatch(expected, actual, rtol, atol):
    """None if `actual` is close to `expected`, else what differs."""
    expected, actual = np.asarray(expected), np.asarray(actual)
    if expected.shape != actual.shape:
        return f"shape {actual.shape} instead of {expected.shape}"
    close = np.isclose(actual, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    worst = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape)
    return (f"{int((~close).sum())} of {close.size} values differ; the most at "
            f"{tuple(int(i) for i in worst)}: {float(actual[worst]):.6g} instead of "
            f"{float(expected[worst]):.6g}")


@pytest.mark.parametrize("model", ["cpc", "vqvae"])
def test_two_workers_train_as_one_process(runs, model):
    reference, chief, other = (np.load(runs / f"{role}_{model}.npz")
                               for role in ("reference", "worker0", "worker1"))
    paths = list(reference["paths"])
    assert list(chief["paths"]) == paths == list(other["paths"])
    problems = []
    for i, path in enumerate(paths):
        start, end = reference[f"initial_{i}"], reference[f"final_{i}"]
        # The same start: every process built the model from seed 0.
        for role, run in (("worker0", chief), ("worker1", other)):
            if not np.array_equal(run[f"initial_{i}"], start):
                problems.append(f"{path}: {role} started from other values")
        # Else the comparison below would show nothing.
        if np.allclose(end, start):
            problems.append(f"{path}: did not move in the reference run")
        # The workers' copies stay equal: every update is all-reduced.
        difference = _mismatch(chief[f"final_{i}"], other[f"final_{i}"], 0, 0)
        if difference:
            problems.append(f"{path}: worker1's copy against worker0's: {difference}")
        difference = _mismatch(end, chief[f"final_{i}"], rtol=1e-4, atol=1e-6)
        if difference:
            problems.append(f"{path}: worker0 against the reference: {difference}")
    keys = sorted(key for key in reference.files if key.startswith("log_"))
    assert keys == sorted(key for key in chief.files if key.startswith("log_")), chief.files
    for key in keys:
        assert reference[key].shape == (2,), (key, reference[key])  # one value per step
        # atol: a log near zero (an estimate at chance) differs in float32 rounding only.
        difference = _mismatch(reference[key], chief[key], rtol=1e-4, atol=1e-5)
        if difference:
            problems.append(f"{key[len('log_'):]} (per step): {difference}")
    assert not problems, f"{model}, two workers against one process:\n" + "\n".join(problems)
