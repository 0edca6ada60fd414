import collections
import os

import pytest

from keras_ae.data import gutenberg
from keras_ae.data import sentence_batches


def _decode(batch):
    return [s.decode("utf-8") for s in batch.numpy()]


def _epochs(dataset, n):
    return [[_decode(batch) for batch in dataset] for _ in range(n)]


def _synthetic(lengths):
    """Books of unique sentences 'name i', so each row tells its book and line."""
    return {name: [f"{name} {i}" for i in range(n)] for name, n in lengths.items()}


def _where(batch):
    """(book, line of the first row) of a synthetic batch, checking it is one run."""
    book, first = batch[0].split()
    assert batch == [f"{book} {int(first) + i}" for i in range(len(batch))]
    return book, int(first)


def _locate(batch, books, index):
    """The (book, line) places at which `batch` is a run of consecutive lines."""
    return [(name, i) for name, i in index[batch[0]]
            if books[name][i:i + len(batch)] == batch]


def test_batches_are_runs_of_consecutive_lines_of_one_book(data_dir):
    books = gutenberg(["carroll-alice", "blake-poems", "shakespeare-macbeth"],
                      path=os.path.join(data_dir, "gutenberg"))
    index = collections.defaultdict(list)
    for name, sentences in books.items():
        for i, s in enumerate(sentences):
            index[s].append((name, i))
    every = collections.Counter(s for sentences in books.values() for s in sentences)

    # In order: the chunks of each book from its start, its last partial one dropped.
    batches = [_decode(b) for b in sentence_batches(books, batch_size=32)]
    expected = [sentences[i:i + 32] for sentences in books.values()
                for i in range(0, len(sentences) - 31, 32)]
    assert batches == expected and len(batches) == 51 + 11 + 45

    for drop_remainder in (True, False):
        dataset = sentence_batches(books, batch_size=32, shuffle=True, seed=5,
                                   drop_remainder=drop_remainder)
        for epoch in _epochs(dataset, 2):
            for batch in epoch:
                # Texts repeat ("Macbeth ."), but each batch is a run of one book.
                assert _locate(batch, books, index), batch
                assert len(batch) == 32 or not drop_remainder
            seen = collections.Counter(s for batch in epoch for s in batch)
            if drop_remainder:
                assert not seen - every  # each line at most once
                assert every.total() - seen.total() < 3 * 2 * 32
            else:
                assert seen == every  # each line exactly once


def test_shuffling_moves_the_batch_edges_and_the_order_reproducibly():
    lengths = {"a": 50, "b": 37, "c": 11, "d": 5}
    books = _synthetic(lengths)
    dataset = sentence_batches(books, batch_size=8, shuffle=True, seed=3)
    epochs = _epochs(dataset, 3)
    offsets = []
    for epoch in epochs:
        starts = collections.defaultdict(list)
        for batch in epoch:
            assert len(batch) == 8
            book, first = _where(batch)
            starts[book].append(first)
        # A chunk every 8 lines from the book's offset, each once.
        offset = {book: min(s) for book, s in starts.items()}
        for book, s in starts.items():
            assert sorted(s) == list(range(offset[book], lengths[book] - 7, 8))
        # "c" (11 < 2 * 8 - 1 lines) keeps a whole batch: offsets 0..3; "d" (5) has none.
        assert set(offset) == {"a", "b", "c"} and offset["c"] <= 3
        offsets.append(offset)
    assert offsets[0] != offsets[1] != offsets[2]  # the edges move
    orders = [[_where(batch) for batch in epoch] for epoch in epochs]
    assert orders[0] != orders[1] != orders[2]
    assert orders[0] != sorted(orders[0])  # the books are mixed
    # The same seed gives the same epochs; another seed others.
    again = sentence_batches(books, batch_size=8, shuffle=True, seed=3)
    assert _epochs(again, 3) == epochs
    other = sentence_batches(books, batch_size=8, shuffle=True, seed=4)
    assert _epochs(other, 1)[0] != epochs[0]


def test_without_drop_remainder_every_sentence_comes_once():
    books = _synthetic({"a": 23, "b": 4, "c": 1})
    every = sorted(s for sentences in books.values() for s in sentences)
    dataset = sentence_batches(books, batch_size=6, drop_remainder=False)
    assert dataset.element_spec.shape.as_list() == [None]
    assert [len(batch) for batch in _epochs(dataset, 1)[0]] == [6, 6, 6, 5, 4, 1]
    shuffled = sentence_batches(books, batch_size=6, shuffle=True, seed=0,
                                drop_remainder=False)
    for epoch in _epochs(shuffled, 3):
        for batch in epoch:
            _where(batch)
        assert sorted(s for batch in epoch for s in batch) == every


def test_one_book_or_a_list_of_books():
    book = [f"s {i}" for i in range(7)]
    dataset = sentence_batches(book, batch_size=3)
    assert dataset.element_spec.shape.as_list() == [3]
    assert _epochs(dataset, 1)[0] == [book[0:3], book[3:6]]
    lists = sentence_batches([book[:4], book[4:]], batch_size=2, drop_remainder=False)
    assert _epochs(lists, 1)[0] == [book[0:2], book[2:4], book[4:6], book[6:7]]
    assert _decode(next(iter(sentence_batches(["Où ?", "Là ."], 2)))) == ["Où ?", "Là ."]


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 1}, r"batch_size=1"),
    ({"batch_size": 2.0}, r"batch_size=2.0"),
    ({"seed": None}, r"seed=None"),
    ({"sentences": []}, "holds no sentences"),
    ({"sentences": {}}, "holds no sentences"),
    ({"sentences": "One sentence ."}, "type str"),
    ({"sentences": {"a": ["x", "y"], "b": []}}, r"`sentences\['b'\]` must be a non-empty list"),
    ({"sentences": ["x", b"y"]}, r"`sentences\[1\]` must be a str. Received: bytes b'y'"),
    ({"sentences": [["x", "y"], ["z", 3]]}, r"`sentences\[1\]\[1\]` must be a str"),
    ({"sentences": {"a": ["x", " ", "y"]}}, r"`sentences\['a'\]\[1\]` is an empty sentence"),
    ({"sentences": ["x", "y", "z"], "batch_size": 4}, "longest book has 3"),
])
def test_bad_arguments(kwargs, match):
    arguments = {"sentences": ["x", "y", "z", "w"], "batch_size": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        sentence_batches(**arguments)
