"""Changing the sample rate of audio with a polyphase windowed-sinc filter, in numpy."""

import math

import numpy as np

from keras_ae._checks import check_int

# The filter design of scipy.signal.resample_poly, so results agree with it:
# a Kaiser window with β = 5 (about 54 dB of stopband attenuation) over
# 2 * _HALF_LENGTH * max(up, down) + 1 taps.
_KAISER_BETA = 5.0
_HALF_LENGTH = 10


def resample(waveform, rate, target_rate, axis=-1):
    """Resamples audio from `rate` to `target_rate` Hz by polyphase filtering.

    Upsamples by `up = target_rate / g` (inserting zeros), low-pass filters,
    and keeps every `down = rate / g`-th sample, with `g = gcd(rate,
    target_rate)`; only the samples that are kept are computed. The filter is
    a Kaiser-windowed sinc (β = 5, 20 · max(up, down) + 1 taps) cut off at
    the lower of the two Nyquist frequencies and scaled to a gain of 1, the
    design of `scipy.signal.resample_poly`, whose output this matches to
    float32 rounding. Samples outside the input count as zeros, so the first
    and last few milliseconds fade slightly.

    Args:
        waveform: array-like of real numbers with at least one dimension;
            time runs along `axis`. Floats and integers are both accepted
            and converted to float32 value by value: int16 or uint8 PCM is
            not rescaled to [-1, 1] (`keras_ae.data.read_wav` does that).
        rate: the sample rate of `waveform`, a positive int, in Hz.
        target_rate: the wanted sample rate, a positive int, in Hz.
        axis: the time axis.

    Returns:
        A float32 array with the shape of `waveform` except along `axis`,
        where it has `ceil(n * up / down)` samples for `n` input samples.
        When `rate == target_rate`, the input converted to float32 (a copy).

    Raises:
        ValueError: if a rate is not a positive int (bools and floats such as
            `8000.0` included), `axis` is out of range, or `waveform` is not
            a real array with at least one dimension.

    Example:

    >>> import numpy as np
    >>> from keras_ae.data import resample
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000)
    >>> out = resample(tone, 48000, 8000)
    >>> out.shape, out.dtype
    ((8000,), dtype('float32'))
    >>> bool(np.abs(out[100:-100] - tone[::6][100:-100]).max() < 0.01)
    True
    """
    rate = check_int("rate", rate, 1)
    target_rate = check_int("target_rate", target_rate, 1)
    waveform = np.asarray(waveform)
    if waveform.dtype == np.bool_ or not (
        np.issubdtype(waveform.dtype, np.integer) or np.issubdtype(waveform.dtype, np.floating)
    ):
        raise ValueError(
            "`waveform` must hold real numbers (floats or integers). "
            f"Received: waveform.dtype={waveform.dtype}"
        )
    if waveform.ndim == 0:
        raise ValueError("`waveform` must have at least one dimension. Received a scalar.")
    axis = check_int("axis", axis)
    if not -waveform.ndim <= axis < waveform.ndim:
        raise ValueError(
            f"`axis` must be an int in [{-waveform.ndim}, {waveform.ndim}) for a waveform of "
            f"shape {waveform.shape}. Received: axis={axis!r}"
        )
    x = np.moveaxis(waveform.astype("float32"), axis, -1)
    if rate == target_rate:
        return np.moveaxis(x, -1, axis)
    g = math.gcd(int(rate), int(target_rate))
    up, down = int(target_rate) // g, int(rate) // g
    n = x.shape[-1]
    n_out = -(-n * up // down)
    batch_shape = x.shape[:-1]
    x = x.reshape(int(np.prod(batch_shape)), n)
    y = np.zeros((x.shape[0], n_out), "float32")
    if n_out == 0 or x.shape[0] == 0:
        return np.moveaxis(y.reshape(batch_shape + (n_out,)), -1, axis)

    half = _HALF_LENGTH * max(up, down)
    h = _lowpass(2 * half + 1, 1.0 / max(up, down)) * up
    # Polyphase form: output m sits at t = m * down + half on the upsampled
    # (and filter-delayed) axis; it sees input x[t // up - q] through tap
    # h[t % up + q * up]. The phase t % up repeats with period `up` in m.
    taps = -(-h.size // up)
    h = np.pad(h, (0, taps * up - h.size))
    last = ((n_out - 1) * down + half) // up
    xp = np.pad(x, ((0, 0), (taps - 1, max(0, last + 1 - n))))
    # windows[:, s] = xp[:, s : s + taps] = x[s + taps - 1 - q] for q = taps-1..0
    windows = np.lib.stride_tricks.sliding_window_view(xp, taps, axis=-1)
    for j in range(min(up, n_out)):
        t0 = j * down + half
        count = len(range(j, n_out, up))
        start = t0 // up
        rows = windows[:, start : start + (count - 1) * down + 1 : down]
        y[:, j::up] = rows @ h[t0 % up :: up][::-1].astype("float32")
    return np.moveaxis(y.reshape(batch_shape + (n_out,)), -1, axis)


def _lowpass(num_taps, cutoff):
    """A Kaiser-windowed sinc low-pass with DC gain 1; `cutoff` in units of Nyquist."""
    m = np.arange(num_taps) - (num_taps - 1) / 2
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(num_taps, _KAISER_BETA)
    return h / h.sum()
