import os

import numpy as np
import pytest

from keras_ae.data import FSDD_SPEAKERS
from keras_ae.data import fsdd


def test_the_usual_split(data_dir):
    folder = os.path.join(data_dir, "fsdd")
    train = fsdd("train", path=folder)
    test = fsdd("test", path=folder)
    assert len(train[0]) == 2700 and len(test[0]) == 300
    for waves, digits, speakers in (train, test):
        assert len(waves) == len(digits) == len(speakers)
        # Every speaker says every digit equally often.
        counts = np.zeros((6, 10), int)
        np.add.at(counts, (speakers, digits), 1)
        assert (counts == counts[0, 0]).all()
        assert all(w.dtype == np.float32 and w.ndim == 1 and np.abs(w).max() <= 1 for w in waves)
    assert FSDD_SPEAKERS[test[2][0]] == "george" and test[1][0] == 0


def test_labels_match_the_file_names(data_dir):
    """Sorted by speaker, digit, take: test clip k of a (speaker, digit) is take k."""
    from keras_ae.data import read_wav

    recordings = os.path.join(data_dir, "fsdd", "recordings")
    waves, digits, speakers = fsdd("test", path=recordings)  # the recordings folder works too
    i = int(np.flatnonzero((speakers == FSDD_SPEAKERS.index("theo")) & (digits == 7))[3])
    expected, _ = read_wav(os.path.join(recordings, "7_theo_3.wav"))
    np.testing.assert_array_equal(waves[i], expected)


def test_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="split='dev'"):
        fsdd("dev")
    with pytest.raises(FileNotFoundError, match="free-spoken-digit-dataset"):
        fsdd("test", path=tmp_path)
