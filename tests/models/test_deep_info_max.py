import os

import keras
import numpy as np
import pytest
import tiny_models

import keras_ae
from keras_ae.models import DeepInfoMax


def small_encoder(dim=4, batch_norm=False, seed=0):
    """8×8×1 images → [4×4×6 map, (dim,) sigmoid representation]."""
    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input((8, 8, 1))
    feature_map = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu",
                                      kernel_initializer=init)(inputs)
    if batch_norm:
        feature_map = keras.layers.BatchNormalization()(feature_map)
    flat = keras.layers.Flatten()(feature_map)
    y = keras.layers.Dense(dim, activation="sigmoid", kernel_initializer=init)(flat)
    return keras.Model(inputs, [feature_map, y])


def images(n=16, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, 8, 8, 1)).astype("float32")


def weights_of(layer):
    return [np.array(w) for w in layer.get_weights()]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


# --- the maths of the critics' scores against numpy ------------------------------------------


def _np_logsumexp(a):
    m = a.max(1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(1, keepdims=True)))[:, 0]


def _np_softplus(a):
    return np.logaddexp(0.0, a)


@pytest.mark.parametrize("estimator", ["jsd", "dv", "infonce"])
def test_mutual_information_against_numpy(estimator):
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=5, estimator=estimator,
                        prior_weight=0.0)
    x = images(6)
    feature_map, y = (keras.ops.convert_to_numpy(t) for t in model.encoder(x))
    terms = model.mutual_information(feature_map, y)
    for part, critic in (("global", model.global_critic), ("local", model.local_critic)):
        m = keras.ops.convert_to_numpy(critic[0](feature_map)).reshape(-1, 5)
        r = keras.ops.convert_to_numpy(critic[1](y))
        scores = m @ r.T  # (6 * locations, 6)
        locations = len(scores) // 6
        labels = np.repeat(np.arange(6), locations)
        positive = np.eye(6, dtype=bool)[labels]
        if estimator == "infonce":
            loss = np.mean(_np_logsumexp(scores) - scores[np.arange(len(scores)), labels])
            mi = np.log(6) - loss
        elif estimator == "jsd":
            mi = (np.mean(-_np_softplus(-scores[positive]))
                  - np.mean(_np_softplus(scores[~positive])))
            loss = -mi
        else:
            negatives = scores[~positive]
            mi = scores[positive].mean() - np.log(np.mean(np.exp(negatives)))
            loss = -mi
        got_loss, got_mi = (float(keras.ops.convert_to_numpy(v)) for v in terms[part])
        np.testing.assert_allclose(got_loss, loss, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got_mi, mi, rtol=1e-5, atol=1e-5)
    assert locations == 16


def test_only_enabled_parts_are_computed_and_logged():
    model = DeepInfoMax(small_encoder(), global_weight=0.0, prior_weight=0.0,
                        critic_units=8, critic_dim=4)
    assert model.global_critic is None and model.prior_discriminator is None
    assert [m.name for m in model.metrics] == ["loss", "local_loss", "local_mi"]


def test_prior_samples():
    for prior, low, high in (("uniform", 0.0, 1.0), ("normal", -np.inf, np.inf)):
        model = DeepInfoMax(small_encoder(dim=3), prior=prior, critic_units=8, critic_dim=4)
        sample = keras.ops.convert_to_numpy(model.sample_prior(4000, seed=1))
        assert sample.shape == (4000, 3)
        assert sample.min() >= low and sample.max() <= high
        expected_std = np.sqrt(1 / 12) if prior == "uniform" else 1.0
        np.testing.assert_allclose(sample.std(), expected_std, rtol=0.05)


# --- training: who changes what ----------------------------------------------------------------


