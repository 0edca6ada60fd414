import numpy as np
import pytest
from keras import ops

from keras_ae.layers import LogMelSpectrogram
from keras_ae.ops.frequency_warp import warp_mel_frequencies


def _mel(hertz):
    return 2595 * np.log10(1 + np.asarray(hertz) / 700)


def _centres(bands, low_hz, high_hz):
    edges = np.linspace(_mel(low_hz), _mel(high_hz), bands + 2)
    return 700 * (10 ** (edges[1:-1] / 2595) - 1)


def test_warp_reads_each_band_at_the_stretched_frequency():
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(3, 4, 20)).astype("float32")
    factors = np.array([1.0, 1.15, 0.85], "float32")
    warped = ops.convert_to_numpy(warp_mel_frequencies(frames, factors, 100.0, 4000.0))
    centres = _centres(20, 100.0, 4000.0)
    for i, factor in enumerate(factors):
        for t in range(4):
            # Linear between band centres on the mel scale; np.interp holds the end
            # values beyond the first and last centres.
            expected = np.interp(_mel(factor * centres), _mel(centres), frames[i, t])
            np.testing.assert_allclose(warped[i, t], expected, atol=1e-4)
    np.testing.assert_allclose(warped[0], frames[0], atol=1e-4)  # factor 1: unchanged


def test_a_tone_moves_to_the_band_of_its_scaled_frequency():
    rate = 8000
    time = np.arange(rate) / rate
    layer = LogMelSpectrogram(sampling_rate=rate, num_mel_bins=40)

    def log_mel(hertz):
        return ops.convert_to_numpy(layer(np.sin(2 * np.pi * hertz * time)[None].astype(
            "float32")))

    warped = ops.convert_to_numpy(warp_mel_frequencies(log_mel(1500.0), np.array([1.25]),
                                                       layer.min_freq, layer.max_freq))
    # Read at 1.25 f, the 1500 Hz tone shows up where a 1200 Hz tone lies.
    assert warped[0].mean(0).argmax() == log_mel(1200.0)[0].mean(0).argmax() \
        != log_mel(1500.0)[0].mean(0).argmax()


def test_bad_edges_are_refused():
    with pytest.raises(ValueError, match="min_freq.*max_freq"):
        warp_mel_frequencies(np.zeros((1, 2, 4), "float32"), np.ones(1), 500.0, 100.0)
