import numpy as np

from keras_ae._checks import check_int


def inverse_document_frequency(ids, vocabulary_size):
    """The smoothed inverse document frequency of every token id.

    `idf[t] = log((1 + n) / (1 + df[t])) + 1`, where `n` is the number of
    sentences (rows of `ids`) and `df[t]` the number of them that contain
    id `t` (scikit-learn's default IDF). Id 0, padding, gets 0. The result
    starts `keras_ae.layers.WeightedBagOfWords` as an IDF-weighted bag of
    words.

    Args:
        ids: int token ids, `(sentences, length)` (a numpy array or tensor,
            e.g. a `WordPieceTokenizer`'s output), 0 for padding.
        vocabulary_size: int, the number of ids (`tokenizer.vocabulary_size`).

    Returns:
        A float32 numpy array `(vocabulary_size,)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.text import inverse_document_frequency
    >>> idf = inverse_document_frequency(np.array([[1, 2, 0], [1, 3, 3]]), 4)
    >>> [round(float(value), 3) for value in idf]  # padding; ids in 2, 1 and 1 of 2 sentences
    [0.0, 1.0, 1.405, 1.405]
    """
    ids = np.asarray(ids)
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer) or len(ids) == 0:
        raise ValueError("`ids` must be a non-empty int array (sentences, length). Received "
                         f"dtype {ids.dtype} and shape {ids.shape}")
    vocabulary_size = check_int("vocabulary_size", vocabulary_size, 2)
    if ids.min() < 0 or ids.max() >= vocabulary_size:
        raise ValueError(f"`ids` must be in [0, vocabulary_size={vocabulary_size}). Received "
                         f"ids from {ids.min()} to {ids.max()}")
    rows = np.repeat(np.arange(len(ids), dtype="int64"), ids.shape[1])
    pairs = np.unique(rows * vocabulary_size + ids.reshape(-1))  # distinct (sentence, id)
    document_frequency = np.bincount(pairs % vocabulary_size, minlength=vocabulary_size)
    idf = np.log((1.0 + len(ids)) / (1.0 + document_frequency)) + 1.0
    idf[0] = 0.0
    return idf.astype("float32")
