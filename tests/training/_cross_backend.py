"""One training step of every tiny model on the running backend, for test_cross_backend.py.

    KERAS_BACKEND=... python _cross_backend.py DIR init   # write DIR/<kind>.weights.h5
    KERAS_BACKEND=... python _cross_backend.py DIR step   # DIR/<backend>_<kind>.npz
    KERAS_BACKEND=... python _cross_backend.py DIR resume:SOURCE  # load SOURCE's .keras
                                                                  # files, train on

Several of these in one call run in order, in one process (each in a fresh
Keras session, so layer names do not depend on what ran before).

Random draws are replaced by numpy's, from one seed, in the order the step
makes them, so the step is the same computation on every backend (each
backend's own generator draws other numbers from the same seed).
"""

import json
import os
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tiny_models  # noqa: E402


def _numpy_random():
    rng = np.random.default_rng(1234)

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        shape = tuple(int(s) for s in shape)
        return keras.ops.convert_to_tensor(
            rng.uniform(minval, maxval, size=shape).astype(dtype or "float32"))

    def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        shape = tuple(int(s) for s in shape)
        return keras.ops.convert_to_tensor(
            rng.normal(mean, stddev, size=shape).astype(dtype or "float32"))

    def randint(shape, minval, maxval, dtype="int32", seed=None):
        shape = tuple(int(s) for s in shape)
        return keras.ops.convert_to_tensor(
            rng.integers(int(minval), int(maxval), size=shape).astype(dtype))

    keras.random.uniform, keras.random.normal, keras.random.randint = uniform, normal, randint


def _step_modes():
    # One step, so the numpy draws happen once, in the step's order: eagerly on
    # TensorFlow (tracing takes longer than the step); on JAX while `jax.jit`
    # traces the step (eager JAX compiles each op on its own, which takes twice
    # as long); torch is eager.
    backend = keras.backend.backend()
    return {"jit_compile": backend == "jax", "run_eagerly": backend == "tensorflow"}


def _compile(model, kind):
    # SGD: Adam's first step is lr·sign(g), which turns float noise in a
    # gradient near 0 into a whole step one way or the other.
    model.compile(optimizer=tiny_models.optimizer(kind, 0.1, "sgd"), **_step_modes())


def _fit(model, kind, steps=1):
    x, y = tiny_models.batch(kind)
    data = x if y is None else (x, y)
    history = model.fit(*((data,) if y is None else data), batch_size=tiny_models.BATCH,
                        epochs=steps, shuffle=False, verbose=0)
    return {k: float(v[-1]) for k, v in history.history.items()}


def _weights(model):
    return {v.path: keras.ops.convert_to_numpy(v) for v in model.weights}


def _save(path, model, logs, initial):
    arrays = {f"weight/{k}": v for k, v in _weights(model).items()}
    arrays.update({f"initial/{k}": v for k, v in initial.items()})
    arrays.update({f"optimizer/{i}": keras.ops.convert_to_numpy(v)
                   for i, v in enumerate(model.optimizer.variables)})
    np.savez(path, logs=json.dumps(logs), **arrays)


def main(folder, *modes):
    for mode in modes:
        keras.backend.clear_session()
        mode, _, source = mode.partition(":")
        if mode not in ("init", "step", "resume"):
            raise ValueError(f"Unknown mode {mode!r}")
        for kind in tiny_models.BUILDERS:
            _run(mode, folder, kind, source)
    print("OK")


def _run(mode, folder, kind, source):
    backend = keras.backend.backend()
    if mode == "init":
        keras.utils.set_random_seed(0)
        tiny_models.build(kind).save_weights(os.path.join(folder, f"{kind}.weights.h5"))
    elif mode == "step":
        _numpy_random()
        model = tiny_models.build(kind)
        model.load_weights(os.path.join(folder, f"{kind}.weights.h5"))
        _compile(model, kind)
        initial = _weights(model)
        logs = _fit(model, kind)
        _save(os.path.join(folder, f"{backend}_{kind}.npz"), model, logs, initial)
        model.save(os.path.join(folder, f"{backend}_{kind}.keras"))
    else:  # resume: another backend's saved model, trained on here
        model = keras.saving.load_model(os.path.join(folder, f"{source}_{kind}.keras"))
        # Saved by another backend with that backend's modes: this one's, as in `_compile`.
        for name, value in _step_modes().items():
            setattr(model, name, value)
        before = [keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]
        logs = _fit(model, kind)
        iterations = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        moved = [not np.array_equal(a, keras.ops.convert_to_numpy(b))
                 for a, b in zip(before, model.optimizer.variables)]
        with open(os.path.join(folder, f"resume_{source}_{backend}_{kind}.json"), "w") as f:
            json.dump({"logs": logs, "iterations": iterations,
                       "optimizer_moved": int(sum(moved))}, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
