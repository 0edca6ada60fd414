import gzip
import os

import numpy as np
import pytest

from keras_ae.data import fashion_mnist


def test_loads_the_real_test_split(data_dir):
    x, y = fashion_mnist("test", path=os.path.join(data_dir, "fashion-mnist"))
    assert x.shape == (10000, 28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert y.shape == (10000,) and set(np.unique(y)) == set(range(10))
    assert np.bincount(y).tolist() == [1000] * 10


def test_environment_variable_and_limit(monkeypatch, data_dir):
    monkeypatch.setenv("KERAS_AE_DATA", data_dir)
    x, y = fashion_mnist("train", limit=5, normalize=False)
    assert x.shape == (5, 28, 28, 1) and x.dtype == np.uint8
    assert y.tolist() == [9, 0, 0, 3, 0]  # the first five training labels


def test_missing_files_say_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_AE_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    real_isfile = os.path.isfile
    # Hide copies in the usual system places (Debian's package, Keras' cache).
    monkeypatch.setattr(os.path, "isfile",
                        lambda p: str(p).startswith(str(tmp_path)) and real_isfile(p))
    with pytest.raises(FileNotFoundError, match="zalandoresearch"):
        fashion_mnist("test", path=tmp_path / "missing")


def test_wrong_file_kind_is_an_error(tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        with gzip.open(tmp_path / name, "wb") as f:
            f.write(b"\x00\x00\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="magic number"):
        fashion_mnist("test", path=tmp_path)


@pytest.mark.parametrize("kwargs, match", [({"split": "validation"}, "split='validation'"),
                                           ({"batch_size": 0}, "batch_size=0"),
                                           ({"limit": 0}, "limit=0")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fashion_mnist(**kwargs)


def test_as_a_tf_data_pipeline(data_dir):
    dataset = fashion_mnist("test", path=os.path.join(data_dir, "fashion-mnist"), limit=100,
                            as_dataset=True, batch_size=32, shuffle=True)
    batches = list(dataset.as_numpy_iterator())
    assert [len(b[0]) for b in batches] == [32, 32, 32, 4]
    images = np.concatenate([b[0] for b in batches])
    assert images.shape == (100, 28, 28, 1) and images.dtype == np.float32
    reference, _ = fashion_mnist("test", path=os.path.join(data_dir, "fashion-mnist"), limit=100)
    assert np.isclose(images.sum(), reference.sum(), rtol=1e-5)  # a permutation of them
