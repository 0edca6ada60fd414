import os

import numpy as np
import pytest

from keras_ae.data import FLITE_VOICES
from keras_ae.data import FSDD_SPEAKERS
from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data import flite_speech
from keras_ae.data import fsdd
from keras_ae.data import read_wav
from keras_ae.data import spoken_digits


@pytest.fixture
def paths(data_dir):
    return {"fsdd_path": os.path.join(data_dir, "fsdd"),
            "flite_path": os.path.join(data_dir, "flite-speech")}


def test_speakers():
    assert SPOKEN_DIGIT_SPEAKERS == (
        "george", "jackson", "lucas", "nicolas", "theo", "yweweler", "awb", "rms", "slt", "kal16"
    )
    assert SPOKEN_DIGIT_SPEAKERS == FSDD_SPEAKERS + FLITE_VOICES


def test_ten_speakers_the_same_split(paths):
    train = spoken_digits("train", **paths)
    test = spoken_digits("test", **paths)
    assert len(train[0]) == 10 * 10 * 45 == 4500 and len(test[0]) == 10 * 10 * 5 == 500
    for (waves, digits, speakers, takes), take_range in ((train, range(5, 50)), (test, range(5))):
        assert len(waves) == len(digits) == len(speakers) == len(takes)
        expected = [(s, d, t) for s in range(10) for d in range(10) for t in take_range]
        assert list(zip(speakers.tolist(), digits.tolist(), takes.tolist())) == expected
        assert all(w.dtype == np.float32 and w.ndim == 1 and np.abs(w).max() <= 1 for w in waves)
    # Each half is its own loader's output, FSDD's first.
    waves, digits, speakers, takes = test
    fsdd_waves, fsdd_digits, fsdd_speakers = fsdd("test", path=paths["fsdd_path"])
    flite_waves, flite_digits, flite_voices, flite_takes = flite_speech(
        "test", path=paths["flite_path"]
    )
    assert len(fsdd_waves) == 300
    np.testing.assert_array_equal(digits, np.concatenate([fsdd_digits, flite_digits]))
    np.testing.assert_array_equal(speakers[:300], fsdd_speakers)
    np.testing.assert_array_equal(speakers[300:], flite_voices + 6)
    np.testing.assert_array_equal(takes[300:], flite_takes)
    for a, b in zip(waves, fsdd_waves + flite_waves):
        np.testing.assert_array_equal(a, b)


def test_fsdd_takes_match_the_file_names(paths):
    waves, digits, speakers, takes = spoken_digits("all", **paths)
    assert len(waves) == 5000
    for speaker, digit, take in (("theo", 7, 3), ("george", 0, 49), ("kal16", 9, 12)):
        i = int(np.flatnonzero((speakers == SPOKEN_DIGIT_SPEAKERS.index(speaker))
                               & (digits == digit) & (takes == take))[0])
        folder = "fsdd/recordings" if speaker in FSDD_SPEAKERS else "flite-speech/digits"
        root = os.path.dirname(paths["fsdd_path"])
        expected, _ = read_wav(os.path.join(root, folder, f"{digit}_{speaker}_{take}.wav"))
        np.testing.assert_array_equal(waves[i], expected)


def test_errors(paths, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="split='dev'"):
        spoken_digits("dev", **paths)
    with pytest.raises(FileNotFoundError, match="free-spoken-digit-dataset"):
        spoken_digits("test", fsdd_path=tmp_path, flite_path=paths["flite_path"])
    with pytest.raises(FileNotFoundError, match=r"make\.py"):
        spoken_digits("test", fsdd_path=paths["fsdd_path"], flite_path=tmp_path)
