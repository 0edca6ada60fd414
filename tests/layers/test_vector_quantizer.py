import os
import tempfile

import keras
import numpy as np
import pytest
from keras import ops

import keras_ae
from keras_ae.data import fashion_mnist
from keras_ae.layers import VectorQuantizer
from keras_ae.testing import run_layer_test

# The VQ-VAE paper's settings (the layer's defaults before they became the robust ones).
PAPER = {"codebook_update": "gradient", "kmeans_init": False, "dead_code_threshold": 0.0}
OPTIONS = [
    {},
    PAPER,
    {"codebook_update": "ema", "kmeans_init": False, "dead_code_threshold": 0.0},
    {"codebook_update": "gradient", "dead_code_threshold": 0.5, "kmeans_init": True,
     "distance": "cosine"},
]


@pytest.mark.parametrize("options", OPTIONS,
                         ids=lambda o: "-".join(map(str, o.values())) or "default")
def test_layer_checks(options):
    run_layer_test(
        VectorQuantizer,
        {"num_embeddings": 8, "seed": 0, **options},
        input_shape=(4, 3, 3, 6),
        expected_output_shape=(4, 3, 3, 6),
        expected_num_trainable_weights=1 if options.get("codebook_update") == "gradient" else 0,
        expected_num_losses=1,
    )


def _layer(codebook, **kwargs):
    """A layer holding `codebook`, with the paper's settings unless `kwargs` say otherwise."""
    kwargs = {**PAPER, **kwargs}
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


def _reference_step(x, codebook, update, beta, decay, eps, weights=None):
    """One training step of the layer, the plain way: numpy, float64, (N, K) one-hot matrices."""
    k, d = codebook.shape
    flat = x.reshape(-1, d).astype("float64")
    codebook = codebook.astype("float64")
    w = np.ones(len(flat)) if weights is None else weights.reshape(-1).astype("float64")
    indices = ((flat[:, None] - codebook[None]) ** 2).sum(-1).argmin(-1)
    onehot = np.eye(k)[indices] * w[:, None]
    counts = onehot.sum(0)
    q = codebook[indices]
    denominator = max(w.sum() * d, 1.0)
    mse = (((flat - q) ** 2).sum(1) * w).sum() / denominator
    probs = counts / max(counts.sum(), 1.0)
    cluster_size = decay + (1 - decay) * counts
    out = {
        "indices": indices.reshape(x.shape[:-1]),
        "loss": beta * mse + (mse if update == "gradient" else 0.0),
        # d loss / d x: the commitment term only (the codebook term stops it).
        "loss_gradient": (2 * beta * (flat - q) * w[:, None] / denominator).reshape(x.shape),
        "perplexity": np.exp(-(probs * np.log(probs + 1e-10)).sum()),
        "usage": (counts > 0).mean(),
        "cluster_size": cluster_size,
    }
    if update == "gradient":
        out["codebook_gradient"] = -2 * onehot.T @ (flat - q) / denominator
    else:
        out["embedding_sum"] = decay * codebook + (1 - decay) * onehot.T @ flat
        n = cluster_size.sum()
        smoothed = (cluster_size + eps) / (n + k * eps) * n
        out["embeddings"] = out["embedding_sum"] / smoothed[:, None]
    return out


def _reference_case(masked):
    rng = np.random.default_rng(10)
    codebook = rng.normal(size=(12, 5)).astype("float32")
    x = rng.normal(size=(6, 7, 5)).astype("float32")
    mask = rng.uniform(size=(6, 7)) < 0.7 if masked else None
    return codebook, x, mask


