"""Tiny instances of every keras-ae model, with a batch each, for the training tests.

Imported by the tests and by `_cross_backend.py`, which runs in a process of
each backend; nothing here depends on the backend.
"""

import keras
import numpy as np

import keras_ae
from keras_ae import layers
from keras_ae import models

# For a step or two: TensorFlow traces a graph for longer than it runs the
# step eagerly, while eager JAX compiles every op on its own, which takes
# longer than compiling the whole step once. TensorFlow's graph step of every
# model is still tested: test_players.py compiles each one without it, and the
# real-data tests and recipe runs train in graph mode.
RUN_EAGERLY = keras.backend.backend() != "jax"
BATCH = 8


def _dense_coder(in_shape, out_shape, seed):
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([keras.Input(in_shape), keras.layers.Flatten(),
                             keras.layers.Dense(int(np.prod(out_shape)), kernel_initializer=init),
                             keras.layers.Reshape(out_shape)])


def _images(rng):
    return rng.uniform(size=(BATCH, 6, 6, 1)).astype("float32")


def _auto_encoder(kind):
    code = {"autoencoder": (3, 3, 4), "vqvae": (3, 3, 4)}.get(kind, (3, 3, 8))
    encoder, decoder = _dense_coder((6, 6, 1), code, 0), _dense_coder(code, (6, 6, 1), 1)
    if kind == "autoencoder":
        return models.AutoEncoder(encoder, decoder)
    if kind == "vqvae":
        return models.VQVAE(encoder, decoder, layers.VectorQuantizer(
            16, codebook_update="ema", kmeans_init=False, dead_code_threshold=0.0, seed=0,
            name="vq"))
    if kind == "gumbel":
        return models.DiscreteAutoEncoder(encoder, decoder, layers.GumbelSoftmax(hard=True, seed=0),
                                          kl_weight=0.1, anneal_rate=0.01)
    if kind == "binary":
        return models.DiscreteAutoEncoder(encoder, decoder, layers.BinaryStraightThrough(),
                                          kl_weight=0.01)
    return models.DiscreteAutoEncoder(encoder, decoder, layers.OneHotStraightThrough())


def _dim():
    init = keras.initializers.GlorotUniform(seed=0)
    inputs = keras.Input((8, 8, 1))
    feature_map = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu",
                                      kernel_initializer=init)(inputs)
    y = keras.layers.Dense(4, activation="sigmoid", kernel_initializer=init)(
        keras.layers.Flatten()(feature_map))
    return models.DeepInfoMax(keras.Model(inputs, [feature_map, y]), critic_units=8,
                              critic_dim=4, probe_classes=3, seed=0)


def _cpc():
    init = keras.initializers.GlorotUniform(seed=0)
    encoder = keras.Sequential([
        keras.Input((64,)), keras.layers.Reshape((-1, 1)),
        keras.layers.Conv1D(8, 4, strides=4, activation="relu", kernel_initializer=init)])
    return models.CPC(encoder, prediction_steps=3, negatives="same_group", num_negatives=4,
                      context_units=8, seed=0)


def _ids_encoder(name, vocabulary=20, length=6, dim=8, recurrent=False):
    ids = keras.Input((length,), dtype="int32")
    h = keras.layers.Embedding(vocabulary, dim, mask_zero=True)(ids)
    out = keras.layers.GRU(dim)(h) if recurrent else keras.layers.GlobalAveragePooling1D()(h)
    return keras.Model(ids, out, name=name)


def _voice_converter(kind):
    from keras_ae.zoo import voice_conversion as vc

    size = {"content_dim": 4, "speaker_dim": 4, "channels": 8, "blocks": 1}
    if kind == "adain_vc":
        return vc.adain_voice_converter(["a", "b", "c"], kl_annealing_steps=4, **size)
    if kind == "vq_vc":
        size = {("code_dim" if k == "content_dim" else k): v for k, v in size.items()}
        return vc.vq_voice_converter(["a", "b", "c"], num_codes=8, jitter=0.2,
                                     bag_adversary_weight=0.5, bag_adversary_steps=2,
                                     speaker_adversary_weight=0.5, classifier_channels=8, **size)
    return vc.adversarial_voice_converter(["a", "b", "c"], mode=kind.split("_")[1],
                                          ramp_steps=4, adversarial_weight=0.5,
                                          classifier_steps=2, **size)


