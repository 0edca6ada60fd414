import math

import numpy as np
import pytest

from keras_ae.text import WordPieceTokenizer
from keras_ae.text import inverse_document_frequency


def test_matches_the_formula():
    ids = np.array([[1, 2, 2, 0], [1, 3, 0, 0], [1, 0, 0, 0]])
    idf = inverse_document_frequency(ids, 5)
    n = 3
    expected = [0.0] + [math.log((1 + n) / (1 + df)) + 1 for df in (3, 1, 1, 0)]
    np.testing.assert_allclose(idf, expected, rtol=1e-6)
    assert idf.dtype == np.float32


def test_from_a_tokenizer():
    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat", "sat"], sequence_length=4)
    ids = tokenizer(["the cat", "the cat sat", "the"])
    idf = inverse_document_frequency(ids, tokenizer.vocabulary_size)
    assert idf[2] < idf[3] < idf[4]  # "the" is everywhere, "sat" in one sentence


@pytest.mark.parametrize("ids, size, message", [
    (np.zeros((0, 3), "int32"), 4, "non-empty"),
    (np.zeros((2,), "int32"), 4, "non-empty"),
    (np.zeros((2, 3), "float32"), 4, "int"),
    (np.array([[1, 5]]), 4, r"\[0, vocabulary_size=4\)"),
    (np.array([[1, 2]]), 1, "vocabulary_size"),
])
def test_errors(ids, size, message):
    with pytest.raises(ValueError, match=message):
        inverse_document_frequency(ids, size)
