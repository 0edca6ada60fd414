"""keras_ae._checks: the argument checks every class calls."""

import re

import numpy as np
import pytest

from keras_ae._checks import as_waveform
from keras_ae._checks import as_waveform_list
from keras_ae._checks import check_bool
from keras_ae._checks import check_int
from keras_ae._checks import check_number


def _raises(message):
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize("value", [3, np.int8(3), np.int64(3), np.uint16(3)])
def test_check_int_accepts_python_and_numpy_integers(value):
    out = check_int("size", value, 1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 3.0, np.float32(3), "3", None,
                                   np.array(3), [3]])
def test_check_int_refuses_bools_and_non_integers(value):
    with _raises(f"`size` must be an int. Received: size={value!r}"):
        check_int("size", value)


def test_check_int_bounds_are_closed():
    assert check_int("k", 1, 1, 3) == 1
    assert check_int("k", 3, 1, 3) == 3
    with _raises("`k` must be an int in [1, 3]. Received: k=0"):
        check_int("k", 0, 1, 3)
    with _raises(f"`k` must be an int in [1, 3]. Received: k={np.int32(4)!r}"):
        check_int("k", np.int32(4), 1, 3)
    with _raises("`k` must be an int >= 2. Received: k=1"):
        check_int("k", 1, 2)
    with _raises("`k` must be an int <= -1. Received: k=0"):
        check_int("k", 0, high=-1)


def test_check_int_allow_none():
    assert check_int("limit", None, 1, allow_none=True) is None
    with _raises("`limit` must be an int >= 1. Received: limit=None"):
        check_int("limit", None, 1)
    with _raises("`limit` must be an int >= 1 or None. Received: limit=0"):
        check_int("limit", 0, 1, allow_none=True)


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.float64(0.5), np.int64(1)])
def test_check_number_accepts_python_and_numpy_numbers(value):
    out = check_number("rate", value, 0, 1)
    assert out == float(value) and type(out) is float


@pytest.mark.parametrize("value", [True, np.bool_(False), "0.5", None, np.array([0.5]),
                                   float("nan"), np.float32("nan"), float("inf"), -np.inf])
def test_check_number_refuses_bools_non_numbers_and_non_finite_values(value):
    with _raises(f"`rate` must be a finite number. Received: rate={value!r}"):
        check_number("rate", value)


@pytest.mark.parametrize("kwargs, valid, accepted, refused", [
    ({"low": 0}, ">= 0", [0, 5.0], [-0.1]),
    ({"low": 0, "low_open": True}, "> 0", [1e-9], [0.0]),
    ({"high": 1}, "<= 1", [1, -5.0], [1.5]),
    ({"high": 1, "high_open": True}, "< 1", [0.99], [1.0]),
    ({"low": 0, "high": 1}, "in [0, 1]", [0, 1], [-0.01, 1.01]),
    ({"low": 0, "high": 1, "high_open": True}, "in [0, 1)", [0], [1.0]),
    ({"low": 0, "high": 1, "low_open": True}, "in (0, 1]", [1], [0.0]),
    ({"low": 0, "high": 1, "low_open": True, "high_open": True}, "in (0, 1)", [0.5], [0, 1]),
])
def test_check_number_bounds_open_and_closed(kwargs, valid, accepted, refused):
    for value in accepted:
        assert check_number("decay", value, **kwargs) == value
    for value in refused:
        with _raises(f"`decay` must be a finite number {valid}. Received: decay={value!r}"):
            check_number("decay", value, **kwargs)


def test_check_bool():
    assert check_bool("hard", True) is True
    assert check_bool("hard", np.bool_(False)) is False
    for value in (0, 1, 1.0, "True", None):
        with _raises(f"`hard` must be a bool. Received: hard={value!r}"):
            check_bool("hard", value)


def test_as_waveform_and_list():
    out = as_waveform("clip", [0.0, 1.0, 2.0], 3)
    assert out.dtype == np.float32 and out.shape == (3,)
    with pytest.raises(ValueError, match=r"`clip` must be a 1-d waveform. Received: shape=\(1,"):
        as_waveform("clip", [[0.0, 1.0, 2.0]], 3)
    with pytest.raises(ValueError, match="`clip` must have at least 4 samples.*Received: 3"):
        as_waveform("clip", [0.0, 1.0, 2.0], 4)
    with pytest.raises(ValueError, match="`clip` contains NaN or Inf"):
        as_waveform("clip", [0.0, np.nan, 2.0], 3)
    assert len(as_waveform_list("clips", [np.zeros(3), np.ones(4)], 3)) == 2
    with pytest.raises(ValueError, match=r"`clips\[1\]` must have at least 3 samples"):
        as_waveform_list("clips", [np.zeros(3), np.ones(2)], 3)
    with pytest.raises(ValueError, match="`clips` must be a non-empty list.*Received: ndarray"):
        as_waveform_list("clips", np.zeros(3), 3)
