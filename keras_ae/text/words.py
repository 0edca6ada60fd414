import collections
import re

import numpy as np

PADDING, UNKNOWN = "", "[UNK]"
_WORD = re.compile(r"[a-z0-9]+")


def words(text):
    """The words of `text`: lower-cased runs of ASCII letters and digits.

    The tokens that ROUGE (the `rouge-score` package) scores, so a summary
    made of these words is judged word for word; punctuation and other
    characters separate words.

    Example:

    >>> from keras_ae.text import words
    >>> words("GNU C Library: Shared libraries (2.36-9)")
    ['gnu', 'c', 'library', 'shared', 'libraries', '2', '36', '9']
    """
    if not isinstance(text, str):
        raise ValueError(f"Expected a str. Received: {type(text).__name__}")
    return _WORD.findall(text.lower())


def learn_word_vocabulary(texts, size, min_count=1):
    """The `size` most frequent words of `texts`, after the padding and unknown entries.

    Args:
        texts: an iterable of str, or of lists of words.
        size: int >= 3, the vocabulary's size, `""` (id 0, padding) and
            `"[UNK]"` (id 1) included.
        min_count: int >= 1, the fewest occurrences a word needs.

    Returns:
        A list of str: `["", "[UNK]", most frequent word, ...]`, ties broken
        alphabetically (the same list on every run).
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 3:
        raise ValueError(f"`size` must be an int >= 3. Received: size={size!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"`min_count` must be an int >= 1. Received: min_count={min_count!r}")
    counts = collections.Counter()
    for text in texts:
        counts.update(words(text) if isinstance(text, str) else text)
    ranked = sorted((w for w, c in counts.items() if c >= min_count),
                    key=lambda w: (-counts[w], w))
    return [PADDING, UNKNOWN, *ranked[:size - 2]]


def word_ids(token_lists, vocabulary, length):
    """Word lists as 0-padded id arrays, cut to `length` words.

    Args:
        token_lists: a list of lists of words.
        vocabulary: a list of str with `""` at 0 and `"[UNK]"` at 1 (as
            `learn_word_vocabulary` makes), or a dict from word to id.
        length: int >= 1, the array's width: longer lists are cut.

    Returns:
        An int32 array `(len(token_lists), length)`: 0 on padding, 1 for a
        word outside the vocabulary.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"`length` must be an int >= 1. Received: length={length!r}")
    index = vocabulary if isinstance(vocabulary, dict) else {
        w: i for i, w in enumerate(vocabulary)}
    out = np.zeros((len(token_lists), length), "int32")
    for row, tokens in enumerate(token_lists):
        ids = [index.get(w, 1) for w in tokens[:length]]
        out[row, :len(ids)] = ids
    return out
