"""Inference at any size: encode / decode / local_features run in batches, like predict."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tiny_models

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _methods(kind):
    if kind in ("autoencoder", "vqvae", "gumbel", "binary", "onehot"):
        return ("encode", "decode")
    if kind == "deep_info_max":
        return ("encode", "local_features")
    return ("encode",)


# The voice converters take clips of any lengths (tests/models/test_voice_converters.py); the
# summarizer has no encode but summarize(), whose batches tests/models/test_summarizer.py checks.
@pytest.mark.parametrize("kind", sorted(set(tiny_models.BUILDERS)
                                        - set(tiny_models.VOICE_CONVERTERS) - {"summarizer"}))
def test_batches_give_what_one_call_gives(kind):
    keras.utils.set_random_seed(0)
    model = tiny_models.build(kind)
    x = np.concatenate([tiny_models.batch(kind, seed)[0] for seed in range(3)])  # 24 rows
    for method in _methods(kind):
        inputs = x
        if method == "decode":
            inputs = model.encode(x, batch_size=None)
        direct = keras.ops.convert_to_numpy(getattr(model, method)(inputs, batch_size=None))
        batched = getattr(model, method)(inputs, batch_size=5)  # 5 batches, the last of 4
        assert isinstance(batched, np.ndarray)
        np.testing.assert_allclose(batched, direct, rtol=1e-5, atol=1e-6, err_msg=method)
        # The default batch size, and a second call reusing the compiled function.
        np.testing.assert_allclose(getattr(model, method)(inputs), direct, rtol=1e-5, atol=1e-6)


def test_symbolic_inputs_call_the_networks_directly():
    model = tiny_models.build("deep_info_max")
    y = model.encode(keras.Input((8, 8, 1)))
    assert isinstance(y, keras.KerasTensor) and tuple(y.shape) == (None, 4)


def test_bad_batch_size_names_the_argument():
    model = tiny_models.build("autoencoder")
    x, _ = tiny_models.batch("autoencoder")
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            model.encode(x, batch_size=bad)


ON_TENSORFLOW = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the same batching as above, which runs on every backend; real-size once")


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@ON_TENSORFLOW
def test_encodes_all_60000_training_images_in_one_call(data_dir):
    """The shipped DIM preset on every Fashion-MNIST training image at once
    (this crashed the process in conv2d before inputs were batched)."""
    import keras_ae

    x, _ = keras_ae.data.fashion_mnist("train", path=os.path.join(data_dir, "fashion-mnist"))
    assert len(x) == 60_000
    model = keras_ae.models.DeepInfoMax.from_preset("dim_fashion_mnist")
    y = model.encode(x)
    assert y.shape == (60_000, model.representation_dim) and np.all(np.isfinite(y))
    for start in (0, 29_000, 59_000):  # 1,000 at a time, a few places
        np.testing.assert_allclose(y[start:start + 1000], model.encode(x[start:start + 1000]),
                                   rtol=1e-5, atol=1e-6)


MEMORY = """
import resource, numpy as np, keras, keras_ae
model = keras_ae.models.DeepInfoMax.from_preset("dim_fashion_mnist")
x = np.random.default_rng(0).uniform(size=(N, 28, 28, 1)).astype("float32")
model.encode(x[:256])  # compile first
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
y = model.encode(x, batch_size=256)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("GROWTH_MB", (after - before) / 1024)
"""


@ON_TENSORFLOW
def test_memory_is_bounded_by_the_batch_not_the_input():
    """Encoding 10,000 images grows the process by less than 400 MB: batches
    bound it, where one unbatched call holds every image's activations (measured
    on 2 cores: 139 MB in batches of 256, 1,496 MB as one batch of 10,000)."""
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    script = textwrap.dedent(MEMORY).replace("N", "10_000")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    growth = float(result.stdout.split("GROWTH_MB")[1])
    assert growth < 400, f"the process grew by {growth:.0f} MB"
