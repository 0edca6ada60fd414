"""VQVoiceConverter's own parts on the running backend: codes, their adversaries, the
parallel pull, the diversity and bag losses, frequency warp, cycle and dilation (the
converter API all three share is in test_voice_converters.py)."""

import os

import keras
import numpy as np
import pytest
import tiny_models

from keras_ae.layers import VectorQuantizer
from keras_ae.models import VQVoiceConverter
from keras_ae.training import PlayerOptimizer
from keras_ae.zoo import voice_conversion as vc


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_on_real_speech_vq_codes_spread_and_fall_on_phones(data_dir):
    """A short run on flite's sentences: the codebook's usage rises from its
    first batches, and codes mapped to phones on training sentences label the
    test sentences' phones better than the most common phone does."""
    from keras_ae.data import FLITE_VOICES
    from keras_ae.data import audio_batches
    from keras_ae.data import flite_alignments
    from keras_ae.data import flite_speech
    from keras_ae.data import phone_labels
    from keras_ae.evaluation import code_phone_mapping

    path = os.path.join(data_dir, "flite-speech")
    alignments = flite_alignments(path)

    def load(split):
        waves, ids, voices, _ = flite_speech(split, "sentences", path=path)
        files = [f"sentences/{FLITE_VOICES[v]}_{i:03d}.wav" for v, i in zip(voices, ids)]
        return waves, voices, files

    train_waves, train_voices, train_files = load("train")
    test_waves, _, test_files = load("test")
    keras.utils.set_random_seed(0)
    model = vc.vq_voice_converter(list(FLITE_VOICES), num_codes=32, code_dim=8, channels=32,
                                  blocks=2)
    model.adapt(train_waves[::8])
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(audio_batches(train_waves, train_voices, batch_size=16,
                                      crop_length=8000, shuffle=True, seed=0),
                        epochs=3, shuffle=False, verbose=0)
    usage = history.history["quantizer_usage"]
    losses = history.history["reconstruction_loss"]
    assert losses[-1] < losses[0], history.history
    assert usage[-1] > 0.5 and usage[-1] >= usage[0], usage

    def coded(waves, files):
        codes = model.encode(waves)
        return codes, [phone_labels(alignments[f], len(c)) for f, c in zip(files, codes)]

    train_codes, train_phones = coded(train_waves[::2], train_files[::2])
    test_codes, test_phones = coded(test_waves, test_files)
    accuracy, _ = code_phone_mapping(train_codes, train_phones, test_codes, test_phones)
    common = np.bincount(np.concatenate(train_phones)).argmax()
    chance = float(np.mean(np.concatenate(test_phones) == common))
    print(f"usage {usage}, reconstruction {losses}, code->phone {accuracy:.3f} vs {chance:.3f}")
    assert accuracy > chance + 0.05, (accuracy, chance)


def test_vq_encode_and_decode_shapes_and_checks():
    model = tiny_models.build("vq_vc")
    clips = tiny_models.clips([1200, 700, 2100])
    codes = model.encode(clips, batch_size=2)
    assert [c.shape for c in codes] == [(16,), (9,), (27,)]
    assert all(c.dtype == np.int32 and c.min() >= 0 and c.max() < model.num_codes
               for c in codes)
    batch = model.encode(np.stack([clips[0], clips[0][::-1]]))
    assert batch.shape == (2, 16) and batch.dtype == np.int32
    np.testing.assert_array_equal(batch[0], codes[0])
    # The codes are the quantizer's indices of the content code.
    vectors = model.encode_content(clips[:1])[0]
    codebook = keras.ops.convert_to_numpy(model.quantizer.codebook)
    np.testing.assert_allclose(vectors, codebook[codes[0]], atol=1e-6)
    assert model.frames_per_second == 100.0
    waves = model.decode(codes, "b")
    assert [len(w) for w in waves] == [(n - 1) * 80 + 1 for n in (16, 9, 27)]
    assert all(w.dtype == np.float32 and np.all(np.isfinite(w)) for w in waves)
    # A 2-d array of codes is a batch of one length; a clip decodes the same alone.
    np.testing.assert_allclose(model.decode(batch, "b")[0], model.decode([codes[0]], "b")[0],
                               atol=1e-5)
    with pytest.raises(ValueError, match=r"codes\[0\].*\[0, 8\)"):
        model.decode([np.array([0, 8])], "a")
    with pytest.raises(ValueError, match=r"codes\[0\].*int"):
        model.decode([np.array([0.5, 1.0])], "a")
    with pytest.raises(ValueError, match="Unknown speaker 'zed'"):
        model.decode(codes, "zed")
    with pytest.raises(ValueError, match="jitter"):
        vc.vq_voice_converter(["a"], jitter=1.0)


