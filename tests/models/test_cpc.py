import os

import keras
import numpy as np
import pytest
import tiny_models

import keras_ae
from keras_ae.models import CPC


def conv_encoder(samples=64, channels=8, stride=4, seed=0):
    """(batch, samples) waveforms → (batch, samples // stride, channels) frames."""
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([
        keras.Input((samples,)),
        keras.layers.Reshape((-1, 1)),
        keras.layers.Conv1D(channels, stride, strides=stride, activation="relu",
                            kernel_initializer=init),
    ])


def waves(n=8, samples=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, samples)).astype("float32")


# --- the loss and its negatives ----------------------------------------------------------------


def test_true_future_ranked_first_gives_accuracy_one():
    """One-hot frames, identity context and heads that shift by k: every prediction is exact."""
    batch, frames, steps = 3, 8, 3
    dim = batch * frames
    model = CPC(keras.Sequential([keras.Input((frames, dim)), keras.layers.Identity()]),
                autoregressive=keras.layers.Identity(), prediction_steps=steps,
                num_negatives=5, seed=1)
    # z_{b,t} = e_{b*frames + t}; W_k maps e_{b,t} to 10 e_{b,t+k} (zero past the end).
    z = np.eye(dim, dtype="float32").reshape(batch, frames, dim)
    kernel = np.zeros((dim, steps * dim), "float32")
    for k in range(1, steps + 1):
        for b in range(batch):
            for t in range(frames - k):
                kernel[b * frames + t, (k - 1) * dim + b * frames + t + k] = 10.0
    model.predictor.set_weights([kernel])
    for mode in ("batch", "same_sequence"):
        model.negatives = mode
        losses, accuracies = model.step_losses(z, z)
        assert [float(a) for a in accuracies] == [1.0] * steps
        # Positive 10, five negatives 0: loss log(1 + 5 e^-10).
        np.testing.assert_allclose([float(v) for v in losses], np.log1p(5 * np.exp(-10.0)),
                                   rtol=1e-4)
    # Heads that predict the wrong frame rank the true future last: accuracy 0.
    model.predictor.set_weights([np.zeros_like(kernel)])
    _, accuracies = model.step_losses(z, z)
    assert [float(a) for a in accuracies] == [0.0] * steps  # ties are failures


def test_step_losses_against_numpy():
    rng = np.random.default_rng(0)
    model = CPC(conv_encoder(), prediction_steps=2, num_negatives=3, context_units=4, seed=5)
    z = rng.normal(size=(4, 6, 8)).astype("float32")
    c = rng.normal(size=(4, 6, 4)).astype("float32")
    state = np.array(model.seed_generator.state)
    losses, accuracies = model.step_losses(z, c)
    model.seed_generator.state.assign(state)  # replay the same negatives
    indices = keras.ops.convert_to_numpy(model.sample_negatives(4, 6))
    w = model.predictor.get_weights()[0].reshape(4, 2, 8)
    for k in (1, 2):
        pred = np.einsum("btc,cd->btd", c[:, : 6 - k], w[:, k - 1])
        positive = np.sum(pred * z[:, k:], -1)
        negative = np.einsum("btd,btnd->btn", pred, z.reshape(-1, 8)[indices[:, : 6 - k]])
        scores = np.concatenate([positive[..., None], negative], -1)
        top = scores.max(-1, keepdims=True)
        lse = top[..., 0] + np.log(np.exp(scores - top).sum(-1))
        np.testing.assert_allclose(float(losses[k - 1]), np.mean(lse - positive), rtol=1e-4)
        np.testing.assert_allclose(float(accuracies[k - 1]),
                                   np.mean(positive > negative.max(-1)), rtol=1e-6)


