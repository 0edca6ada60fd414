import os
import tempfile

import keras
import numpy as np
import pytest
from keras import ops

import keras_ae
from keras_ae.layers import VectorQuantizer
from keras_ae.testing import run_layer_test

OPTIONS = [
    {},
    {"codebook_update": "ema"},
    {"codebook_update": "ema", "dead_code_threshold": 0.5, "kmeans_init": True},
    {"dead_code_threshold": 0.5, "kmeans_init": True, "distance": "cosine"},
]


@pytest.mark.parametrize("options", OPTIONS,
                         ids=lambda o: "-".join(map(str, o.values())) or "default")
def test_layer_checks(options):
    run_layer_test(
        VectorQuantizer,
        {"num_embeddings": 8, "seed": 0, **options},
        input_shape=(4, 3, 3, 6),
        expected_output_shape=(4, 3, 3, 6),
        expected_num_trainable_weights=0 if options.get("codebook_update") == "ema" else 1,
        expected_num_losses=1,
    )


def _layer(codebook, **kwargs):
    layer = VectorQuantizer(num_embeddings=codebook.shape[0], seed=0, **kwargs)
    layer.build((None, codebook.shape[1]))
    layer.embeddings.assign(codebook)
    if kwargs.get("codebook_update") == "ema":
        layer.embedding_sum.assign(codebook)
    return layer


def _brute_force(x, codebook):
    d = ((x[:, None, :] - codebook[None, :, :]) ** 2).sum(-1)
    return d.argmin(-1)


def test_nearest_code_matches_brute_force():
    rng = np.random.default_rng(0)
    codebook = rng.normal(size=(32, 5)).astype("float32")
    x = rng.normal(size=(200, 5)).astype("float32")
    layer = _layer(codebook)
    indices = ops.convert_to_numpy(layer.encode(x))
    np.testing.assert_array_equal(indices, _brute_force(x, codebook))
    quantized = ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(quantized, codebook[indices], rtol=0, atol=0)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.decode(indices)), quantized)


def test_distances_match_brute_force_at_any_rank():
    rng = np.random.default_rng(1)
    codebook = rng.normal(size=(8, 3)).astype("float32")
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    distances = ops.convert_to_numpy(_layer(codebook).distances(x))
    brute = ((x[..., None, :] - codebook) ** 2).sum(-1)
    assert distances.shape == (2, 5, 8)
    np.testing.assert_allclose(distances, brute, rtol=1e-5, atol=1e-5)


def test_any_rank_and_return_dict():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 5, 6)).astype("float32")
    layer = VectorQuantizer(16, return_dict=True, seed=0)
    out = layer(x, training=True)
    assert set(out) == {"quantized", "indices", "perplexity", "usage"}
    assert tuple(out["quantized"].shape) == x.shape
    assert tuple(out["indices"].shape) == x.shape[:-1]
    assert keras.backend.standardize_dtype(out["indices"].dtype) == "int32"
    perplexity = float(ops.convert_to_numpy(out["perplexity"]))
    usage = float(ops.convert_to_numpy(out["usage"]))
    counts = np.bincount(ops.convert_to_numpy(out["indices"]).ravel(), minlength=16)
    p = counts / counts.sum()
    expected = np.exp(-(p[p > 0] * np.log(p[p > 0])).sum())
    assert perplexity == pytest.approx(expected, rel=1e-4)
    assert usage == pytest.approx((counts > 0).mean())


def test_straight_through_gradient_is_identity(grad):
    rng = np.random.default_rng(2)
    layer = _layer(rng.normal(size=(8, 4)).astype("float32"))
    x = rng.normal(size=(10, 4)).astype("float32")
    w = rng.normal(size=(10, 4)).astype("float32")
    np.testing.assert_allclose(grad(lambda v: layer(v), x, w), w, atol=1e-6)


@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_losses(update):
    rng = np.random.default_rng(3)
    codebook = rng.normal(size=(8, 4)).astype("float32")
    x = rng.normal(size=(10, 4)).astype("float32")
    layer = _layer(codebook, commitment_cost=0.3, codebook_update=update)
    layer(x, training=False)
    q = codebook[_brute_force(x, codebook)]
    mse = ((x - q) ** 2).mean()
    expected = 0.3 * mse + (mse if update == "gradient" else 0.0)
    assert float(ops.convert_to_numpy(layer.losses[0])) == pytest.approx(expected, rel=1e-5)


