import os

import keras
import numpy as np
import pytest
import tiny_models
from keras import ops

import keras_ae
from keras_ae.layers import BinaryStraightThrough
from keras_ae.layers import GumbelSoftmax
from keras_ae.layers import OneHotStraightThrough
from keras_ae.layers import VectorQuantizer
from keras_ae.models import VQVAE
from keras_ae.models import AutoEncoder
from keras_ae.models import DiscreteAutoEncoder


def _coder(in_shape, out_units, out_shape):
    return keras.Sequential([keras.Input(in_shape), keras.layers.Flatten(),
                             keras.layers.Dense(int(np.prod(out_shape))),
                             keras.layers.Reshape(out_shape)])


def _x(n=32, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, 6, 6, 1)).astype("float32")


def _models():
    return {
        "autoencoder": lambda: AutoEncoder(_coder((6, 6, 1), 0, (3, 3, 4)),
                                           _coder((3, 3, 4), 0, (6, 6, 1))),
        "vqvae": lambda: VQVAE(_coder((6, 6, 1), 0, (3, 3, 4)), _coder((3, 3, 4), 0, (6, 6, 1)),
                               VectorQuantizer(16, codebook_update="ema", seed=0, name="vq")),
        "gumbel": lambda: DiscreteAutoEncoder(
            _coder((6, 6, 1), 0, (3, 3, 8)), _coder((3, 3, 8), 0, (6, 6, 1)),
            GumbelSoftmax(hard=True, seed=0), kl_weight=0.1, anneal_rate=0.01),
        "onehot": lambda: DiscreteAutoEncoder(_coder((6, 6, 1), 0, (3, 3, 8)),
                                              _coder((3, 3, 8), 0, (6, 6, 1)),
                                              OneHotStraightThrough()),
        "binary": lambda: DiscreteAutoEncoder(_coder((6, 6, 1), 0, (3, 3, 8)),
                                              _coder((3, 3, 8), 0, (6, 6, 1)),
                                              BinaryStraightThrough(), kl_weight=0.01),
    }


EXPECTED_LOGS = {
    "autoencoder": {"loss", "reconstruction_loss"},
    "vqvae": {"loss", "reconstruction_loss", "vq_loss", "vq_perplexity", "vq_usage"},
    "gumbel": {"loss", "reconstruction_loss", "kl_loss", "temperature"},
    "onehot": {"loss", "reconstruction_loss"},
    "binary": {"loss", "reconstruction_loss", "kl_loss"},
}


@pytest.mark.parametrize("kind", sorted(_models()))
def test_fit_logs_and_loss_falls(kind):
    keras.utils.set_random_seed(0)
    model = _models()[kind]()
    model.compile(keras.optimizers.Adam(1e-2))
    history = model.fit(_x(), epochs=8, batch_size=16, verbose=0)
    assert set(history.history) == EXPECTED_LOGS[kind]
    loss = history.history["reconstruction_loss"]
    assert loss[-1] < loss[0], loss
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    if kind == "vqvae":
        assert 1.0 <= history.history["vq_perplexity"][-1] <= 16.0
        assert 0.0 < history.history["vq_usage"][-1] <= 1.0


