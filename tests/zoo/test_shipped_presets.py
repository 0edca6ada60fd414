"""The presets shipped in the zoo: they load, they keep their layout, and they
reproduce the numbers in their model cards."""

import json
import os

import numpy as np
import pytest

import keras_ae
from keras_ae.data import fashion_mnist
from keras_ae.zoo import fashion_mnist as zoo

from make_golden_layouts import GOLDEN
from make_golden_layouts import weights_layout

SHIPPED = {
    # name: (class, zoo builder)
    "vqvae_fashion_mnist": (keras_ae.models.VQVAE, zoo.vqvae),
    "autoencoder_fashion_mnist": (keras_ae.models.AutoEncoder, zoo.autoencoder),
    "binary_autoencoder_fashion_mnist": (keras_ae.models.DiscreteAutoEncoder, zoo.binary_autoencoder),
    "gumbel_autoencoder_fashion_mnist": (keras_ae.models.DiscreteAutoEncoder, zoo.gumbel_autoencoder),
    "dim_fashion_mnist": (keras_ae.models.DeepInfoMax, zoo.deep_info_max),
}
AUTOENCODERS = sorted(k for k in SHIPPED if k != "dim_fashion_mnist")
# The cards give the MSE on all 10,000 test images; the first 1,000 are a
# sample of them, whose MSE differs by sampling alone by a few percent.
SUBSET, RELATIVE_TOLERANCE = 1000, 0.10


def test_all_presets_are_shipped():
    assert sorted(keras_ae.presets.list_presets()) == sorted(SHIPPED)


@pytest.mark.parametrize("name", AUTOENCODERS)
def test_loads_and_reproduces_its_card(name, data_dir):
    cls, _ = SHIPPED[name]
    model = cls.from_preset(name)
    metadata = keras_ae.presets.list_presets()[name]
    x, _ = fashion_mnist("test", path=os.path.join(data_dir, "fashion-mnist"), limit=SUBSET)
    mse = float(np.mean((model.predict(x, batch_size=500, verbose=0) - x) ** 2))
    card = metadata["metrics"]["test_mse"]
    assert mse == pytest.approx(card, rel=RELATIVE_TOLERANCE), (mse, card)
    with open(os.path.join(keras_ae.presets.builtin_presets_dir(), name, "README.md")) as f:
        assert str(card) in f.read()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_weights_layout_is_unchanged(name, tmp_path):
    """Golden layouts: renaming or reshaping a variable breaks users' weights."""
    with open(os.path.join(GOLDEN, f"{name}.json")) as f:
        golden = json.load(f)
    shipped = weights_layout(os.path.join(keras_ae.presets.builtin_presets_dir(), name,
                                          "model.weights.h5"))
    assert shipped == golden, "the shipped weights file changed layout"
    _, build = SHIPPED[name]
    model = build()
    model(np.zeros((1, 28, 28, 1), "float32"))
    model.save_weights(str(tmp_path / "fresh.weights.h5"))
    assert weights_layout(tmp_path / "fresh.weights.h5") == golden, (
        "the zoo architecture no longer matches the shipped weights' layout"
    )


def _dim_probe(data_dir, train_size, test_size):
    from keras_ae.evaluation import linear_probe

    model = keras_ae.models.DeepInfoMax.from_preset("dim_fashion_mnist")
    folder = os.path.join(data_dir, "fashion-mnist")
    x_train, y_train = fashion_mnist("train", path=folder, limit=train_size)
    x_test, y_test = fashion_mnist("test", path=folder, limit=test_size)
    features = [model.predict(x, batch_size=500, verbose=0) for x in (x_train, x_test)]
    return linear_probe(features[0], y_train, features[1], y_test)


def test_dim_preset_representation_is_as_good_as_its_card(data_dir):
    """A probe trained on a sixth of the training images (10,000) comes within
    two points of the card's accuracy, which used all 60,000."""
    card = keras_ae.presets.list_presets()["dim_fashion_mnist"]["metrics"]
    accuracy = _dim_probe(data_dir, 10000, None)
    assert accuracy > card["probe_accuracy_dim_y"] - 0.02, (accuracy, card)
    assert accuracy > card["probe_accuracy_random_encoder_y"], (accuracy, card)


@pytest.mark.slow
def test_dim_preset_reproduces_its_card(data_dir):
    card = keras_ae.presets.list_presets()["dim_fashion_mnist"]["metrics"]
    accuracy = _dim_probe(data_dir, None, None)
    assert accuracy == pytest.approx(card["probe_accuracy_dim_y"], abs=0.005), (accuracy, card)
