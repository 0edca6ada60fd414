"""AdversarialVoiceConverter, AdaINVoiceConverter and VQVoiceConverter, on the running
backend."""

import os

import keras
import numpy as np
import pytest
import tiny_models

from keras_ae.models import AdaINVoiceConverter
from keras_ae.models import AdversarialVoiceConverter
from keras_ae.models.inference import reflected_batch
from keras_ae.training import PlayerOptimizer
from keras_ae.zoo import voice_conversion as vc


def _one_step(model, optimizer):
    x, y = tiny_models.batch("adversarial_alternating_vc")
    model.compile(optimizer=optimizer, run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)


def _adversarial(mode, **kwargs):
    keras.utils.set_random_seed(0)
    model = vc.adversarial_voice_converter(["a", "b", "c"], mode=mode, content_dim=4,
                                           speaker_dim=4, channels=8, blocks=1, **kwargs)
    return model


def test_each_player_moves_only_its_own_weights():
    for moving in ("classifier", "converter"):
        model = _adversarial("alternating")
        players = {p.name: p for p in model.players()}
        assert players["classifier"].steps == 5
        before = {name: tiny_models.values(p.variables) for name, p in players.items()}
        _one_step(model, PlayerOptimizer({
            name: keras.optimizers.Adam(1e-2) if name == moving else keras.optimizers.SGD(0.0)
            for name in players}))
        for name, player in players.items():
            moved = [not np.array_equal(a, b)
                     for a, b in zip(before[name], tiny_models.values(player.variables))]
            if name == moving:
                assert all(moved), f"{name}: some weight did not move"
            else:
                assert not any(moved), f"{name} moved while only {moving} trained"


def test_reversal_gives_the_encoder_the_negated_classifier_gradient():
    """One SGD step: under reversal the encoder moves as it does by minimising
    `reconstruction - λ·speaker_loss` (alternating mode, classifier frozen), and
    the classifier as it does by minimising its own loss on a fixed code."""
    weight = 0.7
    models, initial = {}, None
    for mode in ("reversal", "alternating", "none"):
        model = _adversarial(mode, adversarial_weight=weight, ramp_steps=0)
        if initial is None:
            initial = model.get_weights()
        model.set_weights(initial)
        if mode == "alternating":
            optimizer = PlayerOptimizer({"classifier": keras.optimizers.SGD(0.0),
                                         "converter": keras.optimizers.SGD(0.1)})
        else:
            optimizer = keras.optimizers.SGD(0.1)
        _one_step(model, optimizer)
        models[mode] = model

    def weights(mode, network):
        return tiny_models.values(getattr(models[mode], network).trainable_variables)

    for a, b in zip(weights("reversal", "content_encoder"),
                    weights("alternating", "content_encoder")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    for a, b in zip(weights("reversal", "speaker_classifier"),
                    weights("none", "speaker_classifier")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # Without the adversary the encoder moves differently: the term is not zero.
    assert any(not np.allclose(a, b, atol=1e-6) for a, b in zip(
        weights("reversal", "content_encoder"), weights("none", "content_encoder")))


def test_adversarial_weight_ramps_and_is_saved(tmp_path):
    model = _adversarial("reversal", adversarial_weight=0.5, ramp_steps=4)
    x, y = tiny_models.batch("adversarial_reversal_vc")
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    # Steps 0, 1 in epoch one (λ = 0, 0.125), 2, 3 in epoch two (0.25, 0.375).
    np.testing.assert_allclose(history.history["adversarial_weight"], [0.0625, 0.3125])
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert float(keras.ops.convert_to_numpy(loaded.step)) == 4.0
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.current_adversarial_weight()),
                               0.5)


def test_instance_norm_removes_channel_statistics_and_adain_puts_them_back():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(2, 30, 40)).astype("float32")
    mask = np.ones((2, 30), "float32")
    # A louder utterance with another spectral tilt: a gain and a per-band offset.
    changed = 1.7 * frames + rng.normal(size=(1, 1, 40)).astype("float32")
    encoder = vc.content_encoder(8, 16, 2, instance_norm=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(encoder([changed, mask])),
                               keras.ops.convert_to_numpy(encoder([frames, mask])),
                               rtol=1e-3, atol=1e-3)
    plain = vc.content_encoder(8, 16, 2, instance_norm=False)
    assert not np.allclose(keras.ops.convert_to_numpy(plain([changed, mask])),
                           keras.ops.convert_to_numpy(plain([frames, mask])), atol=1e-2)

    decoder = vc.decoder(8, 6, 16, 2, adain=True)
    adain = decoder.get_layer("block_adain_0")
    inner = keras.Model(decoder.inputs, adain.output)
    content = rng.normal(2.0, 3.0, size=(2, 30, 8)).astype("float32")
    speaker = rng.normal(size=(2, 6)).astype("float32")
    out = keras.ops.convert_to_numpy(inner([content, speaker, mask]))
    gamma = speaker @ keras.ops.convert_to_numpy(adain.gamma_kernel) + \
        keras.ops.convert_to_numpy(adain.gamma_bias)
    beta = speaker @ keras.ops.convert_to_numpy(adain.beta_kernel) + \
        keras.ops.convert_to_numpy(adain.beta_bias)
    np.testing.assert_allclose(out.mean(axis=1), beta, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=1), np.abs(gamma), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("kind", ["adversarial_alternating_vc", "adain_vc", "vq_vc"])
