import os

import pytest

from keras_ae.data import BBC_TOPICS
from keras_ae.data import bbc_news

ARTICLES = {"business": 510, "entertainment": 386, "politics": 417, "sport": 511}


@pytest.fixture
def folder(data_dir):
    return os.path.join(data_dir, "bbc-news-summary")


def test_splits_take_every_tenth_article_of_each_topic(folder):
    bodies, headlines, ids = bbc_news("all", path=folder)
    assert BBC_TOPICS == tuple(ARTICLES)
    assert len(bodies) == len(headlines) == len(ids) == sum(ARTICLES.values()) == 1824
    # Sorted by topic and number: exactly the nested loops, in that order.
    assert ids == [f"{t}/{n:03d}" for t in BBC_TOPICS for n in range(1, ARTICLES[t] + 1)]
    train = bbc_news("train", path=folder)
    test = bbc_news("test", path=folder)
    assert [len(part) for part in test] == [181] * 3
    assert [len(part) for part in train] == [1824 - 181] * 3
    assert test[2] == [f"{t}/{n:03d}" for t in BBC_TOPICS for n in range(10, ARTICLES[t] + 1, 10)]
    assert [sum(i.startswith(t) for i in test[2]) for t in BBC_TOPICS] == [51, 38, 41, 51]
    assert not set(train[2]) & set(test[2])
    assert sorted(train[2] + test[2]) == ids
    by_id = dict(zip(ids, zip(bodies, headlines)))
    for split in (train, test):
        assert all(by_id[i] == (b, h) for b, h, i in zip(*split))


def test_headline_and_body_of_a_file(folder):
    bodies, headlines, ids = bbc_news("all", topics="business", path=folder)
    assert len(ids) == 510 and ids[0] == "business/001"
    assert headlines[0] == "Ad sales boost Time Warner profit"
    assert bodies[0].startswith("Quarterly profits at US media giant TimeWarner jumped 76% to "
                                "$1.13bn (\u00a3600m) for the three months to December")
    assert bodies[0].endswith("book the sale of its stake in AOL Europe as a loss on the value "
                              "of that stake.")
    assert "\n\nThe firm, which is now one of the biggest investors in Google" in bodies[0]
    for body, headline in zip(bodies, headlines):
        assert headline and "\n" not in headline and headline == headline.strip()
        assert body and body == body.strip()


def test_a_latin1_file_is_read_without_loss(folder):
    raw = open(os.path.join(folder, "articles", "sport", "199.txt"), "rb").read()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    bodies, _, ids = bbc_news("all", topics=["sport"], path=folder)
    body = bodies[ids.index("sport/199")]
    assert "fee for Mutu, a \u00a315.8" in body  # byte 0xa3, latin-1's pound sign
    assert "\ufffd" not in body and "\u00c2" not in body
    # The UTF-8 files keep their pound signs as one character too: 1,235 in UTF-8 and one in
    # latin-1 in the files.
    bodies, headlines, _ = bbc_news("all", path=folder)
    assert sum(text.count("\u00a3") for text in bodies + headlines) == 1236


def test_topics_select_and_keep_their_order(folder, data_dir, tmp_path, monkeypatch):
    two = bbc_news("test", topics=["sport", "business"], path=folder)
    assert [i.split("/")[0] for i in two[2]] == ["business"] * 51 + ["sport"] * 51
    monkeypatch.setenv("KERAS_AE_DATA", data_dir)
    monkeypatch.chdir(tmp_path)
    assert len(bbc_news("test", topics="politics")[0]) == 41


def test_a_malformed_file_is_named(tmp_path):
    topic = tmp_path / "articles" / "politics"
    topic.mkdir(parents=True)
    (topic / "001.txt").write_bytes(b"Headline\r\n\r\nBody one.\r\n\r\nBody two.\r\n")
    (topic / "010.txt").write_text("Headline only\n")
    (topic / "notes.md").write_text("not an article")
    with pytest.raises(ValueError, match=r"010\.txt: expected the headline on the first line"):
        bbc_news("all", topics="politics", path=tmp_path)
    assert bbc_news("train", topics="politics", path=tmp_path) == (
        ["Body one.\n\nBody two."], ["Headline"], ["politics/001"])


@pytest.mark.parametrize("kwargs, match", [
    ({"split": "validation"}, r"`split` must be one of.*Received: split='validation'"),
    ({"topics": ["tech"]}, r"`topics` names unknown topics \['tech'\]"),
    ({"topics": ["sport", "sport"]}, r"names \['sport'\] more than once"),
    ({"topics": []}, r"No topic selected"),
])
def test_bad_arguments(kwargs, match, folder):
    with pytest.raises(ValueError, match=match):
        bbc_news(path=folder, **kwargs)


def test_missing_files_say_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as error:
        bbc_news(topics="sport", path=tmp_path / "nowhere")
    message = str(error.value)
    assert str(tmp_path / "nowhere") in message and "articles/sport/001.txt" in message
    assert "BBC News Summary" in message and "KERAS_AE_DATA" in message
