"""Objective scores of a voice converter, each beside its baseline."""

import json
import os

import numpy as np

from keras_ae.evaluation.linear_probe import linear_probe
from keras_ae.evaluation.mel_cepstral_distortion import mean_mel_cepstral_distortion
from keras_ae.evaluation.speech_classifier import SpeechClassifier


class ConversionJudges:
    """Two judges of converted speech, trained on real, unconverted clips only.

    A speaker classifier (which of the speakers is this?) and a digit
    classifier (which word?), both `SpeechClassifier`s trained on the
    training split, used for any number of converters so their scores are
    comparable.

    `save` and `load` keep trained judges, so that converters scored in
    different runs or on different machines meet the same judges (retrained
    judges follow the machine's float rounding and their seed: see
    `SpeechClassifier`).

    Args:
        speakers: the speakers' names; `train_speakers` indexes them.
        train_waveforms: training clips (list of 1-d float arrays).
        train_words: int array, the word (digit) of each clip.
        train_speakers: int array, the speaker of each clip.
        num_words: the number of words. Defaults to 10 (digits).
        epochs: training epochs of each judge.
        seed: int.
    """

    def __init__(self, speakers, train_waveforms, train_words, train_speakers, num_words=10,
                 epochs=30, seed=0):
        self.speakers = tuple(speakers)
        self.speaker_judge = SpeechClassifier(len(self.speakers), epochs=epochs, seed=seed).fit(
            train_waveforms, train_speakers)
        self.word_judge = SpeechClassifier(num_words, epochs=epochs, seed=seed).fit(
            train_waveforms, train_words)

    def save(self, directory, metadata=None):
        """Writes the judges into `directory` (made if missing): `judges.json` (the
        speakers' names, and `metadata`, a JSON-able dict, e.g. the judges' measured
        accuracies) and one `.npz` file per judge (`SpeechClassifier.save`)."""
        if metadata is not None and ("speakers" in metadata or not isinstance(metadata, dict)):
            raise ValueError(f"`metadata` must be a dict without the key 'speakers'. "
                             f"Received: metadata={metadata!r}")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "judges.json"), "w", encoding="utf-8") as f:
            json.dump({"speakers": list(self.speakers), **(metadata or {})}, f, indent=1)
        self.speaker_judge.save(os.path.join(directory, "speaker_judge.npz"))
        self.word_judge.save(os.path.join(directory, "word_judge.npz"))

    @classmethod
    def load(cls, directory):
        """Judges written by `save` into `directory`."""
        names = os.path.join(directory, "judges.json")
        if not os.path.isfile(names):
            raise FileNotFoundError(f"No saved ConversionJudges in directory={directory!r} "
                                    "(it holds no judges.json)")
        judges = cls.__new__(cls)
        with open(names, encoding="utf-8") as f:
            judges.speakers = tuple(json.load(f)["speakers"])
        judges.speaker_judge = SpeechClassifier.load(os.path.join(directory,
                                                                  "speaker_judge.npz"))
        judges.word_judge = SpeechClassifier.load(os.path.join(directory, "word_judge.npz"))
        if judges.speaker_judge.num_classes != len(judges.speakers):
            raise ValueError(f"The speaker judge in {directory!r} tells "
                             f"{judges.speaker_judge.num_classes} speakers apart, but "
                             f"judges.json names {len(judges.speakers)}")
        return judges


def evaluation_pairs(speakers, words, takes, clips_per_speaker=10):
    """Source clips for a conversion test: one take of each word per speaker.

    Takes the clip of word `w` with take `w % takes_available` (so each word
    appears once per speaker, over several takes), for every speaker.

    Returns:
        Sorted int indices into the arrays.
    """
    speakers, words, takes = np.asarray(speakers), np.asarray(words), np.asarray(takes)
    chosen = []
    for s in np.unique(speakers):
        mine = np.where(speakers == s)[0]
        for w in np.unique(words[mine])[:clips_per_speaker]:
            candidates = mine[words[mine] == w]
            options = np.sort(np.unique(takes[candidates]))
            take = options[w % len(options)]
            chosen.append(candidates[takes[candidates] == take][0])
    return np.array(sorted(chosen))


