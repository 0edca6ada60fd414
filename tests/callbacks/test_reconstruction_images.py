import glob
import os

import keras
import numpy as np
import pytest
import tiny_models

import keras_ae
from keras_ae.callbacks import ReconstructionImages
from keras_ae.callbacks import image_grid


def test_image_grid_layout():
    a = np.zeros((3, 2, 2, 1), "float32")
    b = np.full((3, 2, 2, 1), 0.5, "float32")
    grid = image_grid(a, b, columns=2)
    assert grid.shape == (2 * 3 + 1, 2 * 5 + 1, 1)
    np.testing.assert_array_equal(grid[1:3, 1:3], 0.0)   # first input
    np.testing.assert_array_equal(grid[1:3, 3:5], 0.5)   # its reconstruction
    np.testing.assert_array_equal(grid[0], 1.0)          # white separator
    np.testing.assert_array_equal(grid[4:6, 6:10], 1.0)  # empty last cell


def test_writes_images_and_code_histogram(tmp_path):
    tf = pytest.importorskip("tensorflow")
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 2, strides=2)])
    decoder = keras.Sequential([keras.Input((4, 4, 4)),
                                keras.layers.Conv2DTranspose(1, 2, strides=2,
                                                             activation="sigmoid")])
    model = keras_ae.models.VQVAE(encoder, decoder, keras_ae.layers.VectorQuantizer(8, name="vq"))
    model.compile("adam", run_eagerly=tiny_models.RUN_EAGERLY)
    x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
    model.fit(x, epochs=2, verbose=0, callbacks=[ReconstructionImages(x[:4], str(tmp_path))])
    (events,) = glob.glob(os.path.join(tmp_path, "images", "*"))
    tags = [(v.tag, e.step) for e in tf.compat.v1.train.summary_iterator(events)
            for v in e.summary.value]
    assert ("reconstructions", 0) in tags and ("reconstructions", 1) in tags
    assert ("code_usage", 1) in tags


@pytest.mark.parametrize("kwargs, match", [
    ({"images": np.zeros((2, 4, 4)), "logdir": "x"}, "images.shape"),
    ({"images": np.zeros((2, 4, 4, 1)), "logdir": "x", "every_n_epochs": 0}, "every_n_epochs=0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReconstructionImages(**kwargs)