def _bag_model(**kwargs):
    keras.utils.set_random_seed(0)
    return vc.vq_voice_converter(["a", "b", "c"], num_codes=8, code_dim=4, channels=8, blocks=1,
                                 bag_adversary_weight=1.0, **kwargs)


def _code_adversary_model(**kwargs):
    keras.utils.set_random_seed(0)
    return vc.vq_voice_converter(["a", "b", "c"], num_codes=8, code_dim=4, channels=8, blocks=1,
                                 speaker_adversary_weight=1.0, classifier_channels=8, **kwargs)


# Each adversary: its model, its classifier's attribute, player, step argument and log names.
ADVERSARIES = {
    "bag": (lambda steps: _bag_model(bag_adversary_steps=steps), "bag_classifier",
            "bag_adversary_steps", ["bag_speaker_loss", "bag_speaker_accuracy", "bag_confusion"]),
    "codes": (lambda steps: _code_adversary_model(speaker_adversary_steps=steps),
              "speaker_classifier", "speaker_adversary_steps",
              ["speaker_loss", "speaker_accuracy", "speaker_confusion"]),
}


def test_bag_of_codes_is_the_hard_histogram_with_a_soft_gradient():
    model = _bag_model(bag_temperature=0.5)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = np.array([[1] * 6, [1] * 4 + [0] * 2], "float32")
    bags = keras.ops.convert_to_numpy(model.bag_of_codes(vectors, mask))
    codes = keras.ops.convert_to_numpy(model.quantizer.encode(vectors))
    expected = np.stack([np.bincount(codes[0], minlength=8) / 6,
                         np.bincount(codes[1][:4], minlength=8) / 4])
    np.testing.assert_allclose(bags, expected, atol=1e-6)
    # Its gradient is the soft assignment's: not zero, and nothing from the padding.
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        x = tf.constant(vectors)
        with tf.GradientTape() as tape:
            tape.watch(x)
            bag = model.bag_of_codes(x, mask)
            value = tf.reduce_sum(bag * tf.range(8, dtype="float32"))
        grad = tape.gradient(value, x).numpy()
        assert np.abs(grad[:, :4]).sum() > 0
        np.testing.assert_array_equal(grad[1, 4:], 0.0)


@pytest.mark.parametrize("kind", sorted(ADVERSARIES))
def test_adversary_players_logs_and_config(kind, tmp_path):
    make, classifier, steps_argument, logs = ADVERSARIES[kind]
    model = make(2)
    players = {p.name: p for p in model.players()}
    assert list(players) == [classifier, "converter"]
    assert players[classifier].steps == 2
    assert [v.path for v in players[classifier].variables] == [
        v.path for v in getattr(model, classifier).trainable_weights]
    for moving in players:
        model = make(2)
        players = {p.name: p for p in model.players()}
        before = {name: tiny_models.values(p.variables) for name, p in players.items()}
        x, y = tiny_models.batch("vq_vc")
        model.compile(optimizer=PlayerOptimizer({
            name: keras.optimizers.Adam(1e-2) if name == moving else keras.optimizers.SGD(0.0)
            for name in players}), run_eagerly=tiny_models.RUN_EAGERLY)
        history = model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
        for name, player in players.items():
            moved = [not np.array_equal(a, b)
                     for a, b in zip(before[name], tiny_models.values(player.variables))]
            assert any(moved) if name == moving else not any(moved), (moving, name)
    assert set(logs) <= set(history.history)
    # The confusion is a cross entropy against uniform over 3 speakers, at least log 3 for
    # any logits: this fails on a NaN or a sign error, not on a weak adversary.
    assert history.history[logs[2]][0] >= np.log(3) - 1e-4
    path = str(tmp_path / f"{kind}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert getattr(loaded, steps_argument) == 2
    for a, b in zip(tiny_models.values(getattr(model, classifier).weights),
                    tiny_models.values(getattr(loaded, classifier).weights)):
        np.testing.assert_array_equal(a, b)
    # Without an adversary there is no classifier and one player.
    plain = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8, blocks=1)
    assert [p.name for p in plain.players()] == ["converter"]
    assert not hasattr(plain, "bag_classifier") and plain.speaker_classifier is None


