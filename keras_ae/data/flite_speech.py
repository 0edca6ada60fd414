import os

import numpy as np

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.data.paths import check_names
from keras_ae.data.paths import find_data_dir
from keras_ae.data.wav import read_wav

FLITE_VOICES = ("awb", "rms", "slt", "kal16")
# flite's US English phone set (CMU's, without stress marks), plus `pau` for silence: every
# phone that appears in alignments.tsv, sorted.
FLITE_PHONES = (
    "aa", "ae", "ah", "ao", "aw", "ax", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g",
    "hh", "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "pau", "r", "s", "sh", "t",
    "th", "uh", "uw", "v", "w", "y", "z", "zh",
)
_SOURCE = (
    "There is nothing to download: the files are synthesised by the script `make.py` kept "
    "with the data set (flite-speech/make.py, see its README.md), with Debian's flite 2.2 and "
    "sox (`apt-get install flite sox`, then `python3 make.py OUT_DIR/flite-speech`; it reads "
    "its sentences from the gutenberg data set beside its own folder)."
)
_REQUIRED = ("digits/0_awb_0.wav", "sentences/awb_000.wav", "sentences.tsv", "alignments.tsv")
_SPLITS = ("train", "test", "all")
_KINDS = ("digits", "sentences")
_TAKES = 50
_TEST_TAKES = 5  # takes 0-4 are the test set, as in FSDD's usual split
_FIRST_TEST_SENTENCE = 160  # sentence ids 160-199 are the test set


def flite_speech(split="train", kind="digits", voices=None, path=None):
    """Loads flite-speech: parallel synthetic speech in four voices, 8 kHz mono.

    Synthesised with flite 2.2 in the voices `awb` (Scottish English male),
    `rms` (US male), `slt` (US female) and `kal16` (US male, diphone), all
    built from CMU ARCTIC recordings (names in
    `keras_ae.data.FLITE_VOICES`), and resampled to 8 kHz 16-bit mono to sit
    beside the Free Spoken Digit Dataset. The data is parallel: every voice
    says the same utterances.

    - `kind="digits"`: "zero" … "nine", 50 takes per digit per voice
      (2,000 clips), `digits/{digit}_{voice}_{take}.wav`. A take is one
      speaking rate (0.8–1.3) and ending (`.` or `?`), the same in every
      voice, so take t of two voices is the same utterance. Takes 0–4 are
      the test set (200 clips), takes 5–49 the training set (1,800).
    - `kind="sentences"`: 200 sentences of 6–14 words from the Gutenberg
      books, `sentences/{voice}_{id:03d}.wav` (800 clips), their text in
      `sentences.tsv`. Ids 160–199 are the test set (160 clips), ids 0–159
      the training set (640).

    Synthetic speech has no microphone or room, and each voice is one
    speaker: use it beside real recordings, not instead of them. Phone
    timings are in `keras_ae.data.flite_alignments`. Looks at `path`,
    `$KERAS_AE_DATA/flite-speech` and `./data/flite-speech`; nothing is
    downloaded (the script `make.py` beside the data remakes it).

    Args:
        split: "train", "test" or "all".
        kind: "digits" or "sentences".
        voices: None for all four voices, a voice name, or a list of voice
            names from `FLITE_VOICES`. The clips come in the order of
            `FLITE_VOICES` whatever the order asked.
        path: the data set's folder, or None to search.

    Returns:
        For `kind="digits"`, `(waveforms, digits, voices, takes)`: a list of
        float32 arrays in [-1, 1] (the clips differ in length), and int
        arrays of the digit (0–9), the voice (an index into
        `keras_ae.data.FLITE_VOICES`, also when `voices` selects some) and
        the take, sorted by voice, digit and take.

        For `kind="sentences"`, `(waveforms, sentence_ids, voices, texts)`:
        the waveforms, int arrays of the sentence id (0–199) and the voice,
        and a list of each clip's text (a `str`, from `sentences.tsv`),
        sorted by voice and id.

    Example:

    >>> from keras_ae.data import flite_speech
    >>> waves, digits, voices, takes = flite_speech("test")  # doctest: +SKIP
    >>> len(waves), digits[:6], voices[:6], takes[:6]  # doctest: +SKIP
    (200, array([0, 0, 0, 0, 0, 1]), array([0, 0, 0, 0, 0, 0]), array([0, 1, 2, 3, 4, 0]))
    """
    if split not in _SPLITS:
        raise ValueError(f"`split` must be one of {_SPLITS}. Received: split={split!r}")
    if kind not in _KINDS:
        raise ValueError(f"`kind` must be one of {_KINDS}. Received: kind={kind!r}")
    voice_ids = _voice_indices(voices)
    folder = _find(path)
    if kind == "digits":
        entries = [(v, d, t) for v in voice_ids for d in range(10) for t in range(_TAKES)
                   if _in_split(split, t < _TEST_TAKES)]
        files = [f"digits/{d}_{FLITE_VOICES[v]}_{t}.wav" for v, d, t in entries]
    else:
        texts = _read_sentences(os.path.join(folder, "sentences.tsv"))
        entries = [(v, i) for v in voice_ids for i in sorted(texts)
                   if _in_split(split, i >= _FIRST_TEST_SENTENCE)]
        files = [f"sentences/{FLITE_VOICES[v]}_{i:03d}.wav" for v, i in entries]
    waveforms = [_read_clip(folder, f) for f in files]
    voices_out = np.array([e[0] for e in entries])
    labels = np.array([e[1] for e in entries])
    if kind == "digits":
        return waveforms, labels, voices_out, np.array([e[2] for e in entries])
    return waveforms, labels, voices_out, [texts[i] for _, i in entries]


