"""Summaries scored against human ones: ROUGE, the Lead baselines, and readability.

The evaluation of an unsupervised summarizer (Wang & Lee 2018, arXiv
1810.02851; Baziotis et al. 2019, SEQ³): ROUGE-1/2/L F1 against the human
summary, beside the baselines that need no learning (the first k words of
the document, with and without stopwords), and the perplexity of summaries
under a word-bigram model of human summaries, a measure of how readable
they are.

A "word" here is what `word_tokens` returns: a lower-cased run of
characters between white space, punctuation attached (`"warfare."`). This
is the tokenisation that reproduces the Lead-8 numbers of issue 15; ROUGE
itself tokenises on its own (see `rouge`).
"""

import collections
import math
import string

from keras_ae._checks import check_int
from keras_ae.text.words import ENGLISH_STOP_WORDS  # noqa: F401 (keras_ae.evaluation has it too)
from keras_ae.text.words import content_word_positions
from keras_ae.text.words import words as _words

_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_PUNCTUATION = string.punctuation
_START, _END, _UNKNOWN = "<s>", "</s>", "<unk>"


# The words of `lead`, `lead_without_stopwords` and `bigram_perplexity`: lower-cased, split
# on white space (what reproduces the Lead-8 scores); the summarizer copies the same.
word_tokens = _words


