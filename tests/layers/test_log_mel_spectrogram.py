import os

import keras
import numpy as np
import pytest

from keras_ae.data import read_wav
from keras_ae.layers import MFCC
from keras_ae.layers import LogMelSpectrogram
from keras_ae.testing import run_layer_test


def _htk_mel(hz):
    return 1127.0 * np.log1p(hz / 700.0)


def _reference_log_mel(waves, rate, frame_length, frame_step, fft_length, bands, lo, hi, floor):
    """The front end written out in numpy, float64, independently of Keras."""
    pad = fft_length // 2
    x = np.pad(waves.astype("float64"), [(0, 0), (pad, pad)], mode="reflect")
    frames = 1 + (x.shape[1] - fft_length) // frame_step
    n = np.arange(frame_length)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / frame_length)  # periodic Hann
    left = (fft_length - frame_length) // 2
    full = np.zeros(fft_length)
    full[left : left + frame_length] = window
    index = np.arange(frames)[:, None] * frame_step + np.arange(fft_length)[None, :]
    spectrum = np.abs(np.fft.rfft(x[:, index] * full, axis=-1)) ** 2
    # HTK triangles, peak 1, over the mel scale; the DC bin gets no weight.
    bins = _htk_mel(np.linspace(0, rate / 2, fft_length // 2 + 1))
    edges = np.linspace(_htk_mel(lo), _htk_mel(hi), bands + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (bins[:, None] - lower) / (centre - lower)
    down = (upper - bins[:, None]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(up, down))
    weights[0] = 0.0
    return np.log(np.maximum(spectrum @ weights, floor))


@pytest.fixture
def clips(data_dir):
    """Two real recordings (8 kHz), cut to the same length."""
    waves = [read_wav(os.path.join(data_dir, "fsdd", "recordings", f"{d}_jackson_0.wav"))[0]
             for d in (3, 7)]
    length = min(len(w) for w in waves)
    return np.stack([w[:length] for w in waves]).astype("float32")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"num_mel_bins": 64, "frame_length": 256, "frame_step": 64, "fft_length": 512,
         "min_freq": 60.0, "max_freq": 3800.0, "floor": 1e-3},
        {"frame_length": 201, "frame_step": 100, "fft_length": 255},  # odd sizes
    ],
    ids=["default", "options", "odd"],
)
def test_matches_a_numpy_reference_on_speech(clips, options):
    layer = LogMelSpectrogram(sampling_rate=8000, **options)
    expected = _reference_log_mel(
        clips, 8000, layer.frame_length, layer.frame_step, layer.fft_length,
        layer.num_mel_bins, layer.min_freq, layer.max_freq, layer.floor)
    actual = keras.ops.convert_to_numpy(layer(clips))
    assert actual.shape == expected.shape == (
        2, layer.frame_count(clips.shape[1]), layer.num_mel_bins)
    assert tuple(layer.compute_output_shape(clips.shape)) == actual.shape
    # Band energies span many decades; the log compares them all at once.
    # float32 STFT against float64: well under 0.01 nepers (0.04 dB).
    loud = expected > np.log(layer.floor) + 1
    assert loud.mean() > 0.3
    np.testing.assert_allclose(actual[loud], expected[loud], atol=1e-2)
    np.testing.assert_allclose(actual, expected, atol=0.05)


def test_defaults_follow_the_sampling_rate():
    layer = LogMelSpectrogram(sampling_rate=16000)
    assert (layer.frame_length, layer.frame_step, layer.fft_length) == (400, 160, 512)
    assert layer.mel_matrix.shape == (257, 40)
    assert layer.frame_count(16000) == 101
    assert layer.min_samples == 257


def test_each_clip_is_independent_of_its_batch():
    # keras.layers.MelSpectrogram(power_to_db=True) clips at the batch's max;
    # here a quiet clip's features are the same alone or beside a loud one.
    rng = np.random.default_rng(0)
    quiet = (1e-3 * rng.normal(size=(1, 2000))).astype("float32")
    loud = (10 * rng.normal(size=(1, 2000))).astype("float32")
    layer = LogMelSpectrogram(sampling_rate=8000)
    alone = keras.ops.convert_to_numpy(layer(quiet))
    together = keras.ops.convert_to_numpy(layer(np.concatenate([quiet, loud])))
    np.testing.assert_allclose(together[:1], alone, atol=1e-5)


def test_silence_is_the_floor():
    out = keras.ops.convert_to_numpy(
        LogMelSpectrogram(sampling_rate=8000, floor=1e-4)(np.zeros((1, 800), "float32")))
    np.testing.assert_allclose(out, np.log(1e-4), rtol=1e-6)