def test_each_player_changes_only_its_own_weights():
    keras.utils.set_random_seed(0)
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    encoder_and_critics = [model.encoder, *model.global_critic, *model.local_critic]
    x, y = images(16), np.arange(16) % 3

    # A whole step with the discriminator and the probe frozen (learning
    # rate 0): the encoder and critics move, the other two do not.
    model.compile(optimizer="adam", discriminator_optimizer=keras.optimizers.SGD(0.0),
                  probe_optimizer=keras.optimizers.SGD(0.0), run_eagerly=tiny_models.RUN_EAGERLY)
    before = [weights_of(n) for n in encoder_and_critics]
    others = [weights_of(n) for n in (model.prior_discriminator, model.probe)]
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for old, network in zip(before, encoder_and_critics):
        assert changed(old, weights_of(network)), network.name
    for old, network in zip(others, (model.prior_discriminator, model.probe)):
        assert not changed(old, weights_of(network)), network.name

    # And the other way round: with the encoder frozen, only the
    # discriminator and the probe learn.
    model.compile(optimizer=keras.optimizers.SGD(0.0), run_eagerly=tiny_models.RUN_EAGERLY)
    before = [weights_of(n) for n in encoder_and_critics]
    others = [weights_of(n) for n in (model.prior_discriminator, model.probe)]
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for old, network in zip(before, encoder_and_critics):
        assert not changed(old, weights_of(network)), network.name
    for old, network in zip(others, (model.prior_discriminator, model.probe)):
        assert changed(old, weights_of(network)), network.name


def test_discriminator_moves_first_and_the_encoder_sees_its_update():
    """The encoder's prior loss is computed with the discriminator after its step."""
    keras.utils.set_random_seed(0)
    model = DeepInfoMax(small_encoder(), global_weight=0.0, critic_units=8, critic_dim=4,
                        prior_weight=1.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0),
                  discriminator_optimizer=keras.optimizers.SGD(1.0),
                  run_eagerly=tiny_models.RUN_EAGERLY)
    x = images(16)
    _, representation = model.encoder(x)
    history = model.fit(x, batch_size=16, epochs=1, verbose=0)
    after = keras.ops.convert_to_numpy(model._discriminator_logits(representation, False))
    expected = np.mean(np.logaddexp(0.0, -after))
    np.testing.assert_allclose(history.history["prior_loss"][0], expected, rtol=1e-5)


def test_fit_logs_every_part_and_validation():
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    x, y = images(32), np.arange(32) % 3
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_data=(x, y))
    parts = ["discriminator_accuracy", "discriminator_loss", "global_loss", "global_mi",
             "local_loss", "local_mi", "loss", "prior_loss", "probe_accuracy", "probe_loss"]
    assert sorted(history.history) == sorted(parts + [f"val_{p}" for p in parts])
    assert all(np.isfinite(v[0]) for v in history.history.values())
    # Without labels, the probe does not train and the rest still does.
    probe = weights_of(model.probe)
    model.fit(x, batch_size=16, epochs=1, verbose=0)
    assert not changed(probe, weights_of(model.probe))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_step_is_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3)
        model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
        history = model.fit(images(32), np.arange(32) % 3, batch_size=16, epochs=1, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert all(v.dtype == "float32" for v in model.weights)


# --- real data: it learns ----------------------------------------------------------------------


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_learns_on_fashion_mnist_beyond_random_weights(data_dir):
    """A short run on 8,000 real images: the MI estimate rises and a linear probe
    on Y beats the same encoder with its random initial weights.

    Y has 16 dimensions here: a random 16-d projection keeps little of the
    class, so 300 steps of learning show (random 256-d features are a
    strong baseline that takes the full recipe to beat). The random start
    differs between backends (their generators differ), and on some starts
    learning needs 4-5 epochs to pull ahead.
    """
    from keras_ae.evaluation import linear_probe
    from keras_ae.zoo import fashion_mnist as zoo

    x, y = keras_ae.data.fashion_mnist("train", path=os.path.join(data_dir, "fashion-mnist"),
                                       limit=10000)
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]
    keras.utils.set_random_seed(0)
    model = keras_ae.models.DeepInfoMax(
        zoo.dim_encoder(representation_dim=16, width=32), global_weight=0.0, prior_weight=0.0,
        estimator="infonce", critic_units=64, critic_dim=64, probe_classes=10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))

    def probe():
        features = [model.predict(v, batch_size=500, verbose=0) for v in (x_train, x_test)]
        return linear_probe(features[0], y_train, features[1], y_test)

    random_weights = probe()
    history = model.fit(x_train, y_train, batch_size=128, epochs=5, verbose=0)
    mi = history.history["local_mi"]
    learned = probe()
    assert mi[-1] > mi[0] + 0.2, mi
    assert learned > random_weights + 0.03, (learned, random_weights)
    online = history.history["probe_accuracy"]
    assert online[-1] > online[0], online


# --- saving ------------------------------------------------------------------------------------