@pytest.mark.parametrize("kwargs, match", [
    ({"bag_adversary_weight": -1.0}, "bag_adversary_weight.*-1.0"),
    ({"bag_adversary_weight": float("nan")}, "bag_adversary_weight"),
    ({"bag_temperature": 0.0}, "bag_temperature.*> 0"),
    ({"bag_adversary_steps": 0}, "bag_adversary_steps.*0"),
    ({"speaker_adversary_weight": -0.5}, "speaker_adversary_weight.*-0.5"),
    ({"speaker_adversary_weight": 1.0, "speaker_adversary_steps": 0},
     "speaker_adversary_steps.*0"),
])
def test_adversary_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        vc.vq_voice_converter(["a"], **kwargs)


def test_code_adversary_needs_a_classifier_of_the_right_shape():
    def build(**kwargs):
        return VQVoiceConverter(vc.content_encoder(4, 8, 1), vc.decoder(4, 8, 8, 1), ["a", "b"],
                                quantizer=VectorQuantizer(8, name="quantizer"), **kwargs)

    with pytest.raises(ValueError, match="needs a `speaker_classifier`"):
        build(speaker_adversary_weight=0.5)
    with pytest.raises(ValueError, match="one logit per speaker"):
        build(speaker_classifier=vc.speaker_classifier(3, 4, channels=8),
              speaker_adversary_weight=0.5)
    with pytest.raises(ValueError, match="content encoder's output size"):
        build(speaker_classifier=vc.speaker_classifier(2, 6, channels=8),
              speaker_adversary_weight=0.5)


def _adapted_padded_pair(model):
    """Adapts `model` to two clips of 3000 and 2400 samples and returns them as one padded
    batch: `(waves, sample_mask)`, each `(2, 3000)`."""
    clips = tiny_models.clips([3000, 2400])
    model.adapt(clips)
    waves = np.zeros((2, 3000), "float32")
    waves[0], waves[1, :2400] = clips[0], clips[1]
    sample_mask = np.zeros((2, 3000), "float32")
    sample_mask[0], sample_mask[1, :2400] = 1.0, 1.0
    return waves, sample_mask


