"""Argument checks shared by the speech measures of `keras_ae.evaluation`."""

import numpy as np


def check_int(name, value, minimum):
    """`value` as a Python int, refusing bools, non-integers and values below `minimum`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or \
            value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
    return int(value)


def as_waveform(x, name, min_samples):
    """`x` as a finite 1-d float32 numpy waveform of at least `min_samples` samples."""
    x = np.asarray(x, "float32")
    if x.ndim != 1:
        raise ValueError(f"`{name}` must be a 1-d waveform. Received: shape={x.shape}")
    if len(x) < min_samples:
        raise ValueError(
            f"`{name}` must have at least {min_samples} samples (the spectrogram's "
            f"fft_length // 2 + 1). Received: {len(x)} samples"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or Inf values")
    return x


def as_waveform_list(x, name, min_samples):
    """`x`, a non-empty list or tuple of waveforms, checked one by one."""
    if not isinstance(x, (list, tuple)) or not x:
        raise ValueError(
            f"`{name}` must be a non-empty list of 1-d waveforms. Received: {type(x).__name__}"
        )
    return [as_waveform(w, f"{name}[{i}]", min_samples) for i, w in enumerate(x)]
