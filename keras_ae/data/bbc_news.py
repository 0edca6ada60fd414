import os
import re

from keras_ae.data.paths import check_names
from keras_ae.data.paths import find_data_dir

BBC_TOPICS = ("business", "entertainment", "politics", "sport")
_SPLITS = ("train", "test", "all")
_TEST_EVERY = 10  # article NNN is in the test split when NNN % 10 == 0
_SOURCE = (
    "The articles are the 'BBC News Summary' data set (Kaggle, pariza/bbc-news-summary; "
    "built on the BBC News data set of Greene & Cunningham 2006, "
    "http://mlg.ucd.ie/datasets/bbc.html; BBC copyright, for research use). Put its "
    "'News Articles' folder in place as articles/, one folder per topic holding NNN.txt files: "
    "the headline on the first line, a blank line, then the body."
)


def bbc_news(split="train", topics=None, path=None):
    """Loads BBC news articles with their headlines.

    1,824 articles of 2004-2005 from the BBC News Summary data set (built on
    Greene & Cunningham's BBC News data set) in four topics (names in
    `keras_ae.data.BBC_TOPICS`): business (510), entertainment (386),
    politics (417) and sport (511); the original's fifth topic, tech, is not
    used. Each file `bbc-news-summary/articles/{topic}/{NNN}.txt` holds the
    headline on its first line, a blank line, then the body, its paragraphs
    separated by blank lines. The headline is the article's human summary:
    the data set's extractive summaries (`summaries/`) are not read.

    The files are UTF-8 except `sport/199.txt`, which is latin-1 (one `£`):
    a file that is not UTF-8 is read as latin-1, so no byte is lost or
    replaced.

    The test split holds, in every topic, the articles whose number NNN is a
    multiple of 10: 181 articles (51, 38, 41 and 51); the training split the
    other 1,643. Looks at `path`, `$KERAS_AE_DATA/bbc-news-summary` and
    `./data/bbc-news-summary`; nothing is downloaded.

    Args:
        split: "train", "test" or "all".
        topics: None for the four topics, a topic name, or a list of topic
            names from `BBC_TOPICS`. The articles come in the order of
            `BBC_TOPICS` whatever the order asked.
        path: the data set's folder (the one holding `articles/`), or None
            to search.

    Returns:
        `(bodies, headlines, ids)`: three lists of `str` of the same length,
        sorted by topic and number: each article's body and headline, without
        surrounding white space, and its id, `"{topic}/{NNN}"` (e.g.
        `"business/001"`).

    Example:

    >>> from keras_ae.data import bbc_news
    >>> bodies, headlines, ids = bbc_news("test", topics="business")  # doctest: +SKIP
    >>> len(bodies), ids[0], headlines[0]  # doctest: +SKIP
    (51, 'business/010', 'Court rejects $280bn tobacco case')

    Reference:
        Greene & Cunningham 2006, "Practical solutions to the problem of
        diagonal dominance in kernel document clustering", ICML.
    """
    if split not in _SPLITS:
        raise ValueError(f"`split` must be one of {_SPLITS}. Received: split={split!r}")
    if topics is None:
        topics = BBC_TOPICS
    else:
        topics = (topics,) if isinstance(topics, str) else tuple(topics)
        check_names(topics, "topics", BBC_TOPICS, "topics")
        if not topics:
            raise ValueError(f"No topic selected. Received: topics={list(topics)}")
        topics = tuple(t for t in BBC_TOPICS if t in topics)
    folder = find_data_dir(
        "bbc-news-summary", path, required_files=tuple(f"articles/{t}/001.txt" for t in topics),
        source=_SOURCE,
    )
    bodies, headlines, ids = [], [], []
    for topic in topics:
        topic_folder = os.path.join(folder, "articles", topic)
        files = sorted((int(f[:-4]), f) for f in os.listdir(topic_folder)
                       if re.fullmatch(r"\d+\.txt", f))
        for number, file in files:
            if split == "all" or (split == "test") == (number % _TEST_EVERY == 0):
                headline, body = _read(os.path.join(topic_folder, file))
                bodies.append(body)
                headlines.append(headline)
                ids.append(f"{topic}/{file[:-4]}")
    return bodies, headlines, ids


def _read(file):
    with open(file, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # sport/199.txt: a latin-1 '£' (byte 0xa3)
    headline, blank, body = text.replace("\r\n", "\n").partition("\n\n")
    headline, body = headline.strip(), body.strip()
    if not blank or "\n" in headline or not headline or not body:
        raise ValueError(
            f"{file}: expected the headline on the first line, a blank line, then the body. "
            f"Received: {text[:100]!r}"
        )
    return headline, body