def test_frequency_warp_stretches_the_encoders_input_in_training_only(tmp_path):
    keras.utils.set_random_seed(0)
    model = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8, blocks=1,
                                  frequency_warp=0.3)
    waves, sample_mask = _adapted_padded_pair(model)
    frames, mask = model.features((waves, sample_mask))
    warped = keras.ops.convert_to_numpy(model._warped(frames, mask))
    frames, mask = keras.ops.convert_to_numpy(frames), keras.ops.convert_to_numpy(mask)
    assert warped.shape == frames.shape
    assert not np.allclose(warped, frames, atol=1e-3)
    np.testing.assert_array_equal(warped[mask == 0], 0.0)  # the padding stays empty
    # Outside training the loss is the unwarped model's (same weights, warp 0).
    plain = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8, blocks=1)
    plain.set_weights(model.get_weights())
    y = np.array([0, 1])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.training_loss((waves, sample_mask), y, training=False,
                                                       shared={})),
        keras.ops.convert_to_numpy(plain.training_loss((waves, sample_mask), y, training=False,
                                                       shared={})), rtol=1e-5)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    history = model.fit((waves, sample_mask), y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    path = str(tmp_path / "warp.keras")
    model.save(path)
    assert keras.saving.load_model(path).frequency_warp == 0.3
    for bad in (-0.1, 0.5, True, "0.2"):
        with pytest.raises(ValueError, match="frequency_warp"):
            vc.vq_voice_converter(["a"], frequency_warp=bad)


def test_cycle_loss_reencodes_the_conversion_and_trains_only_the_encoder(tmp_path):
    keras.utils.set_random_seed(0)

    def converter(**kwargs):
        # No k-means or restarts: the two models below must draw nothing but the cycle's
        # speakers.
        quantizer = VectorQuantizer(8, codebook_update="ema", kmeans_init=False,
                                    dead_code_threshold=0.0)
        return VQVoiceConverter(vc.content_encoder(4, 8, 1), vc.decoder(4, 8, 8, 1), ["a", "b"],
                                quantizer=quantizer, seed=3, **kwargs)

    model = converter(cycle_weight=2.0)
    waves, sample_mask = _adapted_padded_pair(model)
    y = np.array([0, 1])
    # With two speakers the other one is fixed: the loss by hand, in numpy.
    frames, mask = model.features((waves, sample_mask))
    codes = model.content(frames, mask)
    loss = keras.ops.convert_to_numpy(model.cycle_loss(codes, keras.ops.convert_to_tensor(
        y, "int32"), mask))
    decoded = model.decoder([codes, model.speaker_embedding(np.array([1, 0])), mask])
    mask_np = keras.ops.convert_to_numpy(mask)
    again = keras.ops.convert_to_numpy(model.content_encoder(
        [keras.ops.convert_to_tensor(keras.ops.convert_to_numpy(decoded) * mask_np[..., None]),
         mask]))
    per_frame = np.mean((again - keras.ops.convert_to_numpy(codes)) ** 2, axis=-1) * mask_np
    expected = np.mean(per_frame.sum(axis=1) / mask_np.sum(axis=1))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert expected > 0
    # One SGD step: the decoder moves exactly as without the cycle loss, the encoder does not.
    plain = converter()
    plain.set_weights(model.get_weights())
    for m in (model, plain):
        m.compile(optimizer=keras.optimizers.SGD(0.1), run_eagerly=tiny_models.RUN_EAGERLY)
    history = model.fit((waves, sample_mask), y, batch_size=2, epochs=1, verbose=0)
    plain.fit((waves, sample_mask), y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["cycle_loss"][0])
    values = tiny_models.values
    for a, b in zip(values(model.decoder.weights), values(plain.decoder.weights)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert not all(np.allclose(a, b) for a, b in zip(values(model.content_encoder.weights),
                                                       values(plain.content_encoder.weights)))
    path = str(tmp_path / "cycle.keras")
    model.save(path)
    assert keras.saving.load_model(path).cycle_weight == 2.0
    for bad in (-1.0, float("nan"), True, "1"):
        with pytest.raises(ValueError, match="cycle_weight"):
            vc.vq_voice_converter(["a", "b"], cycle_weight=bad)
    with pytest.raises(ValueError, match="at least 2 speakers"):
        vc.vq_voice_converter(["a"], cycle_weight=1.0)


@pytest.mark.parametrize("growth, reach", [(1, 6), (2, 14)])
def test_decoder_dilation_widens_what_a_frame_sees(growth, reach, tmp_path):
    """A change of one code moves exactly the frames within the receptive field: 3 blocks
    of kernel 5 reach 2 * (1 + 1 + 1) = 6 frames each way, dilated 1, 2, 4 they reach 14."""
    keras.utils.set_random_seed(0)
    decoder = vc.decoder(4, 8, 8, 3, dilation_growth=growth)
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(1, 40, 4)).astype("float32")
    speaker, mask = rng.normal(size=(1, 8)).astype("float32"), np.ones((1, 40), "float32")
    changed = codes.copy()
    changed[0, 20] += 3.0
    moved = np.abs(keras.ops.convert_to_numpy(decoder([changed, speaker, mask]))
                   - keras.ops.convert_to_numpy(decoder([codes, speaker, mask]))).max(-1)[0]
    assert np.all(moved[20 - reach:20 + reach + 1] > 0)
    np.testing.assert_array_equal(moved[:20 - reach], 0.0)
    np.testing.assert_array_equal(moved[20 + reach + 1:], 0.0)
    model = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8, blocks=3,
                                  decoder_dilation_growth=growth)
    path = str(tmp_path / "dilated.keras")
    model.save(path)
    rates = [layer.dilation_rate for layer in keras.saving.load_model(path).decoder.layers
             if layer.name.startswith("block_conv_")]
    assert rates == [(growth ** i,) for i in range(3)]
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="dilation_growth"):
            vc.decoder(4, 8, 8, 3, dilation_growth=bad)


def _parallel_converter(**kwargs):
    quantizer = VectorQuantizer(8, codebook_update="ema", kmeans_init=False,
                                dead_code_threshold=0.0)
    return VQVoiceConverter(vc.content_encoder(4, 8, 1), vc.decoder(4, 8, 8, 1), ["a", "b"],
                            quantizer=quantizer, seed=3, **kwargs)