def test_keras_file_round_trip(tmp_path):
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3,
                        estimator="dv", prior="normal", global_weight=0.25)
    path = os.path.join(tmp_path, "dim.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, DeepInfoMax)
    for key in ("estimator", "prior", "global_weight", "probe_classes", "critic_dim"):
        assert getattr(loaded, key) == getattr(model, key)
    x = images(4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(x)),
                               keras.ops.convert_to_numpy(model.encode(x)), atol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.local_features(x)),
                               keras.ops.convert_to_numpy(model.local_features(x)), atol=1e-6)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))


def test_keras_file_round_trip_keeps_every_optimizer(tmp_path):
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3)
    model.compile(optimizer="adam", discriminator_optimizer=keras.optimizers.SGD(0.05),
                  probe_optimizer=keras.optimizers.RMSprop(0.01),
                  run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "dim.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    optimizers = loaded.optimizer
    assert isinstance(optimizers, keras_ae.training.PlayerOptimizer)
    assert optimizers.names == ["discriminator", "encoder", "probe"]
    assert isinstance(optimizers["discriminator"], keras.optimizers.SGD)
    assert isinstance(optimizers["probe"], keras.optimizers.RMSprop)
    assert int(optimizers["discriminator"].iterations) == 2
    assert int(optimizers.iterations) == 2
    for a, b in zip(model.optimizer.variables, optimizers.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    loaded.fit(images(16), np.arange(16) % 3, batch_size=8, epochs=1, verbose=0)
    assert int(optimizers["probe"].iterations) == 4


def test_preset_round_trip(tmp_path):
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4, probe_classes=3)
    path = os.path.join(tmp_path, "dim_preset")
    model.save_to_preset(path, input_shape=(8, 8, 1), metadata={"metrics": {"probe": 0.5}})
    loaded = DeepInfoMax.from_preset(path)
    x = images(4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(x)),
                               keras.ops.convert_to_numpy(model.encode(x)), atol=1e-6)


# --- bad input ---------------------------------------------------------------------------------


def test_errors_name_the_bad_argument():
    with pytest.raises(ValueError, match="estimator.*'mine'"):
        DeepInfoMax(small_encoder(), estimator="mine")
    with pytest.raises(ValueError, match="prior.*'laplace'"):
        DeepInfoMax(small_encoder(), prior="laplace")
    with pytest.raises(ValueError, match="local_weight=-1"):
        DeepInfoMax(small_encoder(), local_weight=-1)
    with pytest.raises(ValueError, match="At least one"):
        DeepInfoMax(small_encoder(), global_weight=0, local_weight=0)
    with pytest.raises(ValueError, match="probe_classes=1"):
        DeepInfoMax(small_encoder(), probe_classes=1)
    with pytest.raises(ValueError, match="critic_dim=0"):
        DeepInfoMax(small_encoder(), critic_dim=0)
    with pytest.raises(ValueError, match="encoder"):
        DeepInfoMax("not a model")


def test_encoder_outputs_that_do_not_fit():
    inputs = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inputs)
    one_output = keras.Model(inputs, keras.layers.Dense(3)(flat))
    with pytest.raises(ValueError, match="two outputs"):
        DeepInfoMax(one_output)
    # A vector "feature map" has no locations: local DIM cannot work ...
    no_map = keras.Model(inputs, [keras.layers.Dense(5)(flat), keras.layers.Dense(3)(flat)])
    with pytest.raises(ValueError, match="rank >= 3.*local_weight=0"):
        DeepInfoMax(no_map)
    # ... but global DIM can.
    model = DeepInfoMax(no_map, local_weight=0.0, critic_units=8, critic_dim=4)
    assert model.local_critic is None


def test_custom_critics_are_checked_and_used():
    encoder = small_encoder(dim=4)
    local = [keras.layers.Dense(7), keras.layers.Dense(7)]
    model = DeepInfoMax(encoder, global_weight=0.0, local_critic=local, prior_weight=0.0)
    assert model.local_critic[0] is local[0]
    with pytest.raises(ValueError, match="same critic_dim"):
        DeepInfoMax(encoder, global_weight=0.0,
                    local_critic=[keras.layers.Dense(7), keras.layers.Dense(5)])
    with pytest.raises(ValueError, match="pair"):
        DeepInfoMax(encoder, local_critic=keras.layers.Dense(7))


def test_compile_refuses_a_loss():
    model = DeepInfoMax(small_encoder(), critic_units=8, critic_dim=4)
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="adam", loss="mse")