@pytest.mark.parametrize("kind", sorted(_models()))
def test_keras_save_and_load(kind, tmp_path):
    model = _models()[kind]()
    model.compile(keras.optimizers.Adam(1e-2), run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(_x(), epochs=1, batch_size=16, verbose=0)
    expected = ops.convert_to_numpy(model(_x(4, 1)))
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    revived = keras.saving.load_model(path)
    assert type(revived) is type(model)
    np.testing.assert_allclose(ops.convert_to_numpy(revived(_x(4, 1))), expected, atol=1e-6)


def test_reconstruction_loss_matches_numpy():
    model = _models()["autoencoder"]()
    x = _x(8)
    y_pred = ops.convert_to_numpy(model(x))
    loss = model.reconstruction_error(x, y_pred)
    assert float(ops.convert_to_numpy(loss)) == pytest.approx(((y_pred - x) ** 2).mean(), rel=1e-5)
    bce = AutoEncoder(model.encoder, model.decoder, reconstruction_loss="binary_crossentropy")
    p = np.clip(1 / (1 + np.exp(-y_pred)), 1e-6, 1 - 1e-6)
    loss = bce.reconstruction_error(x, p)
    ref = -(x * np.log(p) + (1 - x) * np.log(1 - p)).mean()
    assert float(ops.convert_to_numpy(loss)) == pytest.approx(ref, rel=1e-3)


def test_vqvae_indices_round_trip():
    model = _models()["vqvae"]()
    x = _x(4)
    indices = model.encode(x)
    assert tuple(indices.shape) == (4, 3, 3)
    assert keras.backend.standardize_dtype(indices.dtype) == "int32"
    np.testing.assert_allclose(ops.convert_to_numpy(model.decode(indices)),
                               ops.convert_to_numpy(model(x)), atol=1e-6)


@pytest.mark.parametrize("kind", ["gumbel", "onehot", "binary"])
def test_inference_codes_are_exactly_discrete(kind):
    model = _models()[kind]()
    codes = ops.convert_to_numpy(model.encode(_x(4)))
    assert set(np.unique(codes)) <= {0.0, 1.0}
    if kind != "binary":
        np.testing.assert_array_equal(codes.sum(-1), 1.0)


def test_gumbel_temperature_anneals_from_the_saved_step(tmp_path):
    model = _models()["gumbel"]()
    model.compile(keras.optimizers.Adam(1e-2), run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(_x(), epochs=2, batch_size=16, verbose=0)  # 4 steps
    # Step i (from 0) trains with τ0·exp(−r·i); the layer keeps the last step's τ.
    tau = float(ops.convert_to_numpy(model.bottleneck_layer.temperature))
    assert tau == pytest.approx(max(0.5, np.exp(-0.01 * 3)), rel=1e-6)
    path = os.path.join(tmp_path, "m.weights.h5")
    model.save_weights(path)
    fresh = _models()["gumbel"]()
    fresh(_x(2))
    fresh.load_weights(path)
    assert float(ops.convert_to_numpy(fresh.step)) == 4.0
    fresh.compile(keras.optimizers.Adam(1e-2), run_eagerly=tiny_models.RUN_EAGERLY)
    fresh.fit(_x(), epochs=1, batch_size=16, verbose=0)  # steps 4 and 5
    tau = float(ops.convert_to_numpy(fresh.bottleneck_layer.temperature))
    assert tau == pytest.approx(np.exp(-0.01 * 5), rel=1e-6)


def test_kl_to_uniform_matches_numpy():
    model = _models()["gumbel"]()
    logits = np.random.default_rng(0).normal(size=(2, 3, 3, 8)).astype("float32")
    q = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    ref = (q * (np.log(q) + np.log(8))).sum(-1).mean()
    assert float(ops.convert_to_numpy(model._kl_to_uniform(logits))) == pytest.approx(ref, rel=1e-5)
    binary = _models()["binary"]()
    p = 1 / (1 + np.exp(-logits))
    ref = (p * np.log(2 * p) + (1 - p) * np.log(2 * (1 - p))).mean()
    assert float(ops.convert_to_numpy(binary._kl_to_uniform(logits))) == pytest.approx(
        ref, rel=1e-4)


def test_bad_arguments():
    enc = _coder((6, 6, 1), 0, (3, 3, 4))
    dec = _coder((3, 3, 4), 0, (6, 6, 1))
    with pytest.raises(ValueError, match="encoder="):
        AutoEncoder("not a model", dec)
    with pytest.raises(ValueError, match="reconstruction_loss='l1'"):
        AutoEncoder(enc, dec, reconstruction_loss="l1")
    with pytest.raises(ValueError, match="quantizer="):
        VQVAE(enc, dec, keras.layers.Dense(3))
    with pytest.raises(ValueError, match="return_dict=True"):
        VQVAE(enc, dec, VectorQuantizer(4, return_dict=True))
    with pytest.raises(ValueError, match="bottleneck="):
        DiscreteAutoEncoder(enc, dec, keras.layers.Dense(3))
    with pytest.raises(ValueError, match="kl_weight=-1"):
        DiscreteAutoEncoder(enc, dec, GumbelSoftmax(), kl_weight=-1)
    with pytest.raises(ValueError, match="needs a GumbelSoftmax"):
        DiscreteAutoEncoder(enc, dec, BinaryStraightThrough(), anneal_rate=0.1)


def test_decoder_of_the_wrong_shape_is_a_clear_error():
    model = AutoEncoder(_coder((6, 6, 1), 0, (3, 3, 4)), _coder((3, 3, 4), 0, (5, 5, 1)))
    model.compile("adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(ValueError, match="differ in shape"):
        model.fit(_x(), epochs=1, verbose=0)


def test_public_paths():
    assert keras_ae.models.VQVAE is VQVAE