def test_frame_mask_marks_frames_centred_on_real_samples():
    layer = LogMelSpectrogram(sampling_rate=8000)  # step 80
    waves = np.zeros((2, 800), "float32")
    mask = np.ones((2, 800), bool)
    mask[1, 400:] = False
    frame_mask = keras.ops.convert_to_numpy(
        layer.compute_mask(waves, keras.ops.convert_to_tensor(mask)))
    assert frame_mask.shape == (2, layer.frame_count(800)) == (2, 11)
    # Frame t is centred on sample 80 t: 0..720 are real in clip 0 (800 is past the end).
    assert frame_mask[0].tolist() == [True] * 10 + [False]
    assert frame_mask[1].tolist() == [True] * 5 + [False] * 6

    # And it reaches the next layers of a model.
    inputs = keras.Input((800,))
    masks = keras.Input((800,), dtype="bool")
    seen = keras.layers.LSTM(3, return_sequences=True)(
        LogMelSpectrogram(sampling_rate=8000)(inputs, mask=masks))
    assert seen.shape == (None, 11, 3)


def test_layer_checks():
    run_layer_test(
        LogMelSpectrogram,
        {"sampling_rate": 8000, "num_mel_bins": 16},
        input_shape=(2, 400),
        expected_output_shape=(2, 6, 16),
        expected_num_trainable_weights=0,
    )
    run_layer_test(
        MFCC,
        {"sampling_rate": 8000, "num_mel_bins": 16, "num_coefficients": 5, "deltas": 1},
        input_shape=(2, 400),
        expected_output_shape=(2, 6, 10),
        expected_num_trainable_weights=0,
    )


def test_in_a_tf_data_pipeline_equals_the_eager_layer(clips):
    import tensorflow as tf

    layer = LogMelSpectrogram(sampling_rate=8000)
    eager = keras.ops.convert_to_numpy(layer(clips))
    ds = tf.data.Dataset.from_tensor_slices(clips).batch(2).map(layer)
    (piped,) = [b.numpy() for b in ds]
    np.testing.assert_allclose(piped, eager, atol=1e-4)
    # Variable-length clips inside the pipeline: the frame count follows.
    ds = tf.data.Dataset.from_generator(
        lambda: (clips[:, :n] for n in (1000, 1600)),
        output_signature=tf.TensorSpec((2, None), tf.float32)).map(layer)
    assert [tuple(b.shape) for b in ds] == [(2, 13, 40), (2, 21, 40)]


def test_mixed_precision_matches_float32(clips):
    full = keras.ops.convert_to_numpy(LogMelSpectrogram(sampling_rate=8000)(clips))
    half = LogMelSpectrogram(sampling_rate=8000, dtype="mixed_float16")(clips)
    assert keras.backend.standardize_dtype(half.dtype) == "float16"
    # Computed in float32, rounded once: float16 keeps ~3 digits of |log| < 20.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(half).astype("float32"), full, atol=2e-2)


def test_a_saved_model_takes_raw_waveforms(tmp_path, clips):
    inputs = keras.Input((None,))
    outputs = keras.layers.Dense(4)(LogMelSpectrogram(sampling_rate=8000, name="front")(inputs))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(clips)), keras.ops.convert_to_numpy(model(clips)),
        atol=1e-5)
    assert loaded.get_layer("front").get_config() == model.get_layer("front").get_config()


def test_mfcc_matches_the_orthonormal_dct_and_regression_deltas(clips):
    from scipy.fft import dct

    layer = MFCC(sampling_rate=8000, num_coefficients=13, deltas=2, delta_width=2)
    log_mel = keras.ops.convert_to_numpy(
        LogMelSpectrogram(sampling_rate=8000)(clips)).astype("float64")
    c = dct(log_mel, type=2, norm="ortho", axis=-1)[..., :13]

    def delta(v, width=2):
        padded = np.concatenate(
            [np.repeat(v[:, :1], width, 1), v, np.repeat(v[:, -1:], width, 1)], 1)
        t = v.shape[1]
        num = sum(n * (padded[:, width + n : width + n + t] - padded[:, width - n : width - n + t])
                  for n in range(1, width + 1))
        return num / (2 * sum(n * n for n in range(1, width + 1)))

    expected = np.concatenate([c, delta(c), delta(delta(c))], axis=-1)
    actual = keras.ops.convert_to_numpy(layer(clips))
    assert actual.shape == expected.shape == (2, log_mel.shape[1], 39)
    np.testing.assert_allclose(actual, expected, atol=2e-3)


