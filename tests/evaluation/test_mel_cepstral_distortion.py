import math

import keras
import numpy as np
import pytest

from keras_ae.evaluation import dtw_path
from keras_ae.evaluation import mean_mel_cepstral_distortion
from keras_ae.evaluation import mel_cepstral_distortion
from keras_ae.evaluation import mel_cepstrum
from keras_ae.evaluation.mel_cepstral_distortion import _dtw_paths
from keras_ae.layers import LogMelSpectrogram

DB = 10 / math.log(10)


def _glide(seconds, formants_from, formants_to, f0=120.0, rate=8000):
    """A vowel-like sound: harmonics of f0 under formants that move from one set to another.

    The formants follow the fraction of the sound elapsed, so a longer call
    is the same sound spoken slower (time-stretched, at the same pitch).
    """
    t = np.arange(int(seconds * rate)) / rate
    u = t / seconds
    x = np.zeros_like(t)
    for h in range(1, int(3800 / f0)):
        amp = 0.01 + sum(np.exp(-0.5 * ((h * f0 - (a + (b - a) * u)) / 200.0) ** 2)
                         for a, b in zip(formants_from, formants_to))
        x += amp * np.sin(2 * np.pi * h * f0 * t)
    return (0.1 * x / np.abs(x).max()).astype("float32")


