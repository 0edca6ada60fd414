import os

from keras_ae.data.paths import check_names
from keras_ae.data.paths import find_data_dir

GUTENBERG_BOOKS = (
    "austen-emma", "austen-persuasion", "austen-sense", "blake-poems", "bryant-stories",
    "burgess-busterbrown", "carroll-alice", "chesterton-ball", "chesterton-brown",
    "chesterton-thursday", "edgeworth-parents", "melville-moby_dick", "milton-paradise",
    "shakespeare-caesar", "shakespeare-hamlet", "shakespeare-macbeth", "whitman-leaves",
)
_SOURCE = (
    "The books are NLTK's Gutenberg selection (public domain): the `gutenberg` corpus of "
    "https://www.nltk.org/nltk_data/ (or nltk.download('gutenberg')). Write each book as "
    "<name>.txt in UTF-8, tokenised (tokens separated by spaces), one sentence per line, in "
    "reading order."
)


def gutenberg(books=None, path=None, exclude=(), drop_empty=True):
    """Loads 17 public-domain books, one list of sentences per book, in reading order.

    NLTK's Gutenberg selection (Austen, Blake, Carroll, Chesterton, Melville,
    Milton, Shakespeare, Whitman, ...; names in
    `keras_ae.data.GUTENBERG_BOOKS`), one `<name>.txt` file per book,
    tokenised (tokens separated by spaces), one sentence per line. About
    66,000 sentences and 1.6 million tokens in all. The first line of each
    book is its title, e.g. `[ Emma by Jane Austen 1816 ]`; poetry (Milton,
    Whitman) has long "sentences" of many verses. Looks at `path`,
    `$KERAS_AE_DATA/gutenberg` and `./data/gutenberg` for a folder holding
    the selected books; nothing is downloaded.

    Args:
        books: None (every book not in `exclude`), a book name, or a list of
            book names from `GUTENBERG_BOOKS`.
        path: the folder of the `.txt` files, or None to search.
        exclude: book names to leave out, e.g. held-out books. With explicit
            `books`, it must not name any of them.
        drop_empty: leave out lines that are empty or only white space (an
            empty sentence cannot be embedded). False keeps them as `""`, so
            that index `i` is line `i + 1` of the file.

    Returns:
        A dict `{book name: list of sentences}`, in the order of `books`
        (alphabetical when `books` is None); each sentence a `str` without
        its surrounding white space, in the order of the book.

    Example:

    >>> from keras_ae.data import gutenberg
    >>> books = gutenberg(["carroll-alice"])  # doctest: +SKIP
    >>> books["carroll-alice"][1]  # doctest: +SKIP
    'CHAPTER I. Down the Rabbit-Hole'
    """
    if isinstance(exclude, str):
        exclude = (exclude,)
    exclude = tuple(exclude)
    _check_names(exclude, "exclude")
    if books is None:
        books = tuple(b for b in GUTENBERG_BOOKS if b not in exclude)
    else:
        books = (books,) if isinstance(books, str) else tuple(books)
        _check_names(books, "books")
        overlap = [b for b in books if b in exclude]
        if overlap:
            raise ValueError(
                f"`books` and `exclude` both name {overlap}. Received: books={list(books)}, "
                f"exclude={list(exclude)}"
            )
    if not books:
        raise ValueError(
            f"No book selected. Received: books={list(books)}, exclude={list(exclude)}"
        )
    files = tuple(f"{b}.txt" for b in books)
    folder = find_data_dir("gutenberg", path, required_files=files, source=_SOURCE)
    return {b: _read(os.path.join(folder, f), drop_empty) for b, f in zip(books, files)}


def _check_names(names, argument):
    check_names(names, argument, GUTENBERG_BOOKS, "books")


def _read(file, drop_empty):
    # "utf-8-sig" drops a byte-order mark; the shipped files are plain ASCII.
    # NLTK itself reads its copies as latin-1, so a copy converted by hand may
    # not be UTF-8: say so instead of guessing the encoding.
    try:
        with open(file, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{file} is not UTF-8 text (byte {error.start}: {error.object[error.start:][:1]!r}). "
            f"Re-encode it, e.g. `iconv -f latin1 -t utf-8`."
        ) from None
    # Split on "\n" only: str.splitlines() would also split on form feeds and
    # other separators, and the line numbers would no longer be the file's.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    sentences = [line.strip() for line in lines]
    if drop_empty:
        sentences = [s for s in sentences if s]
    return sentences