def test_mfcc_relation_to_tensorflows():
    import tensorflow as tf

    log_mel = np.random.default_rng(0).normal(size=(3, 7, 40)).astype("float32")
    ours = MFCC(num_coefficients=13, deltas=0)
    matrix = ours._dct_matrix
    tf_mfcc = tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :13].numpy()
    mine = log_mel @ matrix
    np.testing.assert_allclose(mine[..., 1:], tf_mfcc[..., 1:], atol=1e-4)
    np.testing.assert_allclose(mine[..., 0] * np.sqrt(2), tf_mfcc[..., 0], atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampling_rate": 0}, "sampling_rate"),
        ({"sampling_rate": 8000.0}, "sampling_rate"),
        ({"num_mel_bins": 0}, "num_mel_bins"),
        ({"frame_length": 0}, "frame_length"),
        ({"frame_step": True}, "frame_step"),
        ({"frame_length": 300, "fft_length": 256}, "fft_length"),
        ({"max_freq": 5000}, "max_freq"),
        ({"min_freq": 3000, "max_freq": 2000}, "min_freq"),
        ({"floor": 0}, "floor"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LogMelSpectrogram(**{"sampling_rate": 8000, **kwargs})


def test_call_errors():
    layer = LogMelSpectrogram(sampling_rate=8000)
    with pytest.raises(ValueError, match="129 samples"):
        layer(np.zeros((2, 100), "float32"))
    with pytest.raises(ValueError, match="inputs.shape"):
        layer(np.zeros((2, 100, 1), "float32"))
    with pytest.raises(ValueError, match="num_mel_bins=40"):
        layer.to_waveform(np.zeros((1, 5, 20), "float32"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_coefficients": 41}, "num_coefficients"),
        ({"deltas": 3}, "deltas"),
        ({"deltas": True}, "deltas"),
        ({"delta_width": 0}, "delta_width"),
    ],
)
def test_mfcc_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MFCC(**{"sampling_rate": 8000, **kwargs})


def test_to_waveform_gives_speech_with_the_same_log_mel(clips):
    layer = LogMelSpectrogram(sampling_rate=8000)
    log_mel = keras.ops.convert_to_numpy(layer(clips))
    waves = keras.ops.convert_to_numpy(layer.to_waveform(log_mel, iterations=32, seed=0))
    assert waves.shape == (2, (log_mel.shape[1] - 1) * layer.frame_step)
    again = keras.ops.convert_to_numpy(layer(waves))
    assert again.shape == log_mel.shape
    # Where there is speech (bands within 40 dB of the clip's loudest), the
    # resynthesis has the same band energies: 0.13 nepers (0.5 dB) off on
    # average when measured (TF, seed 0); a same-loudness noise is 2.4 off.
    # Silence (near the floor) cannot be matched in log terms.
    loud = log_mel > log_mel.max(axis=(1, 2), keepdims=True) - np.log(1e4)
    error = np.abs(again - log_mel)[loud].mean()
    assert error < 0.3, error
    # Against a waveform of the same loudness that is not this speech.
    noise = np.random.default_rng(0).normal(size=waves.shape).astype("float32") * waves.std()
    assert np.abs(keras.ops.convert_to_numpy(layer(noise)) - log_mel)[loud].mean() > 5 * error


def test_cepstral_smoothing_keeps_the_first_coefficients(clips):
    from scipy.fft import dct
    from scipy.fft import idct

    from keras_ae.layers import CepstralSmoothing

    log_mel = keras.ops.convert_to_numpy(LogMelSpectrogram(sampling_rate=8000)(clips))
    c = dct(log_mel.astype("float64"), type=2, norm="ortho", axis=-1)
    c[..., 12:] = 0.0
    expected = idct(c, type=2, norm="ortho", axis=-1)
    layer = CepstralSmoothing(12)
    actual = keras.ops.convert_to_numpy(layer(log_mel))
    np.testing.assert_allclose(actual, expected, atol=1e-3)
    # A projection: smoothing twice is smoothing once; the pitch's ripples are gone.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(actual)), actual, atol=1e-3)
    # A ripple of period 4 bands across the 40 (cepstral coefficient 20): smoothed away.
    ripple = np.cos(np.pi * (np.arange(40) + 0.5) * 20 / 40).astype("float32")[None, None]
    assert np.abs(keras.ops.convert_to_numpy(CepstralSmoothing(12)(ripple))).max() < 1e-5
    run_layer_test(CepstralSmoothing, {"num_coefficients": 5}, (2, 7, 40), (2, 7, 40),
                   expected_num_trainable_weights=0, run_training_check=False)
    with pytest.raises(ValueError, match="num_coefficients=41"):
        CepstralSmoothing(41)(np.zeros((1, 3, 40), "float32"))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_cepstral_smoothing_errors(bad):
    from keras_ae.layers import CepstralSmoothing

    with pytest.raises(ValueError, match="num_coefficients"):
        CepstralSmoothing(bad)