def _dtw_table(cost):
    """The least total cost of a path to each cell, by the textbook double loop (shifted
    by one: row and column 0 are the infinite border)."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j - 1], total[i - 1, j],
                                                   total[i, j - 1])
    return total


def _dtw_reference(cost):
    """The least total cost, by the textbook double loop."""
    return _dtw_table(cost)[-1, -1]


def _dtw_reference_path(cost):
    """The path back from the last cell, each step to the least of the diagonal, up and
    left cells (the first of equal ones, in that order)."""
    total = _dtw_table(cost)
    i, j = cost.shape
    path = [(i - 1, j - 1)]
    while (i, j) != (1, 1):
        i, j = min(((i - 1, j - 1), (i - 1, j), (i, j - 1)), key=lambda cell: total[cell])
        path.append((i - 1, j - 1))
    return path[::-1]


def test_mel_cepstrum_is_the_orthonormal_dct_of_half_the_log_mel():
    rng = np.random.default_rng(0)
    wave = rng.normal(size=3000).astype("float32")
    layer = LogMelSpectrogram(sampling_rate=8000)
    # The clip followed by silence: its last frames see zeros past its end.
    followed_by_silence = np.concatenate([wave, np.zeros(500, "float32")])
    log_mel = keras.ops.convert_to_numpy(layer(followed_by_silence))[: layer.frame_count(3000)]
    bands = np.arange(40)[:, None]
    k = np.arange(25)[None, :]
    dct = np.sqrt(2 / 40) * np.cos(np.pi * k * (bands + 0.5) / 40)
    dct[:, 0] /= np.sqrt(2)
    cepstrum = mel_cepstrum(wave)
    assert cepstrum.shape == (layer.frame_count(3000), 25)
    assert cepstrum.dtype == np.float32
    np.testing.assert_allclose(cepstrum, (0.5 * log_mel) @ dct, atol=1e-4)


def test_identical_and_rescaled_waveforms_have_no_distortion():
    wave = _glide(0.5, (300, 2200), (800, 1000))
    assert mel_cepstral_distortion(wave, wave) == 0.0
    # Gain moves c0 only, as long as no band sits at the floor (which the
    # glide's bands below f0 do once quieter): noise has energy in every band.
    noise = 0.1 * np.random.default_rng(0).normal(size=4000).astype("float32")
    assert mel_cepstral_distortion(0.3 * noise, noise) < 1e-3


def test_a_time_stretched_copy_is_close_and_other_sounds_are_far():
    wave = _glide(0.6, (300, 2200), (800, 1000))
    slower = _glide(0.9, (300, 2200), (800, 1000))  # the same glide, 1.5 times longer
    reversed_glide = _glide(0.6, (800, 1000), (300, 2200))
    noise = 0.05 * np.random.default_rng(0).normal(size=7200).astype("float32")
    stretched = mel_cepstral_distortion(slower, wave)
    # Measured: 0.72 dB for the stretched copy, 72 dB for the reversed glide,
    # 63 dB for the noise.
    assert stretched < 2.0, stretched
    assert mel_cepstral_distortion(reversed_glide, wave) > 10 * stretched
    assert mel_cepstral_distortion(noise, wave) > 10 * stretched
    # DTW does at least as well as the right fixed warp for a uniform
    # stretch, linear in time (1.07 dB).
    a, b = mel_cepstrum(slower), mel_cepstrum(wave)
    rows = np.linspace(0, len(a) - 1, len(b)).round().astype(int)
    linear = DB * np.mean(np.sqrt(2 * np.sum((a[rows, 1:] - b[:, 1:]) ** 2, axis=1)))
    assert stretched <= linear, (stretched, linear)


def test_the_formula_on_a_known_alignment():
    from keras_ae.evaluation.mel_cepstral_distortion import _distortion

    # Equal lengths, far apart frames: the DTW path is the diagonal.
    converted = np.zeros((3, 25))
    converted[:, 1] = [0.0, 10.0, 20.0]
    reference = converted.copy()
    reference[:, 0] = 100.0  # c0 is left out
    reference[:, 1] += 1.0
    reference[2, 5] = 2.0
    # Per frame: (10 / ln 10) sqrt(2 (1)), sqrt(2 (1)), sqrt(2 (1 + 4)).
    expected = DB * (np.sqrt(2.0) + np.sqrt(2.0) + np.sqrt(10.0)) / 3
    assert _distortion(converted, reference) == pytest.approx(expected, rel=1e-12)


def test_the_waveform_measure_is_the_formula_along_the_dtw_path():
    rng = np.random.default_rng(1)
    a = _glide(0.4, (300, 2200), (800, 1000)) + 0.01 * rng.normal(size=3200).astype("float32")
    b = _glide(0.5, (350, 2000), (700, 1200))
    ca, cb = mel_cepstrum(a).astype("float64"), mel_cepstrum(b).astype("float64")
    cost = np.linalg.norm(ca[:, None, 1:] - cb[None, :, 1:], axis=-1)
    path = dtw_path(cost)
    diff = ca[path[:, 0], 1:] - cb[path[:, 1], 1:]
    expected = np.mean(DB * np.sqrt(2 * np.sum(diff**2, axis=1)))
    assert mel_cepstral_distortion(a, b) == pytest.approx(expected, rel=1e-6)
    assert mean_mel_cepstral_distortion([a, b, a], [b, a, a]) == pytest.approx(
        (2 * expected + 0.0) / 3, rel=1e-6)


def test_dtw_matches_a_repeated_element_to_its_original():
    seq = np.array([0.0, 1.0, 2.0, 3.0])
    repeated = np.array([0.0, 1.0, 1.0, 2.0, 3.0])
    path = dtw_path(np.abs(seq[:, None] - repeated[None, :]))
    assert path.tolist() == [[0, 0], [1, 1], [1, 2], [2, 3], [3, 4]]
    assert path.dtype == np.int64
    path = dtw_path(np.abs(repeated[:, None] - seq[None, :]))
    assert path.tolist() == [[0, 0], [1, 1], [2, 1], [3, 2], [4, 3]]
    assert dtw_path(np.zeros((3, 3))).tolist() == [[0, 0], [1, 1], [2, 2]]  # ties: diagonal
    assert dtw_path(np.ones((1, 3))).tolist() == [[0, 0], [0, 1], [0, 2]]


@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (20, 31), (150, 150)])
def test_dtw_finds_the_least_cost_path(shape):
    cost = np.random.default_rng(shape[0]).random(shape)
    path = dtw_path(cost)
    assert path[0].tolist() == [0, 0] and path[-1].tolist() == [shape[0] - 1, shape[1] - 1]
    steps = np.diff(path, axis=0)
    assert set(map(tuple, steps.tolist())) <= {(1, 0), (0, 1), (1, 1)}
    if shape[0] * shape[1] <= 1000:
        assert cost[path[:, 0], path[:, 1]].sum() == pytest.approx(_dtw_reference(cost))


def test_paths_found_together_are_each_matrix_own():
    """Matrices of many shapes stacked in groups (padded to each group's largest): every
    path is the textbook one of its matrix alone, ties (integer costs) included."""
    rng = np.random.default_rng(0)
    costs = [rng.integers(0, 3, rng.integers(1, 20, 2)).astype(float) for _ in range(40)]
    costs += [rng.random(rng.integers(1, 20, 2)) for _ in range(40)]
    expected = [_dtw_reference_path(cost) for cost in costs]
    for max_cells in (1, 2000, 2**19):  # one matrix per group, a few, all in one
        paths = _dtw_paths(costs, max_cells=max_cells)
        assert [path.tolist() for path in paths] == [[list(c) for c in p] for p in expected]
        assert all(path.dtype == np.int64 for path in paths)
    with pytest.raises(ValueError, match="`cost` contains NaN"):
        _dtw_paths([costs[0], np.array([[np.inf]])])


WAVE = np.random.default_rng(0).normal(size=1000).astype("float32")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"converted": WAVE[None]}, r"`converted` must be a 1-d waveform.*shape=\(1, 1000\)"),
        ({"reference": np.zeros(0)}, "`reference` must have at least 129 samples"),
        ({"converted": np.zeros(128)}, "Received: 128 samples"),
        ({"reference": np.full(1000, np.nan)}, "`reference` contains NaN"),
        ({"converted": np.full(1000, np.inf)}, "`converted` contains NaN or Inf"),
        ({"sampling_rate": 0}, "sampling_rate=0"),
        ({"sampling_rate": 8000.0}, "sampling_rate=8000.0"),
        ({"sampling_rate": True}, "sampling_rate=True"),
    ],
)
def test_mel_cepstral_distortion_errors(kwargs, message):
    args = {"converted": WAVE, "reference": WAVE, **kwargs}
    with pytest.raises(ValueError, match=message):
        mel_cepstral_distortion(**args)


@pytest.mark.parametrize(
    "args, message",
    [
        (([WAVE], [WAVE, WAVE]), "as many waveforms. Received: 1 and 2"),
        (([], []), "`converted` must be a non-empty list"),
        ((WAVE, [WAVE]), "`converted` must be a non-empty list"),
        (([WAVE, WAVE[:5]], [WAVE, WAVE]), r"`converted\[1\]` must have at least 129"),
    ],
)
def test_mean_mel_cepstral_distortion_errors(args, message):
    with pytest.raises(ValueError, match=message):
        mean_mel_cepstral_distortion(*args)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mel_cepstrum(WAVE, num_coefficients=0), "num_coefficients=0"),
        (lambda: mel_cepstrum(WAVE, num_coefficients=41), "num_coefficients"),
        (lambda: mel_cepstrum(WAVE[:, None]), "`waveform` must be a 1-d"),
        (lambda: mel_cepstrum(WAVE, sampling_rate=-8000), "sampling_rate=-8000"),
        (lambda: dtw_path(np.zeros(4)), r"`cost` must be a non-empty matrix.*shape=\(4,\)"),
        (lambda: dtw_path(np.zeros((0, 3))), "`cost` must be a non-empty matrix"),
        (lambda: dtw_path(np.array([[0.0, np.nan]])), "`cost` contains NaN"),
    ],
)
def test_other_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numpy_integers_are_accepted():
    assert mel_cepstrum(WAVE, sampling_rate=np.int64(8000), num_coefficients=np.int32(13)).shape \
        == (13, 13)