def rouge(predictions, references):
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F1 of summaries, ×100, with `rouge-score`.

    Scored by Google's `rouge-score` package (a Python reimplementation of
    ROUGE-1.5.5) with `use_stemmer=True` (the Porter stemmer, as ROUGE-1.5.5's
    `-m`): unigram and bigram overlap and the longest common subsequence
    (`rougeL`, the summary as one sequence), each an F1, averaged over the
    pairs. Its tokenizer lower-cases and keeps only runs of ASCII letters
    and digits, so punctuation is ignored and words in other scripts score
    nothing. An empty prediction or reference scores 0.

    Args:
        predictions: a non-empty list of str, the summaries to score.
        references: a list of str of the same length, the human summaries.

    Returns:
        A dict `{"rouge1": float, "rouge2": float, "rougeL": float}`: the
        mean F1 of each, in percent (0 to 100), as papers report them.

    Example:

    >>> from keras_ae.evaluation import rouge
    >>> # "cats" stems to "cat": 5 of 6 words, 3 of 5 word pairs and a common
    >>> # subsequence of 5 words match.
    >>> scores = rouge(["the cat sat on the mat"], ["The cats sat on a mat."])
    >>> {name: round(value, 1) for name, value in scores.items()}
    {'rouge1': 83.3, 'rouge2': 60.0, 'rougeL': 83.3}

    Reference:
        Lin 2004, "ROUGE: A package for automatic evaluation of summaries",
        ACL workshop Text Summarization Branches Out.
    """
    predictions = _texts(predictions, "predictions")
    references = _texts(references, "references")
    if len(predictions) != len(references):
        raise ValueError(
            "`predictions` and `references` must have the same length. Received: "
            f"{len(predictions)} predictions and {len(references)} references"
        )
    # Imported here: rouge-score imports nltk, a second's work that `import keras_ae` skips.
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(_ROUGE_TYPES), use_stemmer=True)
    totals = dict.fromkeys(_ROUGE_TYPES, 0.0)
    for prediction, reference in zip(predictions, references):
        scores = scorer.score(reference, prediction)  # (target, prediction)
        for name in _ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    return {name: 100.0 * total / len(predictions) for name, total in totals.items()}


def lead(documents, k):
    """Lead-k: the first `k` words of each document, the baseline with no learning.

    Args:
        documents: a non-empty list of str.
        k: int >= 1, the words to keep (all of them when a document is
            shorter).

    Returns:
        A list of str: each document's first `k` words (`word_tokens`:
        lower-cased, punctuation attached), joined by single spaces.

    Example:

    >>> from keras_ae.evaluation import lead
    >>> lead(["The 2048 game is a mathematics based puzzle game.", "Short."], k=4)
    ['the 2048 game is', 'short.']
    """
    documents = _texts(documents, "documents")
    k = check_int("k", k, 1)
    return [" ".join(word_tokens(document)[:k]) for document in documents]


def lead_without_stopwords(documents, k):
    """The first `k` words of each document that are neither stopwords nor punctuation.

    The stronger of the Lead baselines of Wang & Lee 2018 (on Gigaword it
    scores 24.3 ROUGE-1 against Lead-8's 21.4). A word (`word_tokens`) is
    punctuation when it holds nothing but ASCII punctuation (`"-"`, `"..."`),
    and a stopword when, without the punctuation around it, it is in
    `ENGLISH_STOP_WORDS` (`"the"`, `"(and"`, `"it,"`). The words kept are
    returned as they are, punctuation attached.

    Args:
        documents: a non-empty list of str.
        k: int >= 1, the words to keep.

    Returns:
        A list of str: the first `k` such words of each document, joined by
        single spaces (fewer when the document has fewer; `""` when it has
        none).

    Example:

    >>> from keras_ae.evaluation import lead_without_stopwords
    >>> lead_without_stopwords(["The 2048 game is a mathematics - based puzzle (and fun)."], k=5)
    ['2048 game mathematics based puzzle']

    Reference:
        Wang & Lee 2018, "Learning to encode text as human-readable summaries
        using generative adversarial networks", arXiv 1810.02851.
    """
    documents = _texts(documents, "documents")
    k = check_int("k", k, 1)
    summaries = []
    for document in documents:
        tokens = word_tokens(document)
        summaries.append(" ".join(tokens[i] for i in content_word_positions(tokens, k)))
    return summaries


def bigram_perplexity(train_texts, texts):
    """The perplexity of `texts` under a word-bigram model of `train_texts`, add-one smoothed.

    A readability measure: fitted on human summaries, it tells how much a
    summary's word pairs look like theirs. Every text is a sequence
    `<s> w1 ... wn </s>`; the model is

        P(w | v) = (count(v, w) + 1) / (count(v) + |V|)

    with `count(v, w)` the times `w` follows `v` in `train_texts`,
    `count(v)` the times `v` is followed by anything, and `V` the training
    words plus `</s>` and `<unk>`. A word of `texts` not in the training
    words is `<unk>`. The perplexity is `exp` of the mean negative log
    probability over every predicted token of `texts` (the words and each
    `</s>`), pooled over the texts.

    Args:
        train_texts: a non-empty list of texts to fit the model on.
        texts: a non-empty list of texts to score.
            A text is a str, split by `word_tokens` (lower-cased, punctuation
            attached: `"game."` and `"game"` are two words), or a list of str
            taken as its words as they are (e.g. from another tokenizer).

    Returns:
        A float >= 1: lower is more like `train_texts`.

    Example:

    >>> from keras_ae.evaluation import bigram_perplexity
    >>> train = ["a b", "b"]
    >>> round(bigram_perplexity(train, ["a b"]), 4)  # (1/3 * 2/5 * 1/2) ** (-1/3)
    2.4662
    """
    train_texts = _word_lists(train_texts, "train_texts")
    texts = _word_lists(texts, "texts")
    pairs, contexts = collections.Counter(), collections.Counter()
    vocabulary = {_END, _UNKNOWN}
    for words in train_texts:
        vocabulary.update(words)
        sequence = [_START, *words, _END]
        pairs.update(zip(sequence[:-1], sequence[1:]))
        contexts.update(sequence[:-1])
    log_probability, count = 0.0, 0
    for words in texts:
        sequence = [_START, *(w if w in vocabulary else _UNKNOWN for w in words), _END]
        for previous, word in zip(sequence[:-1], sequence[1:]):
            log_probability += math.log(
                (pairs[(previous, word)] + 1) / (contexts[previous] + len(vocabulary)))
            count += 1
    return math.exp(-log_probability / count)


def _texts(texts, name):
    if not isinstance(texts, (list, tuple)) or not texts:
        raise ValueError(
            f"`{name}` must be a non-empty list of str. Received: {_describe(texts)}"
        )
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"`{name}[{i}]` must be a str. Received: {type(text).__name__}")
    return list(texts)


def _word_lists(texts, name):
    if not isinstance(texts, (list, tuple)) or not texts:
        raise ValueError(
            f"`{name}` must be a non-empty list of texts (each a str or a list of words). "
            f"Received: {_describe(texts)}"
        )
    word_lists = []
    for i, text in enumerate(texts):
        if isinstance(text, str):
            word_lists.append(word_tokens(text))
        elif isinstance(text, (list, tuple)) and all(isinstance(w, str) for w in text):
            word_lists.append(list(text))
        else:
            raise ValueError(
                f"`{name}[{i}]` must be a str or a list of str. Received: {text!r:.100}"
            )
    return word_lists


def _describe(value):
    if isinstance(value, (list, tuple)):
        return f"an empty {type(value).__name__}"
    return type(value).__name__