def test_ema_update_matches_hand_computation():
    rng = np.random.default_rng(4)
    k, d, decay, eps = 6, 3, 0.9, 1e-3
    codebook = rng.normal(size=(k, d)).astype("float32")
    x = rng.normal(size=(40, d)).astype("float32")
    layer = _layer(codebook, codebook_update="ema", decay=decay, epsilon=eps)
    layer(x, training=True)

    onehot = np.eye(k)[_brute_force(x, codebook)]
    cluster = 1.0 * decay + (1 - decay) * onehot.sum(0)
    emb_sum = codebook * decay + (1 - decay) * onehot.T @ x
    n = cluster.sum()
    smoothed = (cluster + eps) / (n + k * eps) * n
    np.testing.assert_allclose(ops.convert_to_numpy(layer.cluster_size), cluster, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer.embedding_sum), emb_sum, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer.embeddings), emb_sum / smoothed[:, None], rtol=1e-5, atol=1e-6
    )
    # Inference leaves the state alone.
    before = ops.convert_to_numpy(layer.embeddings).copy()
    layer(x, training=False)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.embeddings), before)


@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_dead_code_is_restarted(update):
    rng = np.random.default_rng(5)
    codebook = rng.normal(size=(4, 3)).astype("float32")
    codebook[3] = 50.0  # never the nearest code
    x = rng.normal(size=(64, 3)).astype("float32")
    layer = _layer(codebook, codebook_update=update, decay=0.5, dead_code_threshold=0.7)
    layer(x, training=True)  # usage of code 3: 0.5 * 1 + 0.5 * 0 = 0.5 < 0.7
    new = ops.convert_to_numpy(layer.codebook)
    assert np.min(np.abs(x - new[3]).sum(-1)) < 1e-4, "code 3 was not restarted from an input"
    assert ops.convert_to_numpy(layer.cluster_size)[3] == pytest.approx(0.7)
    if update == "ema":
        np.testing.assert_allclose(
            ops.convert_to_numpy(layer.embedding_sum)[3], new[3] * 0.7, rtol=1e-5
        )


@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_kmeans_init_once_and_kept_in_saved_state(update):
    rng = np.random.default_rng(6)
    centres = np.array([[5, 5], [-5, 5], [5, -5], [-5, -5]], "float32")
    x = (centres[rng.integers(0, 4, 400)] + 0.1 * rng.normal(size=(400, 2))).astype("float32")
    layer = VectorQuantizer(4, codebook_update=update, kmeans_init=True, kmeans_iters=20,
                            decay=0.0, seed=3)
    layer(x[:5], training=False)  # builds; inference never initialises
    assert float(ops.convert_to_numpy(layer.initialized)) == 0.0
    layer(x, training=True)
    assert float(ops.convert_to_numpy(layer.initialized)) == 1.0
    learned = ops.convert_to_numpy(layer.codebook)
    # Lloyd's fixed point: every used code is the mean of its vectors, and
    # the k-means objective is far below that of the random initial codebook.
    assign = _brute_force(x, learned)
    for k in np.unique(assign):
        np.testing.assert_allclose(learned[k], x[assign == k].mean(0), atol=1e-4)
    inertia = ((x - learned[assign]) ** 2).sum(-1).mean()
    initial = VectorQuantizer(4, seed=3)
    initial.build((None, 2))
    start = ops.convert_to_numpy(initial.codebook)
    assert inertia < 0.5 * ((x - start[_brute_force(x, start)]) ** 2).sum(-1).mean()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vq.weights.h5")
        model = keras.Sequential([keras.Input((2,)), layer])
        model.save_weights(path)
        fresh = VectorQuantizer(4, codebook_update=update, kmeans_init=True, seed=99)
        fresh_model = keras.Sequential([keras.Input((2,)), fresh])
        fresh_model.load_weights(path)
    before = ops.convert_to_numpy(fresh.codebook).copy()
    np.testing.assert_allclose(before, learned, atol=1e-6)
    if update == "gradient":
        fresh(x[::-1] * 3.0, training=True)  # would move every code if k-means ran again
        np.testing.assert_allclose(ops.convert_to_numpy(fresh.codebook), before, atol=1e-6)


def test_cosine_distance_uses_directions():
    codebook = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    layer = _layer(codebook, distance="cosine")
    x = np.array([[10.0, 1.0], [0.1, 3.0]], "float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.encode(x)), [0, 1])


def test_non_finite_input_in_training_raises_and_keeps_codebook():
    rng = np.random.default_rng(7)
    codebook = rng.normal(size=(4, 3)).astype("float32")
    layer = _layer(codebook, codebook_update="ema")
    x = rng.normal(size=(8, 3)).astype("float32")
    x[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        layer(x, training=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.embeddings), codebook)


def test_non_finite_input_stops_fit():
    rng = np.random.default_rng(8)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3),
                              VectorQuantizer(4, codebook_update="ema", seed=0)])
    model.compile("sgd", "mse")
    x = rng.normal(size=(16, 3)).astype("float32")
    x[5] = np.inf
    vq = model.layers[-1]
    before = ops.convert_to_numpy(vq.embeddings).copy()
    with pytest.raises(Exception, match="NaN or Inf"):
        model.fit(x, x, batch_size=16, epochs=1, verbose=0)
    if keras.backend.backend() != "jax":
        # (Keras' JAX trainer keeps the state of a running fit outside the
        # variables and drops it when a step raises, whatever the cause.)
        np.testing.assert_array_equal(ops.convert_to_numpy(vq.embeddings), before)


