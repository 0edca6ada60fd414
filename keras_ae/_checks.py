"""Argument checks that every class and function of keras_ae calls.

Each takes the argument's name, then its value, returns the value as a plain
Python object, and raises a ValueError shaped
"`name` must be <what is valid>. Received: name=<value>". Bools are refused
where a number is meant; numpy integers and floats are accepted.
"""

import math

import numpy as np


def check_int(name, value, low=None, high=None, allow_none=False):
    """`value` as a Python int in `[low, high]`; bools and non-integers are refused."""
    if value is None and allow_none:
        return None
    if not _is_number(value, (int, np.integer)) or not _in_range(value, low, high):
        _fail(name, value, "an int" + _interval(low, high) + (" or None" if allow_none else ""))
    return int(value)


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """`value` as a finite Python float between `low` and `high` (open or closed ends)."""
    ok = _is_number(value, (int, float, np.integer, np.floating)) and math.isfinite(value)
    if not ok or not _in_range(value, low, high, low_open, high_open):
        _fail(name, value, "a finite number" + _interval(low, high, low_open, high_open))
    return float(value)


def check_bool(name, value):
    """`value` as a Python bool; anything else, 0 and 1 included, is refused."""
    if not isinstance(value, (bool, np.bool_)):
        _fail(name, value, "a bool")
    return bool(value)


def as_waveform(name, value, min_samples):
    """`value` as a finite 1-d float32 numpy waveform of at least `min_samples` samples."""
    x = np.asarray(value, "float32")
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


def as_waveform_list(name, value, min_samples):
    """`value`, a non-empty list or tuple of waveforms, checked one by one."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(
            f"`{name}` must be a non-empty list of 1-d waveforms. "
            f"Received: {type(value).__name__}"
        )
    return [as_waveform(f"{name}[{i}]", w, min_samples) for i, w in enumerate(value)]


def _is_number(value, types):
    return isinstance(value, types) and not isinstance(value, (bool, np.bool_))


def _in_range(value, low, high, low_open=False, high_open=False):
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    return above and below


def _interval(low, high, low_open=False, high_open=False):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def _fail(name, value, valid):
    raise ValueError(f"`{name}` must be {valid}. Received: {name}={value!r}")
