"""Reading and writing PCM WAV files with the standard library's `wave` module."""

import os
import wave

import numpy as np

from keras_ae._checks import check_int

_PCM_DTYPES = {1: np.uint8, 2: np.int16}


def read_wav(path):
    """Reads a mono 8- or 16-bit PCM WAV file as float32 samples in [-1, 1].

    8-bit PCM is unsigned (silence is 128) and 16-bit PCM signed, as the WAV
    format defines them; both are scaled so full scale maps to ±1.

    Args:
        path: the file.

    Returns:
        `(samples, sample_rate)`: a float32 array `(frames,)` and an int.

    Raises:
        ValueError: if the file is not mono, not 8- or 16-bit PCM, or not a
            WAV file; the message names the file and what it holds.

    Example:

    >>> import os, tempfile, numpy as np
    >>> from keras_ae.data import read_wav, write_wav
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> write_wav(path, np.sin(np.arange(800) / 5).astype("float32") * 0.5, 8000)
    >>> samples, rate = read_wav(path)
    >>> samples.shape, rate
    ((800,), 8000)
    """
    try:
        with wave.open(os.fspath(path), "rb") as f:
            channels, width, rate, frames = (f.getnchannels(), f.getsampwidth(),
                                             f.getframerate(), f.getnframes())
            data = f.readframes(frames)
    except (wave.Error, EOFError) as error:
        raise ValueError(
            f"{path} is not a PCM WAV file that keras-ae can read ({error}). Convert it to "
            "mono 8- or 16-bit PCM, e.g. `sox in.wav -c 1 -b 16 out.wav`."
        ) from None
    if channels != 1:
        raise ValueError(
            f"{path} has {channels} channels; keras-ae reads mono audio. Mix it down "
            "first, e.g. `sox in.wav -c 1 out.wav`."
        )
    if width not in _PCM_DTYPES:
        raise ValueError(
            f"{path} holds {8 * width}-bit samples; keras-ae reads 8- and 16-bit PCM. "
            "Convert it, e.g. `sox in.wav -b 16 out.wav`."
        )
    samples = np.frombuffer(data, _PCM_DTYPES[width]).astype("float32")
    if width == 1:
        samples = (samples - 128.0) / 128.0
    else:
        samples = samples / 32768.0
    return samples, rate


def write_wav(path, samples, sample_rate):
    """Writes float samples in [-1, 1] as a mono 16-bit PCM WAV file.

    Values outside [-1, 1] are clipped.

    Args:
        path: the file to write.
        samples: array `(frames,)` of finite floats.
        sample_rate: int > 0, in Hz.
    """
    samples = np.asarray(samples, "float32")
    if samples.ndim != 1:
        raise ValueError(
            f"`samples` must be mono, shape (frames,). Received: samples.shape={samples.shape}"
        )
    if not np.all(np.isfinite(samples)):
        raise ValueError("`samples` contains NaN or Inf values")
    sample_rate = check_int("sample_rate", sample_rate, 1)
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(os.fspath(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(sample_rate))
        f.writeframes(pcm.tobytes())
