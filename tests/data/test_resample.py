import os
import time

import numpy as np
import pytest
import scipy.signal

from keras_ae.data import read_wav
from keras_ae.data import resample

RATE_PAIRS = [(8000, 16000), (16000, 8000), (44100, 8000), (48000, 16000)]


def _sine(frequency, rate, seconds=1.0, amplitude=0.8, phase=0.0):
    t = np.arange(int(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t + phase)


def _peak(y, rate):
    """Frequency (Hz) and amplitude of the largest FFT bin of `y`."""
    spectrum = np.fft.rfft(y)
    k = int(np.argmax(np.abs(spectrum)))
    return k * rate / len(y), 2 * np.abs(spectrum[k]) / len(y)


@pytest.mark.parametrize("rate, target_rate", RATE_PAIRS)
def test_matches_scipy_resample_poly(rate, target_rate):
    # The same filter as scipy's (Kaiser β=5, 20·max(up, down)+1 taps), so the
    # two agree everywhere, edges and stopband included, up to rounding: the
    # output is float32 (eps 6e-8) and each sample sums at most ~120 products,
    # so 1e-5 of the peak leaves a wide margin (measured: at most 1.2e-6).
    rng = np.random.default_rng(0)
    noise = rng.normal(size=rate // 4)
    sines = _sine(440, rate, 0.25) + 0.5 * _sine(3000, rate, 0.25, phase=1.0)
    for x in (noise, sines):
        expected = scipy.signal.resample_poly(x, target_rate, rate)
        y = resample(x, rate, target_rate)
        assert y.shape == expected.shape
        assert np.abs(y - expected).max() < 1e-5 * np.abs(x).max()


@pytest.mark.parametrize("rate, target_rate", RATE_PAIRS)
def test_a_sine_in_the_passband_keeps_its_frequency_and_amplitude(rate, target_rate):
    y = resample(_sine(1000, rate), rate, target_rate)
    # Drop the first and last 25 ms, where zeros outside the clip fade it;
    # 1000 Hz then falls on an FFT bin.
    trim = target_rate // 40
    frequency, amplitude = _peak(y[trim:-trim], target_rate)
    assert frequency == 1000
    # Kaiser β=5 ripples by about 0.2% in the passband (measured: +0.08%).
    np.testing.assert_allclose(amplitude, 0.8, rtol=5e-3)


@pytest.mark.parametrize("rate, target_rate, frequency", [
    (48000, 8000, 6000), (44100, 8000, 5000), (16000, 8000, 5000), (48000, 16000, 10000),
])
def test_a_tone_above_the_new_nyquist_is_removed(rate, target_rate, frequency):
    # Kaiser β=5 gives ~54 dB in the stopband (measured: 57 to 69 dB here)
    # instead of an alias of full amplitude.
    x = _sine(frequency, rate)
    trim = target_rate // 40
    y = resample(x, rate, target_rate)[trim:-trim]
    attenuation_db = 20 * np.log10(np.sqrt(np.mean(y**2)) / np.sqrt(np.mean(x**2)))
    assert attenuation_db < -40


@pytest.mark.parametrize("rate, target_rate", RATE_PAIRS + [(8000, 44100), (3, 7)])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 1001])
def test_output_length_is_ceil_n_up_over_down(rate, target_rate, n):
    g = np.gcd(rate, target_rate)
    up, down = target_rate // g, rate // g
    y = resample(np.ones(n), rate, target_rate)
    assert y.shape == (-(-n * up // down),)
    if n:
        assert y.shape == scipy.signal.resample_poly(np.ones(n), up, down).shape


@pytest.mark.parametrize("dtype", ["int16", "uint8", "float16", "float32", "float64"])
def test_any_real_dtype_gives_float32_value_by_value(dtype):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 200, size=500).astype(dtype)
    y = resample(x, 16000, 8000)
    assert y.dtype == np.float32
    # Integers are not rescaled: int16 PCM stays in ±32768, uint8 keeps its offset.
    np.testing.assert_array_equal(y, resample(x.astype("float32"), 16000, 8000))


def test_axis_on_two_and_three_dimensional_input():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 1000)).astype("float32")
    rows = np.stack([resample(row, 16000, 44100) for row in x])
    y = resample(x, 16000, 44100)
    assert y.shape == (3, 2757)
    np.testing.assert_allclose(y, rows, atol=1e-6)
    np.testing.assert_allclose(resample(x.T, 16000, 44100, axis=0), rows.T, atol=1e-6)
    np.testing.assert_allclose(resample(x.T, 16000, 44100, axis=-2), rows.T, atol=1e-6)
    cube = np.stack([x, 2 * x], axis=1)  # (3, 2, 1000), time on axis 2
    out = resample(np.moveaxis(cube, 2, 0), 16000, 44100, axis=0)
    assert out.shape == (2757, 3, 2)
    np.testing.assert_allclose(out[:, :, 1], 2 * rows.T, atol=1e-5)


def test_equal_rates_return_a_float32_copy():
    x = np.arange(-5, 5, dtype="int16").reshape(2, 5)
    y = resample(x, 22050, 22050)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, x)
    y[0, 0] = 99
    assert x[0, 0] == -5


def test_ten_seconds_at_48_khz_take_well_under_a_second():
    x = np.random.default_rng(3).normal(size=480000).astype("float32")
    start = time.perf_counter()
    y = resample(x, 48000, 8000)
    assert time.perf_counter() - start < 1.0  # measured: about 0.01 s
    assert y.shape == (80000,)


def test_a_real_recording_survives_8_to_16_and_back(data_dir):
    x, rate = read_wav(os.path.join(data_dir, "fsdd", "recordings", "0_jackson_0.wav"))
    assert rate == 8000
    up = resample(x, 8000, 16000)
    back = resample(up, 16000, 8000)
    assert up.shape == (2 * x.size,) and back.shape == x.shape
    reference = scipy.signal.resample_poly(scipy.signal.resample_poly(x, 2, 1), 1, 2)
    assert np.abs(back - reference).max() < 1e-5
    # What is lost is the band near 4 kHz where the 41-tap filter rolls off
    # (and the fades at the ends); speech has little energy there.
    # Measured: 0.45% of the energy norm.
    assert np.linalg.norm(back - x) / np.linalg.norm(x) < 0.02


@pytest.mark.parametrize("kwargs, match", [
    ({"rate": 0}, "rate=0"),
    ({"rate": -8000}, "rate=-8000"),
    ({"rate": 8000.0}, "rate=8000.0"),
    ({"rate": True}, "rate=True"),
    ({"rate": "8000"}, "rate='8000'"),
    ({"target_rate": 0}, "target_rate=0"),
    ({"target_rate": 16000.5}, "target_rate=16000.5"),
    ({"target_rate": False}, "target_rate=False"),
    ({"target_rate": None}, "target_rate=None"),
    ({"axis": 1}, "axis=1"),
    ({"axis": -2}, "axis=-2"),
    ({"waveform": np.float32(1.0)}, "at least one dimension"),
    ({"waveform": np.ones(4, bool)}, "waveform.dtype=bool"),
    ({"waveform": np.ones(4, complex)}, "waveform.dtype=complex128"),
])
def test_checks_its_arguments(kwargs, match):
    arguments = {"waveform": np.zeros(16), "rate": 8000, "target_rate": 16000, **kwargs}
    with pytest.raises(ValueError, match=match):
        resample(**arguments)