def _summarizer():
    from keras_ae.zoo import summarization

    keras.utils.set_random_seed(0)
    return summarization.summarizer(
        ["", "[UNK]", *(f"w{i}" for i in range(18))], document_length=8, max_length=3,
        embedding_dim=4, units=4, discriminator_steps=2, entropy_weight=0.01)


VOICE_CONVERTERS = ("adain_vc", "adversarial_alternating_vc", "adversarial_reversal_vc",
                    "vq_vc")

BUILDERS = {
    "autoencoder": lambda: _auto_encoder("autoencoder"),
    "vqvae": lambda: _auto_encoder("vqvae"),
    "gumbel": lambda: _auto_encoder("gumbel"),
    "binary": lambda: _auto_encoder("binary"),
    "onehot": lambda: _auto_encoder("onehot"),
    "deep_info_max": _dim,
    "cpc": _cpc,
    "quick_thought": lambda: models.QuickThought(_ids_encoder("f"), context_size=1),
    "skip_thought": lambda: models.SkipThought(_ids_encoder("e", recurrent=True),
                                               vocabulary_size=20, decoder_units=8,
                                               embedding_dim=4),
    **{kind: (lambda kind=kind: _voice_converter(kind)) for kind in VOICE_CONVERTERS},
    "summarizer": lambda: _summarizer(),
}


def batch(kind, seed=0):
    """`(x, y)` of one training batch for a model of `kind` (y may be None)."""
    rng = np.random.default_rng(seed)
    if kind == "deep_info_max":
        return rng.uniform(size=(BATCH, 8, 8, 1)).astype("float32"), np.arange(BATCH) % 3
    if kind == "cpc":
        return rng.normal(size=(BATCH, 64)).astype("float32"), np.arange(BATCH) % 2
    if kind in VOICE_CONVERTERS:
        t = np.arange(1200) / 8000
        f0 = rng.uniform(100, 300, size=(BATCH, 1))
        waves = 0.3 * np.sin(2 * np.pi * f0 * t) + rng.normal(0, 0.01, (BATCH, 1200))
        return waves.astype("float32"), np.arange(BATCH) % 3
    if kind == "summarizer":
        documents = rng.integers(2, 20, size=(BATCH, 8)).astype("int32")
        documents[::2, 6:] = 0  # padding
        summaries = rng.integers(2, 20, size=(BATCH, 3)).astype("int32")
        summaries[::3, 2:] = 0
        return {"documents": documents, "summaries": summaries}, None
    if kind in ("quick_thought", "skip_thought"):
        ids = rng.integers(1, 20, size=(BATCH, 6)).astype("int32")
        ids[:, 4:] = 0  # padding
        return ids, None
    return _images(rng), None


def build(kind):
    """A model of `kind`, built (its weights exist), not compiled."""
    model = BUILDERS[kind]()
    x, _ = batch(kind)
    model({k: v[:2] for k, v in x.items()} if isinstance(x, dict) else x[:2])
    return model


def optimizer(kind, learning_rate=1e-2, name="adam"):
    """One optimizer per player: a `PlayerOptimizer` for the models with several."""
    if kind == "deep_info_max":
        return keras_ae.training.PlayerOptimizer({
            player: keras.optimizers.get({"class_name": name,
                                          "config": {"learning_rate": learning_rate}})
            for player in ("discriminator", "encoder", "probe")})
    players = {"adversarial_alternating_vc": ("classifier", "converter"),
               "vq_vc": ("bag_classifier", "speaker_classifier", "converter"),
               "summarizer": ("discriminator", "reconstructor", "generator")}
    if kind in players:
        return keras_ae.training.PlayerOptimizer({
            player: keras.optimizers.get({"class_name": name,
                                          "config": {"learning_rate": learning_rate}})
            for player in players[kind]})
    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate}})


def clips(lengths, seed=0):
    """Float32 clips of these lengths at 8 kHz: a sine of 100-300 Hz and a little noise."""
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        t = np.arange(n) / 8000
        out.append((0.3 * np.sin(2 * np.pi * rng.uniform(100, 300) * t)
                    + rng.normal(0, 0.01, n)).astype("float32"))
    return out


def values(variables):
    """The variables' values, as numpy arrays."""
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]
