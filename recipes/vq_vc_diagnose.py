"""Where a VQ voice converter keeps the voice and loses the digits.

Run after `vq_vc_fsdd_flite.py` (or on its output folder) to see what its
card's totals hide:

1. the voice in the codes, frame by frame and clip by clip, on flite's
   sentences: `I(code; voice | phone)` in bits per frame (of the
   `H(voice)` = 2 bits of 4 voices), and a linear probe for the voice on each
   test sentence's bag of codes, of *mapped* codes (each code replaced by
   the phone it most often falls on in the training sentences) and of the
   aligned phone labels themselves. All fitted on sentences 0–159 only;
2. the conversions of the card, split by source and by target speaker (the
   share that keeps the digit, the share judged as the target), beside the
   same model decoding each clip in its own voice (self-reconstruction).

Usage: `python recipes/vq_vc_diagnose.py --data ../shared/data
[--preset vq_vc_fsdd_flite]` (81 s on 2 cores with the shipped judges; 117–153 s
when it trained its own).
"""

import argparse
import time

import numpy as np
import voice_common as recipe
import vq_vc_fsdd_flite as vq

import keras_ae
from keras_ae.data import FLITE_PHONES
from keras_ae.data import SPOKEN_DIGIT_SPEAKERS
from keras_ae.data import flite_alignments
from keras_ae.evaluation import bag_of_codes
from keras_ae.evaluation import code_phone_mapping
from keras_ae.evaluation import linear_probe


def entropy(counts):
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def conditional_information(codes, phones, voices, num_codes):
    """`I(code; voice | phone)` in bits per frame, from counts over all frames."""
    total = 0.0
    for phone in np.unique(phones):
        where = phones == phone
        joint = np.zeros((num_codes, voices.max() + 1))
        np.add.at(joint, (codes[where], voices[where]), 1)
        given_code = sum(row.sum() / where.sum() * entropy(row) for row in joint if row.sum())
        total += where.mean() * (entropy(joint.sum(0)) - given_code)
    return total


def voice_in_codes(model, data_path):
    alignments = flite_alignments(None if data_path is None else f"{data_path}/flite-speech")
    train_waves, train_voices, train_files = vq.sentences("train", data_path)
    test_waves, test_voices, test_files = vq.sentences("test", data_path)
    train_codes, test_codes = model.encode(train_waves), model.encode(test_waves)
    train_phones = vq.phones(train_files, [len(c) for c in train_codes], alignments)
    test_phones = vq.phones(test_files, [len(c) for c in test_codes], alignments)
    k, n = model.num_codes, len(FLITE_PHONES)
    voices = np.concatenate([np.full(len(c), v) for c, v in zip(train_codes, train_voices)])
    voices = np.searchsorted(np.unique(voices), voices)
    information = conditional_information(np.concatenate(train_codes),
                                          np.concatenate(train_phones), voices, k)
    print(f"I(code; voice | phone) on the training sentences: {information:.3f} bits per "
          f"frame, of H(voice) = {entropy(np.bincount(voices).astype(float)):.3f}")
    _, mapping = code_phone_mapping(train_codes, train_phones, test_codes, test_phones)
    common = int(np.bincount(np.concatenate(train_phones)).argmax())

    def mapped(codes):
        return [np.array([mapping.get(int(c), common) for c in clip]) for clip in codes]

    def probe(train, test, size):
        return linear_probe(bag_of_codes(train, size), train_voices, bag_of_codes(test, size),
                            test_voices, epochs=200, batch_size=64)

    print("voice from a test sentence's bag (4 voices, chance 0.25): "
          f"of codes {probe(train_codes, test_codes, k):.3f}, "
          f"of mapped codes {probe(mapped(train_codes), mapped(test_codes), n):.3f}, "
          f"of the aligned phone labels {probe(train_phones, test_phones, n):.3f}")


def conversions(model, data, judges):
    waves, digits, speakers, _ = data.evaluation
    own = [None] * len(waves)
    for s in np.unique(speakers):
        index = np.where(speakers == s)[0]
        for i, out in zip(index, model.convert([waves[i] for i in index],
                                               SPOKEN_DIGIT_SPEAKERS[s])):
            own[i] = out
    print(f"self-reconstruction: digit kept {judges.word_judge.accuracy(own, digits):.3f}")
    kept, as_target = np.zeros((10, 10)), np.zeros((10, 10))
    for target in range(10):
        index = np.where(speakers != target)[0]
        converted = model.convert([waves[i] for i in index], SPOKEN_DIGIT_SPEAKERS[target])
        words = judges.word_judge.predict(converted)
        voices = judges.speaker_judge.predict(converted)
        np.add.at(kept, (speakers[index], target), words == digits[index])
        np.add.at(as_target, (speakers[index], target), voices == target)
    count = np.zeros((10, 10))
    np.add.at(count, (speakers, slice(None)), 1)
    np.fill_diagonal(count, 0)
    print("speaker, then the share of its conversions that keep the digit (from it, into it) "
          "and that the judge names as the target (from it, into it):")
    for s, name in enumerate(SPOKEN_DIGIT_SPEAKERS):
        print(f"{name:9s} {kept[s].sum() / count[s].sum():14.2f}  "
              f"{kept[:, s].sum() / count[:, s].sum():14.2f}  "
              f"{as_target[s].sum() / count[s].sum():14.2f}  "
              f"{as_target[:, s].sum() / count[:, s].sum():14.2f}")
    print(f"all: kept {kept.sum() / count.sum():.3f}, judged the target "
          f"{as_target.sum() / count.sum():.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the folder holding fsdd/ and flite-speech/ (default: "
                        "KERAS_AE_DATA and the usual places)")
    parser.add_argument("--preset", default="vq_vc_fsdd_flite",
                        help="a preset name or folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.time()
    model = keras_ae.models.VQVoiceConverter.from_preset(args.preset)
    voice_in_codes(model, args.data)
    data_args = argparse.Namespace(data=args.data, train_size=None, test_size=None,
                                   seed=args.seed)
    data = recipe.Data(data_args)
    conversions(model, data, recipe.judges(data, data_args))
    print(f"({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