def test_convert_takes_clips_of_any_length_in_any_batches(kind):
    model = tiny_models.build(kind)
    clips = tiny_models.clips([1200, 700, 2100, 300])
    target = "b" if kind != "adain_vc" else tiny_models.clips([1600], seed=1)[0]
    one = model.convert(clips, target, batch_size=1)
    many = model.convert(clips, target, batch_size=3)
    assert [len(w) for w in one] == [1200, 700, 2100, 300]
    assert all(w.dtype == np.float32 and w.ndim == 1 and np.all(np.isfinite(w)) for w in one)
    for a, b in zip(one, many):  # (an untrained decoder's output may be loud)
        np.testing.assert_allclose(a, b, atol=1e-3 * np.abs(a).max())
    # A 2-d array is a batch of clips of one length.
    stacked = model.convert(np.stack(clips[:1] * 2), target)
    # Not bit for bit: float32 rows at different offsets may round differently (SIMD
    # alignment), and Griffin-Lim's iterations grow that (7e-5 of 0.16 seen on AdaIN).
    np.testing.assert_allclose(stacked[0], stacked[1], atol=1e-3 * np.abs(stacked[0]).max())
    assert [len(w) for w in model.resynthesize(clips, batch_size=2)] == [1200, 700, 2100, 300]
    codes = model.encode_content(clips, batch_size=2)
    alone = model.encode_content([clips[2]])
    assert [c.shape for c in codes] == [(16, 4), (9, 4), (27, 4), (4, 4)]
    np.testing.assert_allclose(codes[2], alone[0], rtol=1e-4, atol=1e-5)
    assert model.sampling_rate == 8000 and model.speakers == ("a", "b", "c")


def test_adain_converts_to_an_enrolled_name_or_any_waveform():
    model = tiny_models.build("adain_vc")
    clips = tiny_models.clips([1200, 900, 1500, 1000])
    with pytest.raises(ValueError, match="not been enrolled"):
        model.convert(clips[:1], "a")
    model.enroll(clips, ["a", "a", "b", "c"])
    vectors = model.encode_speaker(clips)
    np.testing.assert_allclose(model.speaker_vector("a"), vectors[:2].mean(0), rtol=1e-5)
    np.testing.assert_allclose(model.speaker_vector(clips[2]), vectors[2], rtol=1e-5)
    assert len(model.convert(clips[:1], "c")[0]) == 1200


@pytest.mark.parametrize("kind", ["adversarial_alternating_vc", "adain_vc", "vq_vc"])
def test_bad_input_is_refused_with_the_value(kind):
    model = tiny_models.build(kind)
    clip = tiny_models.clips([1200])[0]
    with pytest.raises(ValueError, match=r"Unknown speaker 'zed'.*\['a', 'b', 'c'\]"):
        model.convert([clip], "zed")
    with pytest.raises(ValueError, match="mono"):
        model.convert([np.stack([clip, clip], axis=-1)], "a")
    with pytest.raises(ValueError, match="sampling_rate=16000"):
        model.convert([clip], "a", sampling_rate=16000)
    with pytest.raises(ValueError, match="NaN"):
        model.convert([np.full(1200, np.nan, "float32")], "a")
    with pytest.raises(ValueError, match="at least 129 samples"):
        model.convert([clip[:50]], "a")
    with pytest.raises(ValueError, match="for one clip pass"):
        model.convert(clip, "a")
    with pytest.raises(ValueError, match="batch_size"):
        model.convert([clip], "a", batch_size=0)
    if kind == "adain_vc":
        with pytest.raises(ValueError, match="at least 10 frames"):
            model.convert([clip], clip[:600])
    else:
        with pytest.raises(ValueError, match="by name"):
            model.convert([clip], clip)


def test_training_checks_the_speaker_labels():
    model = tiny_models.build("adversarial_reversal_vc")
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    x, _ = tiny_models.batch("adversarial_reversal_vc")
    with pytest.raises(ValueError, match="speakers' indices as `y`"):
        model.fit(x, epochs=1, verbose=0)
    # Checked when the compiled step runs: the backend's error, with this message.
    with pytest.raises(Exception, match=r"speaker indices in \[0, 3\)"):
        model.fit(x, np.full(len(x), 3), epochs=1, verbose=0)


