import os

import numpy as np
import pytest

from keras_ae.data import fashion_mnist
from keras_ae.evaluation import linear_probe


def test_probe_on_real_pixels_beats_chance_by_far(data_dir):
    path = os.path.join(data_dir, "fashion-mnist")
    x_train, y_train = fashion_mnist("train", path=path, limit=5000)
    x_test, y_test = fashion_mnist("test", path=path, limit=1000)
    accuracy = linear_probe(x_train, y_train, x_test, y_test, epochs=10)
    # With the defaults, all 60,000 raw training images give 0.844 on the
    # 10,000 test images (measured here); 5,000 of them about 0.8. Chance: 0.1.
    assert 0.75 < accuracy < 0.9, accuracy


def test_separable_features_are_classified_almost_perfectly_and_noise_is_not():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    x = rng.normal(size=(600, 4)).astype("float32")
    x[:, 0] += 10.0 * y  # class information in one feature
    assert linear_probe(x[:400], y[:400], x[400:], y[400:], epochs=40, batch_size=32,
                        learning_rate=1e-2) >= 0.98
    noise = rng.normal(size=(600, 4)).astype("float32")
    assert linear_probe(noise[:400], y[:400], noise[400:], y[400:], epochs=40, batch_size=32,
                        learning_rate=1e-2) < 0.5


@pytest.mark.parametrize("kwargs, match", [
    ({"train_labels": np.zeros(5, "float32")}, "train_labels"),
    ({"test_features": np.zeros((4, 3))}, "same feature size"),
    ({"epochs": 0}, "epochs=0"),
    ({"l2": -1.0}, "l2=-1.0"),
])
def test_bad_arguments(kwargs, match):
    args = {"train_features": np.zeros((5, 2)), "train_labels": np.zeros(5, int),
            "test_features": np.zeros((4, 2)), "test_labels": np.zeros(4, int), **kwargs}
    with pytest.raises(ValueError, match=match):
        linear_probe(**args)
