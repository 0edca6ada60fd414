import os

import pytest

from keras_ae.data import GUTENBERG_BOOKS
from keras_ae.data import gutenberg

# `wc -l` of each file (none of them has an empty line): 66,372 sentences.
LINES = {
    "austen-emma": 8612, "austen-persuasion": 3650, "austen-sense": 5172, "blake-poems": 357,
    "bryant-stories": 2723, "burgess-busterbrown": 1004, "carroll-alice": 1632,
    "chesterton-ball": 4610, "chesterton-brown": 3707, "chesterton-thursday": 3567,
    "edgeworth-parents": 10136, "melville-moby_dick": 10070, "milton-paradise": 1856,
    "shakespeare-caesar": 1607, "shakespeare-hamlet": 2351, "shakespeare-macbeth": 1468,
    "whitman-leaves": 3850,
}


@pytest.fixture
def folder(data_dir):
    return os.path.join(data_dir, "gutenberg")


def test_every_book_loads_one_sentence_per_line(folder):
    books = gutenberg(path=folder)
    assert tuple(books) == GUTENBERG_BOOKS == tuple(sorted(LINES))
    assert {name: len(sentences) for name, sentences in books.items()} == LINES
    assert sum(LINES.values()) == 66372
    for name, sentences in books.items():
        with open(os.path.join(folder, f"{name}.txt"), "rb") as f:
            raw = f.read()
        raw.decode("ascii")  # plain ASCII, so reading as UTF-8 loses nothing
        lines = raw.split(b"\n")
        assert lines.pop() == b""  # every file ends with a newline
        assert len(sentences) == len(lines) - sum(not line.strip() for line in lines)
        assert all(isinstance(s, str) and s and s == s.strip() for s in sentences)
    # The line a Quick-Thought batch holds next is the file's next line.
    with open(os.path.join(folder, "carroll-alice.txt"), encoding="ascii") as f:
        assert books["carroll-alice"] == f.read().splitlines()


def test_the_first_sentences_of_alice(folder):
    alice = gutenberg("carroll-alice", path=folder)["carroll-alice"]
    assert alice[:2] == [
        "[ Alice 's Adventures in Wonderland by Lewis Carroll 1865 ]",
        "CHAPTER I. Down the Rabbit-Hole",
    ]
    assert alice[2].startswith("Alice was beginning to get very tired of sitting by her sister")
    assert alice[2].endswith("` without pictures or conversation ?")
    assert alice[3].startswith("' So she was considering in her own mind")


def test_selection_and_exclusion(folder, data_dir, tmp_path, monkeypatch):
    held_out = ("carroll-alice", "shakespeare-hamlet")
    train = gutenberg(path=folder, exclude=held_out)
    assert tuple(train) == tuple(b for b in GUTENBERG_BOOKS if b not in held_out)
    two = gutenberg(["shakespeare-macbeth", "blake-poems"], path=folder)
    assert list(two) == ["shakespeare-macbeth", "blake-poems"]  # in the order asked
    assert two["blake-poems"] == train["blake-poems"]
    # Found through $KERAS_AE_DATA/gutenberg without `path`.
    monkeypatch.setenv("KERAS_AE_DATA", data_dir)
    monkeypatch.chdir(tmp_path)
    assert len(gutenberg("blake-poems")["blake-poems"]) == LINES["blake-poems"]


def test_empty_lines_line_ends_and_encoding(tmp_path):
    # A byte-order mark, Windows line ends, blank lines, spaces, no final newline.
    text = b"\xef\xbb\xbfA b .\r\n\r\n  \n  C d .  \r\nE\xc3\xa9 ."
    (tmp_path / "carroll-alice.txt").write_bytes(text)
    assert gutenberg("carroll-alice", path=tmp_path)["carroll-alice"] == [
        "A b .", "C d .", "E\u00e9 ."
    ]
    assert gutenberg("carroll-alice", path=tmp_path, drop_empty=False)["carroll-alice"] == [
        "A b .", "", "", "C d .", "E\u00e9 ."
    ]
    # A form feed is not a line break: line numbers stay the file's.
    (tmp_path / "blake-poems.txt").write_bytes(b"A\x0cB\nC\n")
    assert gutenberg("blake-poems", path=tmp_path)["blake-poems"] == ["A\x0cB", "C"]
    # NLTK reads its copies as latin-1: such a file is an error, not mojibake.
    (tmp_path / "melville-moby_dick.txt").write_bytes(b"Call me Ishmael .\nNa\xefve .\n")
    with pytest.raises(ValueError, match=r"melville-moby_dick.txt is not UTF-8 text \(byte 20"):
        gutenberg("melville-moby_dick", path=tmp_path)


@pytest.mark.parametrize("kwargs, match", [
    ({"books": ["carroll-alice", "alice"]}, r"unknown books \['alice'\].*carroll-alice"),
    ({"books": "carroll-alice.txt"}, r"Received: books=\['carroll-alice.txt'\]"),
    ({"exclude": ["hamlet"]}, r"`exclude` names unknown books \['hamlet'\]"),
    ({"books": ["blake-poems", "blake-poems"]}, r"names \['blake-poems'\] more than once"),
    ({"books": ["blake-poems"], "exclude": ["blake-poems"]}, "both name"),
    ({"books": []}, "No book selected"),
    ({"exclude": GUTENBERG_BOOKS}, "No book selected"),
])
def test_bad_arguments(kwargs, match, folder):
    with pytest.raises(ValueError, match=match):
        gutenberg(path=folder, **kwargs)


def test_missing_files_say_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "carroll-alice.txt").write_text("A .\n")
    with pytest.raises(FileNotFoundError, match=r"(?s)blake-poems.txt.*nltk_data.*one sentence"):
        gutenberg(["carroll-alice", "blake-poems"], path=tmp_path)