def conversion_scores(converter, judges, waveforms, words, speakers, takes, targets=None,
                      references=None, batch_size=32, seed=0):
    """How often converted clips sound like the target and keep their word.

    Every clip is converted to every target speaker other than its own.

    Args:
        converter: a model with `convert(waveforms, target, batch_size, seed)`
            and `resynthesize(waveforms, batch_size, seed)` (a
            `keras_ae.models.VoiceConverter`).
        judges: `ConversionJudges`.
        waveforms, words, speakers, takes: the test clips (speakers index
            `judges.speakers`).
        targets: dict, target speaker name → what `convert` takes as target
            (the name itself, or a waveform of the voice for a one-shot
            converter). Defaults to the converter's speakers among the
            judges' speakers, by name.
        references: optional set of speaker names with parallel recordings
            (the same word and take in every such voice, e.g. the flite
            voices): conversions between two of them are compared with the
            target's own recording by mel-cepstral distortion.
        batch_size: clips per call of `convert`.
        seed: Griffin-Lim's seed.

    Returns:
        A dict: `target_share` (share of conversions the speaker judge
        labels as the target), `source_share_as_target` (the same judge on
        the unconverted sources: the baseline), `word_kept` (share the word
        judge labels with the source's word), `source_word_accuracy` (the
        word judge on the sources), `resynthesized_word_accuracy` and
        `resynthesized_speaker_accuracy` (the judges on the sources' own
        log-mel frames through Griffin-Lim: the vocoder's ceiling),
        `conversions`, and with `references`
        `mcd_db` (converted vs the target's recording) and
        `mcd_unconverted_db` (source vs the target's recording), over
        `parallel_pairs` pairs.
    """
    words, speakers, takes = np.asarray(words), np.asarray(speakers), np.asarray(takes)
    names = judges.speakers
    if targets is None:
        targets = {n: n for n in names if n in converter.speakers}
    unknown = sorted(set(targets) - set(names))
    if unknown:
        raise ValueError(f"`targets` names speakers the judges do not know: {unknown}; "
                         f"they know {list(names)}")
    source_speakers = judges.speaker_judge.predict(waveforms)
    source_words = judges.word_judge.predict(waveforms)
    resynthesized = converter.resynthesize(waveforms, batch_size=batch_size, seed=seed)
    hits = kept = total = as_target = 0
    converted_pairs, reference_pairs, source_pairs = [], [], []
    parallel = set(references or ())
    by_key = {(int(s), int(w), int(t)): i for i, (s, w, t) in enumerate(zip(speakers, words,
                                                                            takes))}
    for name, target in targets.items():
        t = names.index(name)
        index = np.where(speakers != t)[0]
        if len(index) == 0:
            continue
        clips = [waveforms[i] for i in index]
        outputs = converter.convert(clips, target, batch_size=batch_size, seed=seed)
        predicted = judges.speaker_judge.predict(outputs)
        hits += int(np.sum(predicted == t))
        kept += int(np.sum(judges.word_judge.predict(outputs) == words[index]))
        as_target += int(np.sum(source_speakers[index] == t))
        total += len(index)
        if name in parallel:
            for row, i in enumerate(index):
                if names[speakers[i]] not in parallel:
                    continue
                j = by_key.get((t, int(words[i]), int(takes[i])))
                if j is not None:
                    converted_pairs.append(outputs[row])
                    reference_pairs.append(waveforms[j])
                    source_pairs.append(waveforms[i])
    scores = {
        "target_share": hits / max(total, 1),
        "source_share_as_target": as_target / max(total, 1),
        "word_kept": kept / max(total, 1),
        "source_word_accuracy": float(np.mean(source_words == words)),
        "resynthesized_word_accuracy": float(np.mean(
            judges.word_judge.predict(resynthesized) == words)),
        "resynthesized_speaker_accuracy": float(np.mean(
            judges.speaker_judge.predict(resynthesized) == speakers)),
        "conversions": total,
    }
    if references is not None:
        scores["parallel_pairs"] = len(converted_pairs)
        if converted_pairs:
            scores["mcd_db"] = mean_mel_cepstral_distortion(converted_pairs, reference_pairs)
            scores["mcd_unconverted_db"] = mean_mel_cepstral_distortion(source_pairs,
                                                                        reference_pairs)
    return scores


def content_probe(converter, train_waveforms, train_labels, test_waveforms,
                          test_labels, batch_size=32, epochs=200):
    """Test accuracy of a linear probe on the mean-pooled content code.

    Trained on the training clips, tested on the test clips. For the speaker
    as the label, lower is better (chance is 1 / speakers); for the word,
    higher.
    """
    def pooled(waves):
        return np.stack([c.mean(0) for c in converter.encode_content(waves,
                                                                     batch_size=batch_size)])

    return linear_probe(pooled(train_waveforms), train_labels, pooled(test_waveforms),
                        test_labels, epochs=epochs, batch_size=64)