@pytest.mark.parametrize("mode", ["batch", "same_sequence", "same_group"])
def test_negatives_come_from_where_they_should(mode):
    batch, frames, steps = 6, 10, 3
    groups = np.array([0, 1, 0, 2, 1, 0])
    model = CPC(conv_encoder(), prediction_steps=steps, negatives=mode, num_negatives=200,
                context_units=4, seed=0)
    indices = keras.ops.convert_to_numpy(model.sample_negatives(batch, frames, groups=groups))
    assert indices.shape == (batch, frames, 200) and indices.dtype == np.int32
    row, time = np.divmod(indices, frames)
    b = np.arange(batch)[:, None, None]
    t = np.arange(frames)[None, :, None]
    # Never one of the K futures of (b, t), the positives of its K predictions.
    assert ~((row == b) & (time > t) & (time <= t + steps)).any()
    assert (time >= 0).all() and (time < frames).all()
    if mode == "batch":
        assert (row != b).all()
        # Every other sequence and every time is drawn.
        for r in range(batch):
            assert set(row[r].ravel()) == set(range(batch)) - {r}
        assert set(time.ravel()) == set(range(frames))
    elif mode == "same_sequence":
        assert (row == b).all()
        # Frame 2's futures are 3, 4, 5; the others are all drawn. Frame 8's only future is 9.
        assert set(time[0, 2]) == {0, 1, 2, 6, 7, 8, 9}
        assert set(time[0, 8]) == set(range(9))
    else:
        assert (groups[row] == groups[b]).all()
        # Sequence 0 shares group 0 with sequences 2 and 5, its own included.
        assert set(row[0].ravel()) == {0, 2, 5}
        assert set(time[2][row[2] != 2]) == set(range(frames))  # any time of another sequence
        # Sequence 3 is alone in its group: the other times of itself only.
        assert (row[3] == 3).all()


def test_same_group_needs_groups():
    model = CPC(conv_encoder(), prediction_steps=2, negatives="same_group", context_units=4)
    with pytest.raises(ValueError, match="needs each sequence's group"):
        model.sample_negatives(4, 6)


# --- training ------------------------------------------------------------------------------------


def test_fit_logs_loss_and_every_steps_accuracy():
    model = CPC(conv_encoder(), prediction_steps=3, num_negatives=4, context_units=8, seed=0)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    before = [np.array(w) for w in model.get_weights()]
    history = model.fit(waves(), batch_size=4, epochs=1, validation_data=(waves(4, seed=1),),
                        verbose=0).history
    expected = {"loss", "accuracy"} | {f"{name}_{k}" for name in ("info_nce", "accuracy")
                                       for k in (1, 2, 3)}
    assert set(history) == expected | {f"val_{key}" for key in expected}
    assert all(np.isfinite(v[0]) for v in history.values())
    np.testing.assert_allclose(
        history["loss"][0], np.mean([history[f"info_nce_{k}"][0] for k in (1, 2, 3)]), rtol=1e-5)
    # Encoder, context network and heads all learn.
    moved = [not np.array_equal(a, np.array(w)) for a, w in zip(before, model.get_weights())]
    assert all(moved), moved


