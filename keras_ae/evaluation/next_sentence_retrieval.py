import collections
import math
import random

import numpy as np

from keras_ae._checks import check_int


def next_sentence_retrieval(embed, sentences, queries=1000, candidates=100, seed=0,
                            batch_size=256):
    """Top-1 accuracy and MRR of finding the next sentence of a book by cosine similarity.

    The protocol (keras-ae issue 6): query lines `i` are drawn with
    `random.Random(seed).sample(range(n - 1), queries)`; for each, line
    `i + 1` is ranked among `candidates` lines, itself and `candidates - 1`
    other lines of the book drawn (with the same `random.Random`, query by
    query) from the lines whose text differs from both line `i` and line
    `i + 1`, by the cosine similarity of their embeddings to line `i`'s.
    Ties count against the true line: its rank is 1 + the number of
    candidates scoring at least as high.

    Args:
        embed: callable, a list of sentences → `(n, dim)` vectors (e.g.
            `QuickThought.encode`, or `tfidf_embedder(...)`).
        sentences: the book, a list of strings in reading order.
        queries: int >= 1, at most `len(sentences) - 1`.
        candidates: int >= 2.
        seed: int, of the `random.Random` that draws queries and candidates.
        batch_size: int >= 1, sentences per call of `embed`.

    Returns:
        `{"top1": float, "mrr": float}`.

    Example:

    >>> from keras_ae.evaluation import next_sentence_retrieval, tfidf_embedder
    >>> book = [f"line {i} about topic {i // 2}" for i in range(50)]
    >>> scores = next_sentence_retrieval(tfidf_embedder(book), book, queries=20, candidates=10)
    >>> sorted(scores)
    ['mrr', 'top1']
    """
    if isinstance(sentences, str) or len(sentences) < 2:
        raise ValueError("`sentences` must be a list of at least 2 sentences in reading order.")
    sentences = list(sentences)
    n = len(sentences)
    queries = check_int("queries", queries, 1)
    candidates = check_int("candidates", candidates, 2)
    batch_size = check_int("batch_size", batch_size, 1)
    if queries > n - 1:
        raise ValueError(f"`queries` must be at most len(sentences) - 1 = {n - 1}. "
                         f"Received: queries={queries}")
    if not callable(embed):
        raise ValueError(f"`embed` must be callable. Received: {embed!r}")
    rng = random.Random(seed)
    chosen = rng.sample(range(n - 1), queries)
    groups = []
    for i in chosen:
        pool = [j for j in range(n) if sentences[j] not in (sentences[i], sentences[i + 1])]
        if len(pool) < candidates - 1:
            raise ValueError(f"The book has too few distinct lines for {candidates} candidates.")
        groups.append((i, [i + 1] + rng.sample(pool, candidates - 1)))
    needed = sorted({i for i, _ in groups} | {j for _, c in groups for j in c})
    vectors = {}
    for start in range(0, len(needed), batch_size):
        index = needed[start:start + batch_size]
        out = np.asarray(_to_numpy(embed([sentences[j] for j in index])), "float64")
        if out.ndim != 2 or len(out) != len(index):
            raise ValueError(f"`embed` must return one vector per sentence. Received shape "
                             f"{out.shape} for {len(index)} sentences.")
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out = out / np.where(norms > 0, norms, 1.0)  # a zero vector scores 0 against all
        vectors.update(zip(index, out))
    hits, reciprocal = 0, 0.0
    for i, candidate in groups:
        query = vectors[i]
        scores = np.array([query @ vectors[j] for j in candidate])
        rank = 1 + int(np.sum(scores[1:] >= scores[0]))
        hits += rank == 1
        reciprocal += 1.0 / rank
    return {"top1": hits / queries, "mrr": reciprocal / queries}


def tfidf_embedder(corpus):
    """TF-IDF vectors over the words of `corpus`, as a callable for `next_sentence_retrieval`.

    Words are the lowercased, whitespace-separated tokens; the IDF is
    `log((1 + N) / (1 + df)) + 1` over the `N` sentences of `corpus` (as
    scikit-learn's default), term frequencies are raw counts, and words
    outside `corpus` are ignored.

    Args:
        corpus: list of sentences to fit the vocabulary and IDF on.

    Returns:
        A callable, list of sentences → `(n, vocabulary)` float32 array.
    """
    corpus = list(corpus)
    if not corpus:
        raise ValueError("`corpus` must be a non-empty list of sentences.")
    document_frequency = collections.Counter()
    for sentence in corpus:
        document_frequency.update(set(sentence.lower().split()))
    words = sorted(document_frequency)
    index = {w: k for k, w in enumerate(words)}
    idf = np.array([math.log((1 + len(corpus)) / (1 + document_frequency[w])) + 1
                    for w in words], "float32")

    def embed(sentences):
        out = np.zeros((len(sentences), len(words)), "float32")
        for row, sentence in enumerate(sentences):
            for word in sentence.lower().split():
                k = index.get(word)
                if k is not None:
                    out[row, k] += 1.0
        return out * idf

    return embed


def random_word_vectors_embedder(dim=300, seed=0):
    """The mean of fixed random Gaussian vectors of the words, a floor for retrieval.

    Each lowercased whitespace-separated word gets a vector drawn from a
    generator seeded by `seed` and the word itself (so the same word always
    gets the same vector, independently of the order words are seen).
    """
    cache = {}

    def vector(word):
        if word not in cache:
            key = int.from_bytes(word.encode("utf-8")[:32].ljust(32, b"\0"), "little")
            cache[word] = np.random.default_rng([seed, key % (2**63), len(word)]).normal(
                size=dim).astype("float32")
        return cache[word]

    def embed(sentences):
        out = np.zeros((len(sentences), dim), "float32")
        for row, sentence in enumerate(sentences):
            tokens = sentence.lower().split()
            if tokens:
                out[row] = np.mean([vector(w) for w in tokens], axis=0)
        return out

    return embed


def _to_numpy(x):
    import keras

    return keras.ops.convert_to_numpy(x)
