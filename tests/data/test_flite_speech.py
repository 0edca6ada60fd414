import os
import shutil

import numpy as np
import pytest

from keras_ae.data import FLITE_PHONES
from keras_ae.data import FLITE_VOICES
from keras_ae.data import flite_alignments
from keras_ae.data import flite_speech
from keras_ae.data import phone_labels
from keras_ae.data import read_wav
from keras_ae.data import write_wav

# The non-silent phones flite says for each digit, in every voice and take.
WORDS = {
    0: ["z", "ih", "r", "ow"], 1: ["w", "ah", "n"], 2: ["t", "uw"], 3: ["th", "r", "iy"],
    4: ["f", "ao", "r"], 5: ["f", "ay", "v"], 6: ["s", "ih", "k", "s"],
    7: ["s", "eh", "v", "ax", "n"], 8: ["ey", "t"], 9: ["n", "ay", "n"],
}


@pytest.fixture
def folder(data_dir):
    return os.path.join(data_dir, "flite-speech")


def test_digits_split_counts_and_order(folder):
    train = flite_speech("train", path=folder)
    test = flite_speech("test", path=folder)
    assert len(train[0]) == 4 * 10 * 45 == 1800 and len(test[0]) == 4 * 10 * 5 == 200
    for (waves, digits, voices, takes), take_range in ((train, range(5, 50)), (test, range(5))):
        assert len(waves) == len(digits) == len(voices) == len(takes)
        # Sorted by voice, digit and take: exactly the nested loops, in that order.
        expected = [(v, d, t) for v in range(4) for d in range(10) for t in take_range]
        assert list(zip(voices.tolist(), digits.tolist(), takes.tolist())) == expected
        for w in waves:
            assert w.dtype == np.float32 and w.ndim == 1 and np.abs(w).max() <= 1
    waves, digits, voices, takes = flite_speech("all", path=folder)
    assert len(waves) == 2000 and sorted(set(takes.tolist())) == list(range(50))
    # Clip k is the file its labels name.
    i = int(np.flatnonzero((voices == FLITE_VOICES.index("slt")) & (digits == 7) & (takes == 3))[0])
    expected, rate = read_wav(os.path.join(folder, "digits", "7_slt_3.wav"))
    assert rate == 8000
    np.testing.assert_array_equal(waves[i], expected)


def test_take_t_is_the_same_utterance_in_every_voice(folder):
    waves, digits, voices, takes = flite_speech("all", path=folder)
    lengths = np.array([len(w) for w in waves]).reshape(4, 10, 50)
    # A take is one speaking rate (0.8-1.3): the durations of the 50 takes of a digit rise and
    # fall together in every voice (correlation > 0.999 in the data), though the voices differ.
    for digit in range(10):
        for voice in range(1, 4):
            assert np.corrcoef(lengths[0, digit], lengths[voice, digit])[0, 1] > 0.99
    ratio = lengths[1:] / lengths[:1]
    assert (ratio.std(axis=-1) < 0.05 * ratio.mean(axis=-1)).all()