def flite_alignments(path=None):
    """Loads flite-speech's phone timings: the phones of every clip, in order.

    The timings are the synthesiser's own (flite's segment durations), so
    they are exact for what it generated; no forced alignment. Phones are
    flite's US English set plus `pau` for silence, the 41 symbols of
    `keras_ae.data.FLITE_PHONES`. Segments follow each other without gaps
    from 0 s. Nothing is clipped here: for `kal16` the last `pau` runs up to
    0.14 s past the end of the file (0.005 s for the other voices); clip it
    to the clip's length, or let `keras_ae.data.phone_labels` do so by
    asking for the clip's number of frames.

    Args:
        path: the data set's folder (as for `flite_speech`), or None to
            search.

    Returns:
        A dict `{file: segments}`, in the order of `alignments.tsv`: `file`
        is the clip's path relative to the data set's folder, with `/`
        (e.g. `"digits/0_awb_0.wav"`, `"sentences/slt_042.wav"`), and
        `segments` a list of `(phone, start_seconds, end_seconds)` tuples
        (a `str` and two floats), in time order.

    Example:

    >>> from keras_ae.data import flite_alignments
    >>> alignments = flite_alignments()  # doctest: +SKIP
    >>> alignments["digits/0_awb_0.wav"][:2]  # doctest: +SKIP
    [('pau', 0.0, 0.231), ('z', 0.231, 0.324)]
    """
    file = os.path.join(_find(path), "alignments.tsv")
    alignments = {}
    with open(file, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        if header != "file\tphone\tstart\tend":
            raise ValueError(
                f"{file}: the first line must be the header 'file<TAB>phone<TAB>start<TAB>end'. "
                f"Received: {header!r}"
            )
        for number, line in enumerate(f, start=2):
            try:
                name, phone, start, end = line.rstrip("\n").split("\t")
                segment = (phone, float(start), float(end))
            except ValueError:
                raise ValueError(
                    f"{file}, line {number}: expected a file, a phone, and start and end "
                    f"times in seconds, separated by tabs. Received: {line!r}"
                ) from None
            alignments.setdefault(name, []).append(segment)
    return alignments


def phone_labels(segments, num_frames, frame_step_seconds=0.01, phones=FLITE_PHONES):
    """Frame-level phone labels from a clip's phone segments.

    Frame `t` is labelled with the segment covering its centre, at
    `t * frame_step_seconds` (the frames of `keras_ae.layers.LogMelSpectrogram`
    are centred there, and its `frame_count(len(waveform))` gives
    `num_frames`): the first segment whose end is after the centre, so a
    boundary belongs to the segment that starts there. Frames past the last
    segment get the last segment's phone, and segments past the last frame
    are ignored, so a clip with more or fewer frames than its segments span
    (kal16's last `pau` overruns its file) is labelled frame by frame.

    Args:
        segments: a non-empty list of `(phone, start_seconds, end_seconds)`
            in time order, e.g. one value of `keras_ae.data.flite_alignments`.
        num_frames: int >= 0, the frames to label.
        frame_step_seconds: float > 0, the time between frame centres.
            Defaults to 0.01 (10 ms, 80 samples at 8 kHz).
        phones: the phone symbols to index into; every phone of `segments`
            must be in it. Defaults to `keras_ae.data.FLITE_PHONES`.

    Returns:
        An int array `(num_frames,)` of indices into `phones`.

    Example:

    >>> from keras_ae.data import FLITE_PHONES, phone_labels
    >>> segments = [("pau", 0.0, 0.025), ("w", 0.025, 0.055), ("ah", 0.055, 0.085)]
    >>> labels = phone_labels(segments, num_frames=11)
    >>> [FLITE_PHONES[i] for i in labels]
    ['pau', 'pau', 'pau', 'w', 'w', 'w', 'ah', 'ah', 'ah', 'ah', 'ah']
    """
    num_frames = check_int("num_frames", num_frames, 0)
    frame_step_seconds = check_number("frame_step_seconds", frame_step_seconds, low=0,
                                      low_open=True)
    segments = list(segments)
    if not segments:
        raise ValueError("`segments` must hold at least one (phone, start, end). Received: []")
    index = {phone: i for i, phone in enumerate(phones)}
    unknown = sorted({segment[0] for segment in segments} - set(index))
    if unknown:
        raise ValueError(
            f"`segments` holds phones {unknown} that are not in `phones`. "
            f"Received: phones={tuple(phones)}"
        )
    ends = np.array([float(end) for _, _, end in segments])
    if np.any(np.diff(ends) < 0):
        raise ValueError(f"`segments` must be in time order. Received: segments={segments}")
    centres = np.arange(num_frames) * float(frame_step_seconds)
    which = np.minimum(np.searchsorted(ends, centres, side="right"), len(segments) - 1)
    return np.array([index[phone] for phone, _, _ in segments])[which]


def _find(path):
    return find_data_dir("flite-speech", path, required_files=_REQUIRED, source=_SOURCE)


def _in_split(split, in_test):
    return split == "all" or (split == "test") == in_test


def _voice_indices(voices):
    if voices is None:
        return tuple(range(len(FLITE_VOICES)))
    names = (voices,) if isinstance(voices, str) else voices
    if not isinstance(names, (list, tuple)):
        raise ValueError(
            f"`voices` must be None, a voice name or a list of names from {FLITE_VOICES}. "
            f"Received: voices={voices!r}"
        )
    check_names(list(names), "voices", FLITE_VOICES, "voices")
    if not names:
        raise ValueError(
            f"`voices` must name at least one voice of {FLITE_VOICES}. Received: voices=[]"
        )
    return tuple(sorted(FLITE_VOICES.index(v) for v in names))


def _read_sentences(file):
    texts = {}
    with open(file, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        if header != "id\ttext":
            raise ValueError(
                f"{file}: the first line must be the header 'id<TAB>text'. Received: {header!r}"
            )
        for number, line in enumerate(f, start=2):
            try:
                sentence_id, text = line.rstrip("\n").split("\t")
                texts[int(sentence_id)] = text
            except ValueError:
                raise ValueError(
                    f"{file}, line {number}: expected an id and a text separated by a tab. "
                    f"Received: {line!r}"
                ) from None
    return texts


def _read_clip(folder, name):
    file = os.path.join(folder, name)
    if not os.path.isfile(file):
        raise FileNotFoundError(
            f"{file} is missing: the flite-speech folder {folder} is incomplete. {_SOURCE}"
        )
    samples, rate = read_wav(file)
    if rate != 8000:
        raise ValueError(f"{file} is sampled at {rate} Hz, not 8000")
    return samples