def test_same_group_trains_with_groups_as_y():
    model = CPC(conv_encoder(), prediction_steps=2, negatives="same_group", num_negatives=4,
                context_units=8, seed=0)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    history = model.fit(waves(), np.array([0, 0, 1, 1, 0, 0, 1, 1]), batch_size=4, epochs=1,
                        verbose=0).history
    assert np.isfinite(history["loss"][0])
    with pytest.raises(ValueError, match="needs each sequence's group"):
        model.fit(waves(), batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_step_is_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = CPC(conv_encoder(), prediction_steps=2, num_negatives=4, context_units=8)
        model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
        history = model.fit(waves(), batch_size=4, epochs=1, verbose=0).history
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert np.isfinite(history["loss"][0])


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_learns_to_predict_real_speech(data_dir):
    """A few hundred steps on FSDD clips: every step's accuracy rises far above chance."""
    from keras_ae.data import audio_batches
    from keras_ae.data import fsdd

    clips, _, _ = fsdd("train", path=os.path.join(data_dir, "fsdd"))
    keras.utils.set_random_seed(0)
    inputs = keras.Input((2400,))
    mel = keras.layers.MelSpectrogram(fft_length=256, sequence_stride=80, sampling_rate=8000,
                                      num_mel_bins=40)(inputs)  # 10 ms frames at 8 kHz
    frames = keras.layers.Rescaling(1 / 20)(keras.layers.Permute((2, 1))(mel))
    hidden = keras.layers.Dense(64, activation="relu")(frames)
    encoder = keras.Model(inputs, keras.layers.Dense(32)(hidden))
    model = CPC(encoder, prediction_steps=4, num_negatives=8, context_units=32, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    data = audio_batches(clips[::3], batch_size=32, crop_length=2400, shuffle=True, seed=0)
    history = model.fit(data, epochs=6, verbose=0).history
    chance = 1 / 9
    for k in range(1, 5):
        first, last = history[f"accuracy_{k}"][0], history[f"accuracy_{k}"][-1]
        assert last > first and last > 3 * chance, (k, first, last)
    assert history["loss"][-1] < history["loss"][0] < np.log(9) + 0.5


# --- encode, saving and presets ------------------------------------------------------------------


def test_encode_gives_causal_context_per_frame():
    model = CPC(conv_encoder(samples=None), prediction_steps=2, context_units=5)
    x = waves(2, 64)
    context = keras.ops.convert_to_numpy(model.encode(x))
    assert context.shape == (2, 16, 5)
    assert model.frame_count(64) == 16 and model.frame_count(100) == 25
    assert model.min_samples() == 12  # 3 frames of 4 samples
    # Padding at the end leaves the earlier contexts alone.
    padded = np.concatenate([x, np.ones((2, 40), "float32")], axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.encode(padded))[:, :16],
                               context, atol=1e-5)


def test_keras_file_round_trip(tmp_path):
    model = CPC(conv_encoder(), prediction_steps=2, num_negatives=4, context_units=6,
                negatives="same_sequence", seed=3)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(waves(), batch_size=4, epochs=1, verbose=0)
    path = str(tmp_path / "cpc.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, CPC) and loaded.negatives == "same_sequence"
    np.testing.assert_allclose(loaded.encode(waves()), model.encode(waves()), atol=1e-6)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_allclose(np.array(a), np.array(b))
    loaded.fit(waves(), batch_size=4, epochs=1, verbose=0)  # training goes on


def test_preset_round_trip(tmp_path):
    model = CPC(conv_encoder(), prediction_steps=2, context_units=6)
    path = str(tmp_path / "tiny_cpc")
    model.save_to_preset(path, input_shape=(64,))
    loaded = CPC.from_preset(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.encode(waves())),
                               keras.ops.convert_to_numpy(model.encode(waves())), atol=1e-6)


# --- errors ---------------------------------------------------------------------------------------


def test_errors_name_the_bad_argument():
    with pytest.raises(ValueError, match="negatives=.*'speaker'"):
        CPC(conv_encoder(), negatives="speaker")
    for name in ("prediction_steps", "num_negatives", "context_units"):
        with pytest.raises(ValueError, match=f"{name}=0"):
            CPC(conv_encoder(), **{name: 0})
    with pytest.raises(ValueError, match="built Keras model"):
        CPC(keras.layers.Dense(3))
    flat = keras.Sequential([keras.Input((64,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"shape \(batch, frames, features\).*\(None, 3\)"):
        CPC(flat)


def test_autoregressive_must_be_causal_and_per_frame():
    with pytest.raises(ValueError, match="looks ahead"):
        CPC(conv_encoder(), autoregressive=keras.layers.Bidirectional(
            keras.layers.GRU(4, return_sequences=True)))
    with pytest.raises(ValueError, match="looks ahead"):
        CPC(conv_encoder(), autoregressive=keras.layers.Conv1D(4, 3, padding="same"))
    with pytest.raises(ValueError, match="return_sequences=True"):
        CPC(conv_encoder(), autoregressive=keras.layers.GRU(4))
    model = CPC(conv_encoder(), autoregressive=keras.layers.Conv1D(4, 3, padding="causal"),
                prediction_steps=2)
    assert model.context_dim == 4


def test_too_short_clips_and_lone_sequences_are_refused():
    model = CPC(conv_encoder(samples=None), prediction_steps=12, context_units=4)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(ValueError, match="made 10 frames.*at least 52 samples"):
        model.fit(waves(8, 40), batch_size=4, epochs=1, verbose=0)
    model = CPC(conv_encoder(), prediction_steps=2, context_units=4)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(Exception, match="at least 2 sequences"):
        model.fit(waves(5), batch_size=4, epochs=1, verbose=0)  # the last batch holds 1
    with pytest.raises(ValueError, match=r"not on a structure such as \(waves, mask\)"):
        model.fit((waves(), np.ones((8, 64), "float32")), batch_size=4, epochs=1, verbose=0)


def test_compile_refuses_a_loss():
    model = CPC(conv_encoder(), prediction_steps=2, context_units=4)
    with pytest.raises(ValueError, match="`loss` is not taken"):
        model.compile(optimizer="adam", loss="mse")


def test_registered_under_keras_ae():
    assert keras.saving.get_registered_object("keras_ae>CPC") is keras_ae.models.CPC
