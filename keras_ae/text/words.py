import collections
import string

import numpy as np

from keras_ae._checks import check_int

PADDING, UNKNOWN = "", "[UNK]"

# scikit-learn's English stopword list (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS,
# BSD-3-Clause, copied from scikit-learn 1.9.1), itself taken from the Glasgow Information
# Retrieval Group's list (http://ir.dcs.gla.ac.uk/resources/linguistic_utils/stop_words): 318
# words, its quirks kept ("amoungst", "couldnt", "hasnt", "noone"; no "don't" or "i'm"), so that
# Lead-without-stopwords scores as it does with scikit-learn.
ENGLISH_STOP_WORDS = frozenset([
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
    "alone", "along", "already", "also", "although", "always", "am", "among", "amongst",
    "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone", "anything",
    "anyway", "anywhere", "are", "around", "as", "at", "back", "be", "became", "because",
    "become", "becomes", "becoming", "been", "before", "beforehand", "behind", "being", "below",
    "beside", "besides", "between", "beyond", "bill", "both", "bottom", "but", "by", "call",
    "can", "cannot", "cant", "co", "con", "could", "couldnt", "cry", "de", "describe", "detail",
    "do", "done", "down", "due", "during", "each", "eg", "eight", "either", "eleven", "else",
    "elsewhere", "empty", "enough", "etc", "even", "ever", "every", "everyone", "everything",
    "everywhere", "except", "few", "fifteen", "fifty", "fill", "find", "fire", "first", "five",
    "for", "former", "formerly", "forty", "found", "four", "from", "front", "full", "further",
    "get", "give", "go", "had", "has", "hasnt", "have", "he", "hence", "her", "here",
    "hereafter", "hereby", "herein", "hereupon", "hers", "herself", "him", "himself", "his",
    "how", "however", "hundred", "i", "ie", "if", "in", "inc", "indeed", "interest", "into",
    "is", "it", "its", "itself", "keep", "last", "latter", "latterly", "least", "less", "ltd",
    "made", "many", "may", "me", "meanwhile", "might", "mill", "mine", "more", "moreover",
    "most", "mostly", "move", "much", "must", "my", "myself", "name", "namely", "neither",
    "never", "nevertheless", "next", "nine", "no", "nobody", "none", "noone", "nor", "not",
    "nothing", "now", "nowhere", "of", "off", "often", "on", "once", "one", "only", "onto",
    "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over", "own",
    "part", "per", "perhaps", "please", "put", "rather", "re", "same", "see", "seem", "seemed",
    "seeming", "seems", "serious", "several", "she", "should", "show", "side", "since",
    "sincere", "six", "sixty", "so", "some", "somehow", "someone", "something", "sometime",
    "sometimes", "somewhere", "still", "such", "system", "take", "ten", "than", "that", "the",
    "their", "them", "themselves", "then", "thence", "there", "thereafter", "thereby",
    "therefore", "therein", "thereupon", "these", "they", "thick", "thin", "third", "this",
    "those", "though", "three", "through", "throughout", "thru", "thus", "to", "together",
    "too", "top", "toward", "towards", "twelve", "twenty", "two", "un", "under", "until", "up",
    "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever", "when",
    "whence", "whenever", "where", "whereafter", "whereas", "whereby", "wherein", "whereupon",
    "wherever", "whether", "which", "while", "whither", "who", "whoever", "whole", "whom",
    "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
    "yourself", "yourselves"
])


def words(text):
    """The words of `text`: lower-cased, split on white space.

    Punctuation stays attached to its word (`"warfare."`, `"(rts)"`); a run
    of punctuation between spaces (`"-"`) is a word of its own. What a
    summary copies from a document, and the words of the Lead baselines
    (`keras_ae.evaluation.lead`); `word_key` gives the form a vocabulary
    counts.

    Example:

    >>> from keras_ae.text import words
    >>> words("0 A.D. is a free, open-source game -  of ancient warfare.")
    ['0', 'a.d.', 'is', 'a', 'free,', 'open-source', 'game', '-', 'of', 'ancient', 'warfare.']
    """
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a str. Received: {type(text).__name__}")
    return text.lower().split()


def word_key(word):
    """A word without the punctuation around it (itself if nothing else is left): the
    form a vocabulary counts, so `"xml,"` and `"xml"` share an id.

    >>> from keras_ae.text import word_key
    >>> word_key("(xml,"), word_key("a.d."), word_key("-")
    ('xml', 'a.d', '-')
    """
    return word.strip(string.punctuation) or word


def learn_word_vocabulary(texts, size, min_count=1):
    """The `size` most frequent words of `texts`, after the padding and unknown entries.

    Args:
        texts: an iterable of str, or of lists of words; words are counted by
            their `word_key`.
        size: int >= 3, the vocabulary's size, `""` (id 0, padding) and
            `"[UNK]"` (id 1) included.
        min_count: int >= 1, the fewest occurrences a word needs.

    Returns:
        A list of str: `["", "[UNK]", most frequent word, ...]`, ties broken
        alphabetically (the same list on every run).
    """
    size = check_int("size", size, 3)
    min_count = check_int("min_count", min_count, 1)
    counts = collections.Counter()
    for text in texts:
        counts.update(word_key(w) for w in (words(text) if isinstance(text, str) else text))
    ranked = sorted((w for w, c in counts.items() if c >= min_count),
                    key=lambda w: (-counts[w], w))
    return [PADDING, UNKNOWN, *ranked[:size - 2]]


def word_ids(token_lists, vocabulary, length):
    """Word lists as 0-padded id arrays, cut to `length` words.

    Args:
        token_lists: a list of lists of words, looked up by their `word_key`.
        vocabulary: a list of str with `""` at 0 and `"[UNK]"` at 1 (as
            `learn_word_vocabulary` makes), or a dict from word to id.
        length: int >= 1, the array's width: longer lists are cut.

    Returns:
        An int32 array `(len(token_lists), length)`: 0 on padding, 1 for a
        word outside the vocabulary.
    """
    length = check_int("length", length, 1)
    index = vocabulary if isinstance(vocabulary, dict) else {
        w: i for i, w in enumerate(vocabulary)}
    out = np.zeros((len(token_lists), length), "int32")
    for row, tokens in enumerate(token_lists):
        ids = [index.get(word_key(w), 1) for w in tokens[:length]]
        out[row, :len(ids)] = ids
    return out


def content_word_positions(tokens, k):
    """The positions of the first `k` of `tokens` that are neither stopwords nor punctuation
    (as `lead_without_stopwords` picks them): e.g. a summarizer's pretraining targets.

    >>> from keras_ae.text import content_word_positions
    >>> content_word_positions(["the", "2048", "game", "-", "is", "fun."], 3)
    [1, 2, 5]
    """
    positions = []
    for i, word in enumerate(tokens):
        bare = word.strip(string.punctuation)
        if bare and bare not in ENGLISH_STOP_WORDS:
            positions.append(i)
            if len(positions) == k:
                break
    return positions