def test_constructor_checks_its_arguments():
    content = vc.content_encoder(4, 8, 1)
    decoder = vc.decoder(4, 4, 8, 1)
    classifier = vc.speaker_classifier(2, 4, 8, 1)
    for kwargs, match in (({"mode": "both"}, "mode"),
                          ({"adversarial_weight": -1.0}, "adversarial_weight"),
                          ({"classifier_steps": 0}, "classifier_steps"),
                          ({"ramp_steps": True}, "ramp_steps"),
                          ({"speakers": ["a", "a"]}, "distinct"),
                          ({"speakers": "ab"}, "speakers"),
                          ({"sampling_rate": 0}, "sampling_rate")):
        arguments = {"speakers": ["a", "b"], **kwargs}
        with pytest.raises(ValueError, match=match):
            AdversarialVoiceConverter(content, decoder, classifier, **arguments)
    with pytest.raises(ValueError, match="one logit per speaker"):
        AdversarialVoiceConverter(content, decoder, classifier, speakers=["a", "b", "c"])
    with pytest.raises(ValueError, match="content encoder's output size"):
        AdversarialVoiceConverter(vc.content_encoder(5, 8, 1), decoder, classifier,
                                  speakers=["a", "b"])
    with pytest.raises(ValueError, match="speaker input size"):
        AdaINVoiceConverter(content, vc.speaker_encoder(3, 8, 1), vc.decoder(4, 4, 8, 1),
                            speakers=["a", "b"])
    with pytest.raises(ValueError, match="kl_weight"):
        AdaINVoiceConverter(content, vc.speaker_encoder(4, 8, 1), vc.decoder(4, 4, 8, 1),
                            speakers=["a"], kl_weight=float("nan"))


def test_adapt_standardises_the_features():
    model = tiny_models.build("adain_vc")
    clips = tiny_models.clips([1200, 900, 1500, 1000])
    model.adapt(clips)
    frames = np.concatenate([m for m in model._log_mels(clips)])
    standard = keras.ops.convert_to_numpy(model.standardise(frames))
    np.testing.assert_allclose(standard.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(standard.std(0), 1.0, atol=1e-3)


def test_log_mels_computed_together_are_each_clips_own():
    """Clips of several lengths in batches, each followed by its own reflection: every
    clip's frames are those the front end gives the clip alone, up to float rounding."""
    assert reflected_batch([np.arange(1.0, 6.0), np.arange(1.0, 4.0)], 2).tolist() == [
        [1, 2, 3, 4, 5, 4, 3], [1, 2, 3, 2, 1, 0, 0]]
    model = tiny_models.build("vq_vc")
    clips = tiny_models.clips([1200, 700, 2100, 300, 129, 1210])
    for frames, clip in zip(model._log_mels(clips, batch_size=4), clips):
        alone = keras.ops.convert_to_numpy(model.log_mel(clip[None]))[0]
        assert frames.shape == alone.shape
        np.testing.assert_allclose(frames, alone, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kind", ["adversarial_alternating_vc", "adain_vc", "vq_vc"])
def test_save_load_and_preset_round_trips(kind, tmp_path):
    model = tiny_models.build(kind)
    clips = tiny_models.clips([1200, 700])
    model.adapt(clips)
    x, y = tiny_models.batch(kind)
    model.compile(optimizer=tiny_models.optimizer(kind), run_eagerly=tiny_models.RUN_EAGERLY)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    if kind == "adain_vc":
        model.enroll(clips, ["a", "b"])
    expected = model.convert(clips, "b")
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    for loaded in (keras.saving.load_model(path),
                   type(model).from_preset(model.save_to_preset(os.path.join(tmp_path, "p")))):
        assert type(loaded) is type(model) and loaded.speakers == model.speakers
        for a, b in zip(loaded.convert(clips, "b"), expected):
            np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_on_real_speech_the_adversary_empties_the_code_of_the_speaker(data_dir):
    """A short run on 10 real and synthetic voices: the content code's speaker
    probe falls from what the untrained encoder gives, while reconstruction
    improves; the same run without the adversary keeps more of the speaker."""
    from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
    from keras_ae.data import audio_batches
    from keras_ae.data import spoken_digits
    from keras_ae.evaluation import content_probe

    waves, _, speakers, takes = spoken_digits("train", os.path.join(data_dir, "fsdd"),
                                              os.path.join(data_dir, "flite-speech"))
    train = np.where(takes % 9 == 0)[0]   # 5 takes of each digit per speaker: 500 clips
    probe_test = np.where(takes % 9 == 4)[0]
    train_waves = [waves[i] for i in train]
    test_waves = [waves[i] for i in probe_test]

    def probe(model):
        return content_probe(model, train_waves, speakers[train], test_waves,
                             speakers[probe_test], epochs=100)

    results = {}
    for mode in ("alternating", "none"):
        keras.utils.set_random_seed(0)
        model = vc.adversarial_voice_converter(
            SPOKEN_DIGIT_SPEAKERS, mode, content_dim=8, channels=32, blocks=2,
            instance_norm=False, adversarial_weight=1.0, ramp_steps=0, classifier_steps=2,
            adversarial_loss="uniform" if mode == "alternating" else "negative_cross_entropy")
        model.adapt(train_waves)
        before = probe(model)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        history = model.fit(audio_batches(train_waves, speakers[train], batch_size=25,
                                          shuffle=True), epochs=8, shuffle=False, verbose=0)
        losses = history.history["reconstruction_loss"]
        results[mode] = (before, probe(model), losses[0], losses[-1])
    before, after, first, last = results["alternating"]
    assert last < first, results
    assert after < before - 0.08, results
    assert after < results["none"][1] - 0.1, results