def test_sentences(folder):
    train = flite_speech("train", "sentences", path=folder)
    test = flite_speech("test", "sentences", path=folder)
    assert len(train[0]) == 4 * 160 and len(test[0]) == 4 * 40
    texts = {}
    with open(os.path.join(folder, "sentences.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            sentence_id, text = line.split("\t")
            texts[int(sentence_id)] = text
    for (waves, ids, voices, clip_texts), id_range in (
        (train, range(160)), (test, range(160, 200))
    ):
        expected = [(v, i) for v in range(4) for i in id_range]
        assert list(zip(voices.tolist(), ids.tolist())) == expected
        assert clip_texts == [texts[i] for i in ids.tolist()]
        assert all(w.dtype == np.float32 and np.abs(w).max() <= 1 for w in waves)
    assert test[3][0] == texts[160] and isinstance(test[3][0], str)
    # The same id in two voices is the same sentence: similar durations.
    lengths = np.array([len(w) for w in test[0]]).reshape(4, 40)
    assert min(np.corrcoef(lengths[0], lengths[v])[0, 1] for v in range(1, 4)) > 0.9
    expected, _ = read_wav(os.path.join(folder, "sentences", "rms_163.wav"))
    np.testing.assert_array_equal(test[0][40 + 3], expected)


def test_voice_selection(folder):
    everyone = flite_speech("test", path=folder)
    two = flite_speech("test", voices=["kal16", "awb"], path=folder)
    # In the order of FLITE_VOICES, with voice indices into it.
    assert two[2].tolist() == [0] * 50 + [3] * 50
    keep = np.isin(everyone[2], [0, 3])
    for selected, full in zip(two[1:], everyone[1:]):
        np.testing.assert_array_equal(selected, full[keep])
    one = flite_speech("test", "sentences", voices="slt", path=folder)
    assert set(one[2].tolist()) == {FLITE_VOICES.index("slt")} and len(one[0]) == 40


def test_argument_errors(folder):
    with pytest.raises(ValueError, match="split='dev'"):
        flite_speech("dev", path=folder)
    with pytest.raises(ValueError, match="kind='words'"):
        flite_speech(kind="words", path=folder)
    with pytest.raises(ValueError, match=r"unknown voices \['kal'\].*'awb', 'rms', 'slt', 'kal16'"):
        flite_speech(voices=["awb", "kal"], path=folder)
    with pytest.raises(ValueError, match=r"\['slt'\] more than once"):
        flite_speech(voices=("slt", "slt"), path=folder)
    with pytest.raises(ValueError, match="at least one voice"):
        flite_speech(voices=[], path=folder)
    with pytest.raises(ValueError, match="voices=3"):
        flite_speech(voices=3, path=folder)


def test_missing_or_incomplete_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"make\.py.*flite.*sox"):
        flite_speech("test", path=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"make\.py"):
        flite_alignments()
    # Found through $KERAS_AE_DATA/flite-speech; a missing clip is named, an 8 kHz check made.
    folder = tmp_path / "flite-speech"
    (folder / "digits").mkdir(parents=True)
    (folder / "sentences").mkdir()
    (folder / "sentences.tsv").write_text("id\ttext\n000\tA sentence .\n")
    (folder / "alignments.tsv").write_text("file\tphone\tstart\tend\n")
    clip = np.zeros(800, "float32")
    write_wav(folder / "sentences" / "awb_000.wav", clip, 8000)
    for digit in range(10):
        for take in range(5):
            write_wav(folder / "digits" / f"{digit}_awb_{take}.wav", clip, 8000)
    monkeypatch.setenv("KERAS_AE_DATA", str(tmp_path))
    assert len(flite_speech("test", voices=["awb"])[0]) == 50
    assert flite_speech("train", "sentences", voices=["awb"])[3] == ["A sentence ."]
    with pytest.raises(FileNotFoundError, match=r"0_rms_0\.wav is missing.*make\.py"):
        flite_speech("test", voices=["rms"])
    write_wav(folder / "digits" / "3_awb_2.wav", clip, 16000)
    with pytest.raises(ValueError, match=r"3_awb_2\.wav is sampled at 16000 Hz"):
        flite_speech("test", voices=["awb"])
    shutil.rmtree(folder / "digits")
    with pytest.raises(FileNotFoundError, match="Looked in"):
        flite_speech("test")


def test_alignments(folder):
    alignments = flite_alignments(path=folder)
    digit_files = [f"digits/{d}_{v}_{t}.wav" for v in FLITE_VOICES for d in range(10)
                   for t in range(50)]
    sentence_files = [f"sentences/{v}_{i:03d}.wav" for v in FLITE_VOICES for i in range(200)]
    assert sorted(alignments) == sorted(digit_files + sentence_files)
    phones = set()
    for file, segments in alignments.items():
        assert segments[0][1] == 0.0
        for (_, start, end), (_, next_start, _) in zip(segments, segments[1:] + [(None,) * 3]):
            assert start <= end and (next_start is None or next_start == end)
        phones.update(phone for phone, _, _ in segments)
        if file.startswith("digits/"):
            # Silence, the digit's word, silence.
            digit = int(os.path.basename(file)[0])
            assert [p for p, _, _ in segments if p != "pau"] == WORDS[digit]
            assert segments[0][0] == segments[-1][0] == "pau"
    assert tuple(sorted(phones)) == FLITE_PHONES and len(FLITE_PHONES) == 41
    assert "pau" in FLITE_PHONES
    # The timings end with the clip, but kal16's last pau overruns it by up to 0.14 s.
    waves, digits, voices, takes = flite_speech("all", path=folder)
    for wave, digit, voice, take in zip(waves, digits, voices, takes):
        name = f"digits/{digit}_{FLITE_VOICES[voice]}_{take}.wav"
        overrun = alignments[name][-1][2] - len(wave) / 8000
        assert -0.01 < overrun < (0.15 if FLITE_VOICES[voice] == "kal16" else 0.01)


def test_phone_labels():
    segments = [("pau", 0.0, 0.02), ("z", 0.02, 0.045), ("ih", 0.045, 0.05), ("pau", 0.05, 0.08)]
    labels = phone_labels(segments, 12)
    assert labels.shape == (12,) and labels.dtype.kind == "i"
    # Frame t is centred at t * 10 ms; a boundary belongs to the segment that starts there, and
    # frames past the last segment (a clip longer than its timings) keep its phone.
    assert [FLITE_PHONES[i] for i in labels] == (
        ["pau", "pau", "z", "z", "z", "pau", "pau", "pau", "pau", "pau", "pau", "pau"]
    )
    # Fewer frames than the timings span (kal16's overrun): cut, not an error.
    assert [FLITE_PHONES[i] for i in phone_labels(segments, 4)] == ["pau", "pau", "z", "z"]
    assert phone_labels(segments, 0).shape == (0,)
    # Another frame rate and another phone list; "ih" (45-50 ms) falls between frame centres.
    assert phone_labels(segments, 5, frame_step_seconds=0.02, phones=("z", "pau", "ih")).tolist() \
        == [1, 0, 0, 1, 1]
    assert phone_labels(segments, np.int64(2)).tolist() == [FLITE_PHONES.index("pau")] * 2


def test_phone_labels_of_a_real_clip(folder):
    alignments = flite_alignments(path=folder)
    wave, _ = read_wav(os.path.join(folder, "digits", "0_kal16_0.wav"))
    segments = alignments["digits/0_kal16_0.wav"]
    num_frames = len(wave) // 80 + 1
    labels = phone_labels(segments, num_frames)
    assert len(labels) == num_frames
    spoken = [FLITE_PHONES[i] for i in labels]
    assert [p for i, p in enumerate(spoken) if i == 0 or spoken[i - 1] != p] == (
        ["pau"] + WORDS[0] + ["pau"]
    )


def test_phone_labels_errors():
    segments = [("pau", 0.0, 0.1)]
    with pytest.raises(ValueError, match="num_frames=-1"):
        phone_labels(segments, -1)
    with pytest.raises(ValueError, match="num_frames=True"):
        phone_labels(segments, True)
    with pytest.raises(ValueError, match="num_frames=2.0"):
        phone_labels(segments, 2.0)
    with pytest.raises(ValueError, match="frame_step_seconds=0"):
        phone_labels(segments, 3, frame_step_seconds=0)
    with pytest.raises(ValueError, match="frame_step_seconds=nan"):
        phone_labels(segments, 3, frame_step_seconds=float("nan"))
    with pytest.raises(ValueError, match=r"Received: \[\]"):
        phone_labels([], 3)
    with pytest.raises(ValueError, match=r"phones \['xx'\] that are not in `phones`"):
        phone_labels([("xx", 0.0, 0.1)], 3)
    with pytest.raises(ValueError, match="in time order"):
        phone_labels([("pau", 0.1, 0.2), ("z", 0.0, 0.1)], 3)
