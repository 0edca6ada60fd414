"""The measures of discrete speech codes: phone mapping, k-means, bags, bitrate, ABX."""

import numpy as np
import pytest

from keras_ae.evaluation import abx_error
from keras_ae.evaluation import bag_of_codes
from keras_ae.evaluation import bitrate
from keras_ae.evaluation import code_phone_mapping
from keras_ae.evaluation import dtw_path
from keras_ae.evaluation import kmeans
from keras_ae.evaluation import nearest_centroid


def test_code_phone_mapping_against_a_hand_made_example():
    # Code 0 falls on phone 3 twice and phone 4 once: it maps to 3. Code 1
    # maps to 4, code 2 to 5; code 7 is never seen in training and maps to
    # the most common training phone (4, on 3 of the 6 frames).
    train_codes = [np.array([0, 0, 0, 1]), np.array([1, 2])]
    train_phones = [np.array([3, 3, 4, 4]), np.array([4, 5])]
    test_codes = [np.array([0, 1, 2, 7, 0])]
    test_phones = [np.array([3, 4, 4, 4, 4])]
    accuracy, mapping = code_phone_mapping(train_codes, train_phones, test_codes, test_phones)
    assert mapping == {0: 3, 1: 4, 2: 5}
    assert accuracy == pytest.approx(3 / 5)  # right: 0->3, 1->4, 7->4; wrong: 2->5, 0->3


def test_code_phone_mapping_refuses_misaligned_clips():
    with pytest.raises(ValueError, match="one value per frame"):
        code_phone_mapping([np.array([0, 1])], [np.array([0])], [np.array([0])], [np.array([0])])
    with pytest.raises(ValueError, match="same clips"):
        code_phone_mapping([np.array([0])], [np.array([0]), np.array([1])], [np.array([0])],
                           [np.array([0])])


def test_kmeans_finds_separated_clusters():
    rng = np.random.default_rng(0)
    centres = np.array([[5, 0], [-5, 0], [0, 5]], "float32")
    labels = rng.integers(0, 3, 600)
    frames = centres[labels] + rng.normal(0, 0.3, (600, 2))
    found = kmeans(frames, 3, seed=1)
    assigned = nearest_centroid(frames, found)
    # The same partition as the truth, up to the clusters' names.
    for c in range(3):
        assert len(set(labels[assigned == c])) == 1
    np.testing.assert_allclose(np.sort(found[:, 0]), np.sort(centres[:, 0]), atol=0.1)
    with pytest.raises(ValueError, match="num_clusters"):
        kmeans(frames[:2], 3)


def test_bag_of_codes_and_its_checks():
    bags = bag_of_codes([np.array([0, 0, 1, 3]), np.array([2])], num_codes=4)
    np.testing.assert_allclose(bags, [[0.5, 0.25, 0, 0.25], [0, 0, 1, 0]])
    with pytest.raises(ValueError, match=r"codes\[0\].*\[0, 2\)"):
        bag_of_codes([np.array([0, 5])], num_codes=2)


def test_bitrate_arithmetic():
    # Four equally likely codes: 2 bits each, 50 codes per second.
    assert bitrate([np.array([0, 1]), np.array([2, 3])], frames_per_second=50) == 100.0
    # One code only: no information.
    assert bitrate([np.zeros(10, "int64")], frames_per_second=100) == 0.0
    # p = (3/4, 1/4): H = 0.8113 bits.
    h = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    assert bitrate(np.array([0, 0, 0, 1]), 100) == pytest.approx(100 * h)
    with pytest.raises(ValueError, match="frames_per_second"):
        bitrate([np.array([0])], 0)


def _word_features(rng, word, length, noise=0.0):
    base = np.stack([np.sin((word + 1) * np.arange(length) / 3 + k) for k in range(4)], axis=1)
    return base + rng.normal(0, noise, base.shape)


def test_abx_error_of_identical_features_is_zero_and_of_noise_is_chance():
    rng = np.random.default_rng(0)
    words = np.repeat(np.arange(4), 6)
    speakers = np.tile(np.arange(3), 8)
    # Every take of a word has the same features, whoever says it.
    same = [_word_features(rng, w, 12 + w) for w in words]
    assert abx_error(same, words, speakers, num_triplets=300) == 0.0
    assert abx_error(same, words, speakers, num_triplets=300, distance="euclidean") == 0.0
    # Features that ignore the word: about chance.
    noise = [rng.normal(size=(12, 4)) for _ in words]
    assert 0.35 < abx_error(noise, words, speakers, num_triplets=600) < 0.65


def _abx_reference(features, words, speakers, num_triplets, seed):
    """`abx_error` written out: a triplet at a time, each pair's cosine distance aligned
    by `dtw_path` when the triplet needs it."""
    clips = [f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12) for f in features]
    by_key = {}
    for i, key in enumerate(zip(speakers.tolist(), words.tolist())):
        by_key.setdefault(key, []).append(i)
    kinds = [(s, w, v, t) for (s, w) in by_key for (t, u) in by_key if u == w and t != s
             for (r, v) in by_key if r == s and v != w]

    def distance(i, j):
        i, j = min(i, j), max(i, j)
        cost = np.clip(1.0 - clips[i] @ clips[j].T, 0.0, 2.0)
        path = dtw_path(cost)
        return cost[path[:, 0], path[:, 1]].mean()

    rng = np.random.default_rng(seed)
    errors = 0.0
    for _ in range(num_triplets):
        s, w, v, t = kinds[rng.integers(len(kinds))]
        a, b, x = (by_key[key][rng.integers(len(by_key[key]))] for key in
                   ((s, w), (s, v), (t, w)))
        ax, bx = distance(a, x), distance(b, x)
        errors += 1.0 if ax > bx else 0.5 if ax == bx else 0.0
    return errors / num_triplets


def test_abx_error_is_the_triplets_measure_written_out():
    rng = np.random.default_rng(0)
    words = np.repeat(np.arange(4), 6)
    speakers = np.tile(np.arange(3), 8)
    features = [_word_features(rng, w, int(rng.integers(6, 30)), noise=0.8) for w in words]
    rounded = [np.round(f) for f in features]  # few distinct frames: equal distances, ties
    for clips in (features, rounded):
        assert abx_error(clips, words, speakers, num_triplets=400, seed=3) == _abx_reference(
            clips, words, speakers, 400, 3)


def test_abx_error_checks():
    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(5, 2)) for _ in range(4)]
    with pytest.raises(ValueError, match="one entry per clip"):
        abx_error(feats, [0, 1, 0], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="No ABX triplet"):
        abx_error(feats, [0, 0, 0, 0], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="distance"):
        abx_error(feats, [0, 1, 0, 1], [0, 0, 1, 1], distance="manhattan")