def test_parallel_loss_pulls_aligned_frames_to_the_partners_codes(tmp_path):
    keras.utils.set_random_seed(0)
    model = _parallel_converter(parallel_weight=0.5, parallel_temperature=0.5)
    waves, sample_mask = _adapted_padded_pair(model)  # 3000 and 2400 samples
    frames, mask = model.features((waves, sample_mask))
    count = frames.shape[1]
    # Row 0's frame t goes with row 1's frame t // 2; row 1's first 10 frames have none.
    partner = np.full((2, count), -1, "int32")
    real = [model.log_mel.frame_count(3000), model.log_mel.frame_count(2400)]
    partner[0, :real[0]] = np.arange(real[0]) // 2
    partner[1, 10:real[1]] = np.minimum(np.arange(10, real[1]), real[0] - 1)
    vectors = model.content_encoder([frames, mask])
    out = model.quantizer.quantize_with_loss(vectors, training=False)
    loss, agreement = model.parallel_loss(vectors, out["indices"],
                                          keras.ops.convert_to_tensor(partner), mask)
    d = keras.ops.convert_to_numpy(model.quantizer.distances(vectors)) / 0.5
    log_p = -d - np.log(np.exp(-d - (-d).max(-1, keepdims=True)).sum(-1, keepdims=True)) - (
        -d).max(-1, keepdims=True)
    i = keras.ops.convert_to_numpy(out["indices"])
    real_frames = keras.ops.convert_to_numpy(mask) > 0  # 38 and 30: the mask drops frame 31
    per_clip, agree, aligned = [], 0, 0
    for row in (0, 1):
        t = np.where((partner[row] >= 0) & real_frames[row])[0]
        t = t[real_frames[1 - row, partner[row, t]]]
        target = i[1 - row, partner[row, t]]
        per_clip.append(np.mean(-log_p[row, t, target]))
        agree += np.sum(i[row, t] == target)
        aligned += len(t)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss), np.mean(per_clip), rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(agreement), agree / aligned,
                               rtol=1e-6)
    # A clip paired with itself, frame by frame: every code agrees.
    same = np.stack([waves[0], waves[0]])
    frames, mask = model.features(same)
    vectors = model.content_encoder([frames, mask])
    out = model.quantizer.quantize_with_loss(vectors, training=False)
    itself = np.tile(np.arange(frames.shape[1], dtype="int32"), (2, 1))
    _, agreement = model.parallel_loss(vectors, out["indices"],
                                       keras.ops.convert_to_tensor(itself), mask)
    assert float(keras.ops.convert_to_numpy(agreement)) == 1.0
    path = str(tmp_path / "parallel.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.parallel_weight == 0.5 and loaded.parallel_temperature == 0.5
    np.testing.assert_array_equal(loaded.encode(list(tiny_models.clips([2400]))),
                                  model.encode(list(tiny_models.clips([2400]))))


def test_parallel_weight_needs_partners_and_partners_need_it():
    keras.utils.set_random_seed(0)
    model = _parallel_converter(parallel_weight=1.0)
    waves, sample_mask = _adapted_padded_pair(model)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    with pytest.raises(ValueError, match="parallel_weight=1.0 trains on parallel clips"):
        model.fit((waves, sample_mask), np.array([0, 1]), batch_size=2, epochs=1, verbose=0)
    plain = _parallel_converter()
    plain.adapt(list(waves))
    plain.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    partner = np.zeros((2, plain.log_mel.frame_count(3000)), "int32")
    with pytest.raises(ValueError, match="parallel_weight=0"):
        plain.fit((waves, sample_mask, partner), np.array([0, 1]), batch_size=2, epochs=1,
                  verbose=0)
    for bad in (-1.0, float("nan"), True, "1"):
        with pytest.raises(ValueError, match="parallel_weight"):
            _parallel_converter(parallel_weight=bad)
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="parallel_temperature"):
            _parallel_converter(parallel_temperature=bad)


def _vectors_padded_in_row_1(shape, real, seed):
    """Random `(batch, frames, dims)` vectors and their mask, row 1 padded after `real`
    frames with vectors far from every code."""
    vectors = np.random.default_rng(seed).normal(size=shape).astype("float32")
    mask = np.ones(shape[:2], "float32")
    mask[1, real:] = 0.0
    vectors[1, real:] = 100.0
    return vectors, mask


