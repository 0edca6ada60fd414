import os
import wave

import numpy as np
import pytest

from keras_ae.data import read_wav
from keras_ae.data import write_wav


def _raw_wav(path, frames, width, channels=1, rate=8000):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(frames.tobytes())


def test_16_bit_pcm_is_scaled_to_unit_range(tmp_path):
    pcm = np.array([0, 16384, -16384, 32767, -32768], "<i2")
    _raw_wav(tmp_path / "a.wav", pcm, 2, rate=16000)
    samples, rate = read_wav(tmp_path / "a.wav")
    assert rate == 16000 and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, [0.0, 0.5, -0.5, 32767 / 32768, -1.0])


def test_8_bit_pcm_is_unsigned_around_128(tmp_path):
    pcm = np.array([128, 192, 64, 0, 255], np.uint8)
    _raw_wav(tmp_path / "b.wav", pcm, 1)
    samples, _ = read_wav(tmp_path / "b.wav")
    np.testing.assert_array_equal(samples, [0.0, 0.5, -0.5, -1.0, 127 / 128])


def test_a_real_recording(data_dir):
    """The first FSDD take: 16-bit, 8 kHz, 5,148 frames (as its header says)."""
    path = os.path.join(data_dir, "fsdd", "recordings", "0_jackson_0.wav")
    samples, rate = read_wav(path)
    with wave.open(path) as f:
        raw = np.frombuffer(f.readframes(f.getnframes()), "<i2")
    assert rate == 8000 and samples.shape == (5148,)
    np.testing.assert_array_equal(samples * 32768, raw)
    assert 0.01 < np.abs(samples).max() <= 1.0


def test_write_then_read_round_trip(tmp_path):
    x = (np.sin(np.arange(1000) / 7.0) * 0.8).astype("float32")
    write_wav(tmp_path / "c.wav", x, 8000)
    y, rate = read_wav(tmp_path / "c.wav")
    assert rate == 8000
    np.testing.assert_allclose(y, x, atol=1 / 32768)
    write_wav(tmp_path / "d.wav", np.array([2.0, -2.0], "float32"), 8000)  # clipped
    np.testing.assert_allclose(read_wav(tmp_path / "d.wav")[0], [32767 / 32768, -1.0])


def test_refuses_what_it_cannot_read(tmp_path):
    _raw_wav(tmp_path / "stereo.wav", np.zeros(8, "<i2"), 2, channels=2)
    with pytest.raises(ValueError, match="2 channels.*mono"):
        read_wav(tmp_path / "stereo.wav")
    _raw_wav(tmp_path / "24bit.wav", np.zeros(12, np.uint8), 3)
    with pytest.raises(ValueError, match="24-bit"):
        read_wav(tmp_path / "24bit.wav")
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(ValueError, match="text.wav is not a PCM WAV"):
        read_wav(tmp_path / "text.wav")


@pytest.mark.parametrize("kwargs, match", [
    ({"samples": np.zeros((2, 2))}, "mono"),
    ({"samples": np.array([np.nan])}, "NaN"),
    ({"sample_rate": 0}, "sample_rate=0"),
])
def test_write_checks_its_arguments(tmp_path, kwargs, match):
    arguments = {"path": tmp_path / "x.wav", "samples": np.zeros(4), "sample_rate": 8000,
                 **kwargs}
    with pytest.raises(ValueError, match=match):
        write_wav(**arguments)
