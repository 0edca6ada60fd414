import os

import keras
import numpy as np
import pytest

from keras_ae.text import WordPieceTokenizer
from keras_ae.text import learn_wordpiece_vocabulary

TINY = ["[PAD]", "[UNK]", "the", "cat", "##s", "sat", "on", "mat", "."]


@pytest.fixture(scope="module")
def alice():
    from tests.conftest import DATA_DIR

    with open(os.path.join(DATA_DIR, "gutenberg", "carroll-alice.txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


@pytest.fixture(scope="module")
def vocabulary(alice):
    return learn_wordpiece_vocabulary(alice, vocabulary_size=1000)


def test_learned_vocabulary_covers_its_corpus(alice, vocabulary):
    assert vocabulary[:2] == ["[PAD]", "[UNK]"]
    assert len(set(vocabulary)) == len(vocabulary) <= 1000
    assert {"alice", "the", "rabbit"} <= set(vocabulary)
    assert any(t.startswith("##") for t in vocabulary)
    ids = keras.ops.convert_to_numpy(WordPieceTokenizer(vocabulary)(alice))
    assert (ids != 1).all(), "a word of the corpus the vocabulary was learned on is unknown"
    # Subwords: more pieces than words, but not many more.
    words = sum(len(line.split()) for line in alice)
    pieces = int((ids > 0).sum())
    assert words <= pieces < 1.5 * words


def test_round_trip(alice, vocabulary):
    tokenizer = WordPieceTokenizer(vocabulary)
    ids = keras.ops.convert_to_numpy(tokenizer(alice[:200]))
    text = tokenizer.detokenize(ids)
    # The corpus is already split into words and punctuation: it comes back
    # as it was, lowercased, except that hyphens and apostrophes inside words
    # are split off as punctuation.
    same = [t == a.lower() for t, a in zip(text, alice[:200])]
    assert np.mean(same) > 0.5
    for t, a in zip(text, alice[:200]):
        assert t.split() == a.lower().replace("-", " - ").replace("'", " ' ").split() or \
            t.replace(" ", "") == a.lower().replace(" ", "")
    # And tokenizing the text again gives the same ids.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(tokenizer(text)), ids)


def test_ids_padding_truncation_and_normalisation():
    tokenizer = WordPieceTokenizer(TINY, sequence_length=4)
    ids = keras.ops.convert_to_numpy(tokenizer(["The CATS sat on the mat.", "thé cat", "dog"]))
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    assert ids.tolist() == [[2, 3, 4, 5], [2, 3, 0, 0], [1, 0, 0, 0]]
    unpadded = WordPieceTokenizer(TINY)
    assert tuple(unpadded(["the cat sat on the mat ."]).shape) == (1, 7)
    assert tokenizer.vocabulary_size == len(TINY) and tokenizer.token_to_id("mat") == 7


def test_in_a_tf_data_pipeline():
    import tensorflow as tf

    tokenizer = WordPieceTokenizer(TINY, sequence_length=6)
    ds = tf.data.Dataset.from_tensor_slices(["the cat sat", "the mat"]).batch(2).map(tokenizer)
    (batch,) = [b.numpy() for b in ds]
    assert batch.tolist() == [[2, 3, 5, 0, 0, 0], [2, 7, 0, 0, 0, 0]]


def test_one_tokenizer_serves_several_compiled_functions():
    import tensorflow as tf

    tokenizer = WordPieceTokenizer(TINY, sequence_length=3)
    first = tf.function(lambda s: tokenizer(s) + 0)
    second = tf.function(lambda s: tokenizer(s) * 1)
    strings = tf.constant(["the cat", "mat"])
    assert first(strings).numpy().tolist() == second(strings).numpy().tolist() == [
        [2, 3, 0], [7, 0, 0]]


def test_config_round_trip_keeps_the_vocabulary():
    tokenizer = WordPieceTokenizer(TINY, sequence_length=3, lowercase=False, name="tok")
    config = keras.saving.serialize_keras_object(tokenizer)
    restored = keras.saving.deserialize_keras_object(config)
    assert restored.vocabulary == TINY and restored.sequence_length == 3 and not restored.lowercase
    assert keras.ops.convert_to_numpy(restored(["The cat"])).tolist() == [[1, 3, 0]]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="strings in a model: TF")
def test_a_saved_model_takes_raw_strings(tmp_path):
    inputs = keras.Input(shape=(), dtype="string")
    ids = WordPieceTokenizer(TINY, sequence_length=5)(inputs)
    outputs = keras.layers.GlobalAveragePooling1D()(
        keras.layers.Embedding(len(TINY), 3, mask_zero=True)(ids))
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.array(["the cats sat", "the mat"])
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocabulary": []}, "vocabulary"),
        ({"vocabulary": ["[UNK]", "[PAD]", "a"]}, r"\[PAD\]"),
        ({"vocabulary": ["[PAD]", "a"]}, r"\[UNK\]"),
        ({"vocabulary": ["[PAD]", "[UNK]", "a", "a"]}, "more than once"),
        ({"vocabulary": ["[PAD]", "[UNK]", 3]}, r"vocabulary\[2\]"),
        ({"vocabulary": TINY, "sequence_length": 0}, "sequence_length"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WordPieceTokenizer(**kwargs)


def test_call_and_learning_errors():
    tokenizer = WordPieceTokenizer(TINY)
    with pytest.raises(ValueError, match="one str"):
        tokenizer("the cat")
    with pytest.raises(ValueError, match="shape"):
        tokenizer([["the cat"]])
    with pytest.raises(ValueError, match=r"\[0, 9\)"):
        tokenizer.detokenize([[3, 12]])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tokenizer.token_to_id("dog")
    with pytest.raises(ValueError, match="vocabulary_size"):
        learn_wordpiece_vocabulary(["a b"], vocabulary_size=2)
    with pytest.raises(ValueError, match="reserved_tokens"):
        learn_wordpiece_vocabulary(["a b"], reserved_tokens=("[UNK]",))
    with pytest.raises(ValueError, match=r"sentences\[1\]"):
        learn_wordpiece_vocabulary(["a b", None])