def test_diversity_loss_is_one_minus_the_batch_perplexity_share(tmp_path):
    keras.utils.set_random_seed(0)
    model = _parallel_converter(diversity_weight=0.5, parallel_temperature=0.5)
    model.adapt(tiny_models.clips([2400]))
    vectors, mask = _vectors_padded_in_row_1((2, 6, 4), real=4, seed=0)  # padding: not counted
    d = keras.ops.convert_to_numpy(model.quantizer.distances(vectors)) / 0.5
    soft = np.exp(-d - (-d).max(-1, keepdims=True))
    soft /= soft.sum(-1, keepdims=True)
    mean = soft[mask > 0].mean(0)
    expected = 1.0 - np.exp(-np.sum(mean * np.log(mean))) / 8
    got = keras.ops.convert_to_numpy(model.diversity_loss(vectors, mask))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # Every frame on one code: the most the loss can be, 1 - 1 / num_codes.
    sharp = _parallel_converter(diversity_weight=0.5, parallel_temperature=1e-3)
    sharp.adapt(tiny_models.clips([2400]))
    codebook = keras.ops.convert_to_numpy(sharp.quantizer.embeddings)
    on_one = np.tile(codebook[3], (2, 6, 1))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(sharp.diversity_loss(on_one, np.ones((2, 6)))), 1 - 1 / 8,
        rtol=1e-5)
    path = str(tmp_path / "diversity.keras")
    model.save(path)
    assert keras.saving.load_model(path).diversity_weight == 0.5
    for bad in (-1.0, float("nan"), "1"):
        with pytest.raises(ValueError, match="diversity_weight"):
            _parallel_converter(diversity_weight=bad)


def test_parallel_bag_distance_is_the_total_variation_between_partners_bags(tmp_path):
    keras.utils.set_random_seed(0)
    model = _parallel_converter(parallel_weight=0.5, parallel_bag_weight=2.0)
    model.adapt(tiny_models.clips([2400]))
    vectors, mask = _vectors_padded_in_row_1((4, 7, 4), real=5, seed=1)  # padding: not in the bag
    codes = keras.ops.convert_to_numpy(keras.ops.argmin(model.quantizer.distances(vectors), -1))
    bags = np.stack([np.bincount(codes[b][mask[b] > 0], minlength=8) / mask[b].sum()
                     for b in range(4)])
    expected = [0.5 * np.abs(bags[b] - bags[b ^ 1]).sum() for b in range(4)]
    got = keras.ops.convert_to_numpy(model.parallel_bag_distance(vectors, mask))
    np.testing.assert_allclose(got, np.mean(expected), rtol=1e-5)
    weights = np.array([1.0, 0.0, 3.0, 0.0], "float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.parallel_bag_distance(vectors, mask, weights)),
        (expected[0] + 3 * expected[2]) / 4, rtol=1e-5)
    # The same frames in another order: the same bag, distance 0.
    shuffled = np.stack([vectors[0], vectors[0][::-1]])
    assert float(keras.ops.convert_to_numpy(
        model.parallel_bag_distance(shuffled, np.ones((2, 7))))) == 0.0
    path = str(tmp_path / "bag.keras")
    model.save(path)
    assert keras.saving.load_model(path).parallel_bag_weight == 2.0
    with pytest.raises(ValueError, match="parallel_bag_weight=1.0, parallel_weight=0"):
        _parallel_converter(parallel_bag_weight=1.0)
    for bad in (-1.0, float("nan"), "1"):
        with pytest.raises(ValueError, match="parallel_bag_weight"):
            _parallel_converter(parallel_weight=0.5, parallel_bag_weight=bad)


def test_fit_on_parallel_batches():
    from keras_ae.data import align_parallel
    from keras_ae.data import cepstra
    from keras_ae.data import parallel_batches

    keras.utils.set_random_seed(0)
    model = vc.vq_voice_converter(["a", "b"], num_codes=8, code_dim=4, channels=8, blocks=1,
                                  parallel_weight=0.25, diversity_weight=0.5,
                                  parallel_bag_weight=1.0)
    clips = tiny_models.clips([2400, 2800, 2000, 2600])
    model.adapt(clips)
    aligned = align_parallel(*[cepstra(model._log_mels(clips[k::2])) for k in (0, 1)])
    partners = [p for pair in aligned for p in pair]
    batches = parallel_batches(clips, np.array([0, 1, 0, 1]), partners,
                               model.log_mel.frame_count, batch_size=4, shuffle=True,
                               pad_to_multiple=800)
    before = tiny_models.values(model.content_encoder.weights)
    model.compile(optimizer="adam", run_eagerly=tiny_models.RUN_EAGERLY)
    history = model.fit(batches, epochs=1, verbose=0)
    assert np.isfinite(history.history["parallel_loss"][0])
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= history.history["parallel_agreement"][0] <= 1.0
    assert 0.0 <= history.history["diversity_loss"][0] <= 1 - 1 / 8
    assert 0.0 <= history.history["parallel_bag_distance"][0] <= 1.0
    assert not all(np.array_equal(a, b) for a, b in zip(
        before, tiny_models.values(model.content_encoder.weights)))