@pytest.mark.parametrize("masked", [False, True], ids=["all", "masked"])
@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_one_step_matches_the_one_hot_reference(update, masked, grad):
    codebook, x, mask = _reference_case(masked)
    expected = _reference_step(x, codebook, update, 0.3, 0.8, 1e-3,
                               None if mask is None else mask.astype("float32"))
    options = {"codebook_update": update, "commitment_cost": 0.3, "decay": 0.8, "epsilon": 1e-3}

    # The loss's gradient to the inputs (eager, no state update).
    layer = _layer(codebook, **options)
    loss_gradient = grad(lambda v: layer.quantize_with_loss(v, mask=mask)["loss"], x)
    np.testing.assert_allclose(loss_gradient, expected["loss_gradient"], rtol=1e-4, atol=1e-7)

    # A training call: indices, losses, diagnostics and the new state.
    layer = _layer(codebook, **options)
    got = layer.quantize_with_loss(x, training=True, mask=mask)
    np.testing.assert_array_equal(ops.convert_to_numpy(got["indices"]), expected["indices"])
    for key in ("loss", "perplexity", "usage"):
        assert float(ops.convert_to_numpy(got[key])) == pytest.approx(expected[key], rel=1e-5), key
    state = ["cluster_size"] + (["embedding_sum", "embeddings"] if update == "ema" else [])
    for key in state:
        np.testing.assert_allclose(ops.convert_to_numpy(getattr(layer, key)), expected[key],
                                   rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("update", ["gradient", "ema"])
def test_fit_step_matches_the_one_hot_reference(update, jit):
    # jit: XLA on TensorFlow, jax.jit, torch.compile.
    codebook, x, _ = _reference_case(masked=False)
    expected = _reference_step(x, codebook, update, 0.3, 0.8, 1e-3)
    layer = _layer(codebook, codebook_update=update, commitment_cost=0.3, decay=0.8,
                   epsilon=1e-3)
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    # No compiled loss: the layer's losses are the model's, and with plain
    # SGD at rate 1 the codebook moves by minus their gradient.
    model.compile(keras.optimizers.SGD(1.0), jit_compile=jit)
    model.fit(x, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(ops.convert_to_numpy(layer.cluster_size), expected["cluster_size"],
                               rtol=1e-5)
    if update == "gradient":
        np.testing.assert_allclose(ops.convert_to_numpy(layer.embeddings),
                                   codebook - expected["codebook_gradient"], rtol=1e-5, atol=1e-6)
    else:
        for key in ("embedding_sum", "embeddings"):
            np.testing.assert_allclose(ops.convert_to_numpy(getattr(layer, key)), expected[key],
                                       rtol=1e-5, atol=1e-6, err_msg=key)


def _codes_used_on_fashion_mnist(data_dir, steps, **options):
    """The fraction of 256 codes the test images use after `steps` steps of a small
    auto-encoder (a 4×4 patch encoder to a 7×7 grid of 8-d vectors) on Fashion-MNIST."""
    path = os.path.join(data_dir, "fashion-mnist")
    x_train, _ = fashion_mnist("train", path=path, limit=steps * 64)
    x_test, _ = fashion_mnist("test", path=path, limit=1000)
    keras.utils.set_random_seed(0)
    encoder = keras.Sequential([keras.Input((28, 28, 1)),
                                keras.layers.Conv2D(32, 4, strides=4, activation="relu"),
                                keras.layers.Conv2D(8, 1)])
    decoder = keras.Sequential([keras.Input((7, 7, 8)),
                                keras.layers.Conv2D(32, 1, activation="relu"),
                                keras.layers.Conv2DTranspose(1, 4, strides=4,
                                                             activation="sigmoid")])
    model = keras_ae.models.VQVAE(encoder, decoder,
                                  VectorQuantizer(256, seed=0, name="vq", **options))
    model.compile(keras.optimizers.Adam(2e-3))
    model.fit(x_train, batch_size=64, epochs=1, verbose=0)
    codes = ops.convert_to_numpy(model.encode(x_test))
    return float(np.mean(np.bincount(codes.ravel(), minlength=256) > 0))


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
def test_defaults_use_the_codebook_where_the_papers_settings_collapse(data_dir):
    # 600 steps: EMA usage (decay 0.99) of a code k-means gave ~12 vectors a batch
    # takes ~250 steps to fall below 1, when restarts begin. Measured on
    # TensorFlow: 0.97 of the codes with the defaults, 0.08 with the paper's settings.
    defaults = _codes_used_on_fashion_mnist(data_dir, 600)
    paper = _codes_used_on_fashion_mnist(data_dir, 600, **PAPER)
    assert defaults >= 0.9, (defaults, paper)
    assert paper < 0.5, (defaults, paper)