@pytest.mark.skipif(keras.backend.backend() == "jax",
                    reason="JAX's stateless fit cannot update layer metrics")
def test_perplexity_and_usage_in_fit_logs():
    rng = np.random.default_rng(9)
    inputs = keras.Input((4, 4, 2))
    vq = VectorQuantizer(8, codebook_update="ema", seed=0, name="vq")
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1)(vq(keras.layers.Conv2D(2, 1)(inputs))))
    model.compile("adam", "mse")
    x = rng.normal(size=(32, 4, 4, 2)).astype("float32")
    history = model.fit(x, x, batch_size=8, epochs=1, verbose=0)
    assert 1.0 <= history.history["vq_perplexity"][0] <= 8.0
    assert 0.0 < history.history["vq_usage"][0] <= 1.0


def test_mixed_precision_large_inputs_stay_finite():
    x = np.full((4, 8), 200.0, "float32")  # |x|² = 320000 overflows float16
    layer = VectorQuantizer(4, dtype="mixed_float16", seed=0)
    out = layer(x, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert np.all(np.isfinite(ops.convert_to_numpy(ops.cast(out, "float32"))))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_embeddings": 0}, "num_embeddings=0"),
        ({"num_embeddings": 4, "embedding_dim": -1}, "embedding_dim=-1"),
        ({"num_embeddings": 4, "commitment_cost": -0.1}, "commitment_cost=-0.1"),
        ({"num_embeddings": 4, "codebook_update": "adam"}, "codebook_update='adam'"),
        ({"num_embeddings": 4, "decay": 1.0}, "decay=1.0"),
        ({"num_embeddings": 4, "epsilon": 0.0}, "epsilon=0.0"),
        ({"num_embeddings": 4, "distance": "l1"}, "distance='l1'"),
        ({"num_embeddings": 4, "kmeans_iters": 0}, "kmeans_iters=0"),
        ({"num_embeddings": 4, "dead_code_threshold": float("nan")}, "dead_code_threshold=nan"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VectorQuantizer(**kwargs)


def test_bad_shapes():
    with pytest.raises(ValueError, match="rank >= 2"):
        VectorQuantizer(4)(np.zeros((3,), "float32"))
    with pytest.raises(ValueError, match="embedding_dim=5"):
        VectorQuantizer(4, embedding_dim=5)(np.zeros((2, 3), "float32"))
    layer = VectorQuantizer(4)
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="indices.dtype"):
        layer.decode(np.zeros((2,), "float32"))


def test_public_path():
    assert keras_ae.layers.VectorQuantizer is VectorQuantizer


@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_mask_leaves_padding_out_of_losses_and_state(update):
    rng = np.random.default_rng(8)
    codebook = rng.normal(size=(6, 3)).astype("float32")
    real = rng.normal(size=(2, 5, 3)).astype("float32")
    padded = np.concatenate([real, np.full((2, 3, 3), 7.0, "float32")], axis=1)
    mask = np.concatenate([np.ones((2, 5), bool), np.zeros((2, 3), bool)], axis=1)
    alone = _layer(codebook, codebook_update=update, decay=0.8, return_dict=True)
    masked = _layer(codebook, codebook_update=update, decay=0.8, return_dict=True)
    expected = alone.quantize_with_loss(real, training=True)
    got = masked.quantize_with_loss(padded, training=True, mask=mask)
    for key in ("loss", "perplexity", "usage"):
        assert float(got[key]) == pytest.approx(float(expected[key]), rel=1e-5), key
    np.testing.assert_array_equal(ops.convert_to_numpy(got["indices"])[:, :5],
                                  ops.convert_to_numpy(expected["indices"]))
    for a, b in zip(alone.non_trainable_weights, masked.non_trainable_weights):
        np.testing.assert_allclose(ops.convert_to_numpy(b), ops.convert_to_numpy(a), rtol=1e-5,
                                   atol=1e-6, err_msg=a.path)


@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_mask_keeps_padding_out_of_restarts_and_kmeans(update):
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.normal(size=(1, 40, 2)), np.full((1, 40, 2), 100.0)],
                       axis=1).astype("float32")
    mask = np.arange(80)[None] < 40
    layer = VectorQuantizer(4, kmeans_init=True, dead_code_threshold=0.5, decay=0.5,
                            codebook_update=update, seed=0)
    layer(x, training=True, mask=mask)
    codes = ops.convert_to_numpy(layer.codebook)
    assert np.all(np.abs(codes) < 10), f"a code came from the padding: {codes}"


def test_keras_mask_passes_through():
    inputs = keras.Input((None, 3))
    hidden = keras.layers.Masking(0.0)(inputs)
    outputs = VectorQuantizer(4, seed=0)(hidden)
    model = keras.Model(inputs, outputs)
    x = np.ones((1, 4, 3), "float32")
    x[0, 2:] = 0.0
    model(x)
    assert outputs._keras_mask is not None
