"""Shared test utilities. The only backend-specific code in the tests."""

import os

import numpy as np
import pytest

# On JAX, XLA without LLVM's optimisations: the tests' tiny models spend most of their
# time compiling, not running (the JAX part of the suite: 520 s at the default level, 360 s
# at 0). Not on TensorFlow, whose XLA-compiled real-data tests then run slower. Set before
# Keras imports JAX; subprocesses the tests start inherit it.
JAX_XLA_FLAGS = "--xla_backend_optimization_level=0"
if os.environ.get("KERAS_BACKEND") == "jax" and JAX_XLA_FLAGS not in os.environ.get(
        "XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + JAX_XLA_FLAGS).strip()

import keras  # noqa: E402

DATA_DIR = os.environ.get(
    "KERAS_AE_DATA",
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"),
)


def input_gradient(fn, x, upstream=None):
    """Gradient of `sum(fn(x) * upstream)` with respect to `x`, as numpy.

    `upstream` defaults to ones. Uses the running backend's autodiff.
    """
    x = np.asarray(x, "float32")
    y_shape = np.shape(keras.ops.convert_to_numpy(fn(x)))
    w = np.ones(y_shape, "float32") if upstream is None else np.asarray(upstream, "float32")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        xt = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.reduce_sum(tf.cast(fn(xt), "float32") * w)
        return tape.gradient(y, xt).numpy()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        return np.asarray(
            jax.grad(lambda v: jnp.sum(jnp.asarray(fn(v), "float32") * w))(jnp.asarray(x))
        )
    if backend == "torch":
        import torch

        xt = torch.tensor(x, requires_grad=True)
        (fn(xt).float() * torch.tensor(w)).sum().backward()
        return xt.grad.numpy()
    raise NotImplementedError(backend)


@pytest.fixture
def data_dir():
    """The real data sets: $KERAS_AE_DATA, else ../shared/data beside the repo."""
    if not os.path.isdir(DATA_DIR):
        pytest.fail(f"The test data folder {DATA_DIR} is missing; set KERAS_AE_DATA.")
    return os.path.abspath(DATA_DIR)


@pytest.fixture
def grad():
    return input_gradient


def backend_is(name):
    return keras.backend.backend() == name
