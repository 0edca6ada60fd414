import gzip
import json
import os
import zlib

import pytest

from keras_ae.data import debian_descriptions


@pytest.fixture(scope="module")
def everything():
    from tests.conftest import DATA_DIR

    return debian_descriptions("all", path=os.path.join(DATA_DIR, "debian-descriptions"))


@pytest.fixture
def folder(data_dir):
    return os.path.join(data_dir, "debian-descriptions")


def test_splits_by_the_hash_of_the_package_name(folder, everything):
    train = debian_descriptions("train", path=folder)
    test = debian_descriptions("test", path=folder)
    documents, summaries, names = everything
    assert len(documents) == len(summaries) == len(names) == 40393
    assert len(test[0]) == len(test[1]) == len(test[2]) == 1991
    assert len(train[0]) == len(train[1]) == len(train[2]) == 40393 - 1991
    assert all(zlib.crc32(n.encode()) % 20 == 0 for n in test[2])
    assert not any(zlib.crc32(n.encode()) % 20 == 0 for n in train[2])
    # No package in both splits, and together they are the file, in its order.
    assert not set(train[2]) & set(test[2])
    in_test = [zlib.crc32(n.encode()) % 20 == 0 for n in names]
    for i, (train_part, test_part) in enumerate(zip(train, test)):
        assert train_part == [x for x, t in zip(everything[i], in_test) if not t]
        assert test_part == [x for x, t in zip(everything[i], in_test) if t]
    # Package names repeat only for 7 per-architecture packages (49 records).
    assert len(set(names)) == 40393 - 42
    assert test[2][0] == "9mount"
    assert test[1][0] == "Plan 9 filesystem (v9fs) user mount utilities"


def test_descriptions_are_plain_paragraphs(everything):
    documents, summaries, names = everything
    first = names.index("0ad")
    assert summaries[first] == "Real-time strategy game of ancient warfare"
    assert documents[first].startswith('0 A.D. (pronounced "zero ey-dee") is a free, open-source')
    for document, summary in zip(documents, summaries):
        assert document and document == document.strip()
        assert summary and summary == summary.strip() and "\n" not in summary
    # Out of the control-file layout: paragraphs separated by one blank line, no line that
    # starts with a space, no " ." separator line left.
    assert all("\n\n\n" not in d and "\n " not in d and "\n.\n" not in d for d in documents)
    assert sum("\n\n" in d for d in documents) == 23380


def test_found_through_the_environment_variable(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_AE_DATA", data_dir)
    monkeypatch.chdir(tmp_path)
    assert len(debian_descriptions("test")[0]) == 1991


def test_reads_a_small_file_and_checks_its_records(tmp_path):
    # crc32("sc") % 20 == 0: the test split; crc32("keras") % 20 == 18: training.
    records = [
        {"package": "sc", "synopsis": "First", "description": "One.\n\nTwo."},
        {"package": "keras", "synopsis": "Deep learning", "description": "Layers."},
    ]
    assert zlib.crc32(b"sc") % 20 == 0 and zlib.crc32(b"keras") % 20 == 18
    with gzip.open(tmp_path / "en.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    assert debian_descriptions("test", path=tmp_path) == (["One.\n\nTwo."], ["First"], ["sc"])
    assert debian_descriptions("train", path=tmp_path) == (["Layers."], ["Deep learning"],
                                                           ["keras"])
    with gzip.open(tmp_path / "en.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps(records[0]) + "\n" + json.dumps({"package": "b", "synopsis": 3,
                                                             "description": ""}) + "\n")
    with pytest.raises(ValueError, match=r"en.jsonl.gz, line 2: expected a JSON object"):
        debian_descriptions("all", path=tmp_path)


def test_bad_split(folder):
    with pytest.raises(ValueError, match=r"`split` must be one of.*Received: split='valid'"):
        debian_descriptions("valid", path=folder)


def test_missing_files_say_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_AE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as error:
        debian_descriptions(path=tmp_path / "nowhere")
    message = str(error.value)
    assert str(tmp_path / "nowhere") in message and "en.jsonl.gz" in message
    assert "Translation-en" in message and "KERAS_AE_DATA" in message
