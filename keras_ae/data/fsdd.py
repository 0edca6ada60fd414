import os
import re

import numpy as np

from keras_ae.data.paths import find_data_dir
from keras_ae.data.wav import read_wav

FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
_SOURCE = (
    "Get the recordings from https://github.com/Jakobovski/free-spoken-digit-dataset "
    "(CC BY-SA 4.0): the folder `recordings/` of WAV files named digit_speaker_take.wav."
)
_SPLITS = ("train", "test", "all")


def fsdd(split="train", path=None):
    """Loads the Free Spoken Digit Dataset: 8 kHz mono recordings of spoken digits.

    3,000 recordings: 6 speakers × 10 digits × 50 takes, named
    `{digit}_{speaker}_{take}.wav`. The usual split puts takes 0–4 in the
    test set (300 clips) and takes 5–49 in the training set (2,700). Looks at
    `path`, `$KERAS_AE_DATA/fsdd` and `./data/fsdd`, for a folder holding
    `recordings/` (or the recordings themselves); nothing is downloaded.

    Args:
        split: "train", "test" or "all".
        path: the data set's folder, or None to search.

    Returns:
        `(waveforms, digits, speakers)`: a list of float32 arrays in [-1, 1]
        (the clips differ in length), and int arrays of the digit (0–9) and
        the speaker (an index into `keras_ae.data.FSDD_SPEAKERS`), sorted by
        speaker, digit and take.

    Example:

    >>> from keras_ae.data import fsdd
    >>> waves, digits, speakers = fsdd("test")  # doctest: +SKIP
    >>> len(waves), digits[:3], speakers[:3]  # doctest: +SKIP
    (300, array([0, 0, 0]), array([0, 0, 0]))
    """
    waveforms, digits, speakers, _ = _load(split, path)
    return waveforms, digits, speakers


def _load(split, path):
    """`fsdd()`'s clips and labels, and the take of each clip (for `spoken_digits`)."""
    if split not in _SPLITS:
        raise ValueError(f"`split` must be one of {_SPLITS}. Received: split={split!r}")
    folder = _find(path)
    entries = []
    for name in os.listdir(folder):
        match = _NAME.match(name)
        if match is None:
            continue
        digit, speaker, take = int(match[1]), match[2], int(match[3])
        if speaker not in FSDD_SPEAKERS:
            raise ValueError(
                f"{os.path.join(folder, name)}: unknown speaker {speaker!r}; the Free "
                f"Spoken Digit Dataset has {FSDD_SPEAKERS}"
            )
        in_test = take < 5
        if split == "all" or (split == "test") == in_test:
            entries.append((FSDD_SPEAKERS.index(speaker), digit, take, name))
    if not entries:
        raise FileNotFoundError(f"No recordings named digit_speaker_take.wav in {folder}")
    entries.sort()
    waveforms = []
    for _, _, _, name in entries:
        samples, rate = read_wav(os.path.join(folder, name))
        if rate != 8000:
            raise ValueError(f"{os.path.join(folder, name)} is sampled at {rate} Hz, not 8000")
        waveforms.append(samples)
    speakers = np.array([e[0] for e in entries])
    digits = np.array([e[1] for e in entries])
    takes = np.array([e[2] for e in entries])
    return waveforms, digits, speakers, takes


def _find(path):
    try:
        folder = find_data_dir("fsdd", path, required_files=("recordings/0_george_0.wav",),
                               source=_SOURCE)
        return os.path.join(folder, "recordings")
    except FileNotFoundError:
        if path is None:
            raise
        # `path` may be the recordings folder itself.
        return find_data_dir("fsdd", path, required_files=("0_george_0.wav",), source=_SOURCE)
